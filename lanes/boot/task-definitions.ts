/**
 * The ECS task definitions of the synthesized stacks, as the Fargate agent receives them: container
 * definitions parsed from the Terraform JSON, with values that only exist after apply (Terraform
 * references) and secret values replaced by named stand-ins of the right shape.
 */
import { randomBytes } from "crypto";

export interface ContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  command?: string[];
  entryPoint?: string[];
  workingDirectory?: string;
  user?: string;
  portMappings?: { containerPort: number }[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  healthCheck?: { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
  dependsOn?: { containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }[];
  readonlyRootFilesystem?: boolean;
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
  stopTimeout?: number;
}

/** The `workload` tag of a task definition (src/plan/background.ts); untagged definitions are web tasks. */
export type Workload = "web" | "worker" | "scheduled" | "release";
const WORKLOADS: Workload[] = ["web", "worker", "scheduled", "release"];

export interface TaskDefinition {
  stack: string;
  workload: Workload;
  /** Terraform address, for messages. */
  address: string;
  family: string;
  volumes: { name: string; host?: unknown; efs_volume_configuration?: unknown }[];
  containers: ContainerDefinition[];
}

export interface TargetGroupHealthCheck {
  address: string;
  path: string;
  matcher: string;
  port: string;
}

/**
 * Stand-ins for secrets, chosen by the variable's name. The test names each one it relies on;
 * a secret with no stand-in fails the lane rather than booting with a made-up value.
 */
export const SECRET_STAND_INS: { pattern: RegExp; shape: string; value: () => string }[] = [
  { pattern: /SECRET_KEY$/, shape: "a Django secret key (50 random characters)", value: () => randomBytes(38).toString("base64").slice(0, 50) },
  { pattern: /DATABASE_URL$/, shape: "a database URL", value: () => "postgres://app:stand-in-password@127.0.0.1:5432/app" },
  { pattern: /REDIS_URL$/, shape: "a Redis URL", value: () => "redis://127.0.0.1:6379/0" },
];

export function secretStandIn(name: string): string | undefined {
  return SECRET_STAND_INS.find((s) => s.pattern.test(name))?.value();
}

/** A Terraform reference, known only after apply, replaced by a value of its shape. */
export function referenceStandIn(reference: string): string {
  if (/(address|endpoint|dns_name|hostname)$/.test(reference)) return "127.0.0.1";
  if (/(port)$/.test(reference)) return "6379";
  return `stand-in-${reference.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

export function resolveReferences(value: string): string {
  return value.replace(/\$\{([^}]+)\}/g, (_, reference: string) => referenceStandIn(reference.trim()));
}

interface StackJson {
  resource?: Record<string, Record<string, any>>;
  output?: Record<string, { value?: unknown }>;
}

function workloadOf(address: string, tag: unknown): Workload {
  if (tag === undefined) return "web";
  if (!WORKLOADS.includes(tag as Workload)) throw new Error(`${address}: tag workload is ${JSON.stringify(tag)}; expected one of ${WORKLOADS.join(", ")}`);
  return tag as Workload;
}

export interface ReleaseTask {
  name: string;
  command: string[];
  timeoutMinutes: number;
}

/** The stack output `release_tasks`: the commands the release runs on the release definition, in order. */
export function releaseTasks(stack: string, json: StackJson): ReleaseTask[] {
  const value = json.output?.release_tasks?.value;
  if (value === undefined) throw new Error(`stack ${stack}: a release task definition but no output release_tasks naming the commands to run on it`);
  const valid = (t: any) => typeof t?.name === "string" && Array.isArray(t.command) && t.command.every((w: unknown) => typeof w === "string") && typeof t.timeoutMinutes === "number";
  if (!Array.isArray(value) || !value.every(valid)) throw new Error(`stack ${stack}: output release_tasks is not a list of { name, command: [strings], timeoutMinutes }`);
  return value;
}

export function taskDefinitions(stack: string, json: StackJson): TaskDefinition[] {
  return Object.entries(json.resource?.aws_ecs_task_definition ?? {}).map(([name, body]) => ({
    stack,
    workload: workloadOf(`aws_ecs_task_definition.${name}`, body.tags?.workload),
    address: `aws_ecs_task_definition.${name}`,
    family: body.family,
    volumes: body.volume ?? [],
    containers: JSON.parse(body.container_definitions) as ContainerDefinition[],
  }));
}

/** The health checks of the target groups that point at a task's port (blue and green alike). */
export function targetGroupHealthChecks(json: StackJson): TargetGroupHealthCheck[] {
  return Object.entries(json.resource?.aws_lb_target_group ?? {})
    .filter(([, body]) => body.target_type === "ip" || body.target_type === undefined)
    .map(([name, body]) => ({
      address: `aws_lb_target_group.${name}`,
      path: body.health_check?.path ?? "/",
      matcher: String(body.health_check?.matcher ?? "200"),
      port: String(body.health_check?.port ?? body.port ?? "traffic-port"),
    }));
}

/** Does `status` satisfy an ELB matcher ("200", "200-299", "200,302")? */
export function matcherAccepts(matcher: string, status: number): boolean {
  return matcher.split(",").some((part) => {
    const [low, high] = part.split("-").map(Number);
    return high === undefined ? status === low : status >= low && status <= high;
  });
}
