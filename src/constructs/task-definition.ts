import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { containerDefinitions, scratchVolumeNames } from "../plan/containers";
import type { ContainerName, ContainerSpec } from "../plan/service";
import { WORKLOAD_TAG, Workload } from "../plan/background";
import { secretPolicyResources } from "../plan/secrets";
import { policyDocument, PolicyStatement, serviceTrustPolicy } from "./iam";

export interface WebTaskDefinitionProps {
  names: { family: string; logGroup: string; executionRole: string; taskRole: string };
  /** CPU units and MiB of the task. */
  size: { cpu: number; memory: number };
  containers: ContainerSpec[];
  /** Image URI per container. */
  images: Record<ContainerName, string>;
  /** ECR repositories the execution role may pull from. */
  repositoryArns: string[];
  /** Environment known only at deploy time (a created Redis endpoint). */
  extraEnvironment?: Partial<Record<ContainerName, Record<string, string>>>;
  logRetentionDays: number;
  region: string;
  accountId: string;
  permissionsBoundary?: string;
  /** destroy deregisters the revision instead of keeping it for rollbacks. */
  disposable?: boolean;
  /** Secrets of other tasks started with this execution role (workers, jobs): it may read them too. */
  extraSecretArns?: string[];
}

/** What a task definition needs besides its containers: roles, log group, where it runs. */
export interface TaskRuntime {
  executionRoleArn: string;
  taskRoleArn: string;
  logGroup: string;
  region: string;
  /** destroy deregisters the revision instead of keeping it for rollbacks. */
  disposable?: boolean;
}

export interface TaskDefinitionSpec {
  family: string;
  /** CPU units and MiB of the task. */
  size: { cpu: number; memory: number };
  containers: ContainerSpec[];
  images: Partial<Record<ContainerName, string>>;
  extraEnvironment?: Partial<Record<ContainerName, Record<string, string>>>;
  /** What the task runs for (tag `workload`): web, worker, scheduled or release. */
  workload: Workload;
}

/** A Fargate task definition: read-only roots, scratch volumes, logs to the runtime's group. */
export function fargateTaskDefinition(scope: Construct, id: string, spec: TaskDefinitionSpec, runtime: TaskRuntime): EcsTaskDefinition {
  return new EcsTaskDefinition(scope, id, {
    family: spec.family,
    // Old revisions stay registered: a rollback may need one (a disposable environment keeps none).
    skipDestroy: !runtime.disposable,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: String(spec.size.cpu),
    memory: String(spec.size.memory),
    executionRoleArn: runtime.executionRoleArn,
    taskRoleArn: runtime.taskRoleArn,
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    volume: scratchVolumeNames(spec.containers).map((name) => ({ name })),
    containerDefinitions: JSON.stringify(
      containerDefinitions(spec.containers, {
        images: spec.images as Record<ContainerName, string>,
        logGroup: runtime.logGroup,
        region: runtime.region,
        extraEnvironment: spec.extraEnvironment,
      }),
    ),
    tags: { [WORKLOAD_TAG]: spec.workload },
  });
}

/**
 * The Fargate task: nginx and Django in one task, logs to a log group with
 * retention, and two roles. The execution role (used by ECS to start the task)
 * may pull these images, write these logs and read exactly these secrets; the
 * task role (used by the app) starts with no permissions at all.
 */
export class WebTaskDefinition extends Construct {
  readonly arn: string;
  readonly family: string;
  readonly taskRoleArn: string;
  readonly taskRoleName: string;
  readonly executionRoleArn: string;
  /** The roles and log group, shared by the workers, jobs and release tasks (the same code and secrets). */
  readonly runtime: TaskRuntime;
  /** ECS starts no task before the execution role may pull images and read secrets. */
  readonly executionPolicy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: WebTaskDefinitionProps) {
    super(scope, id);
    const logGroup = new CloudwatchLogGroup(this, "logs", { name: props.names.logGroup, retentionInDays: props.logRetentionDays });

    const executionRole = new IamRole(this, "execution-role", {
      name: props.names.executionRole,
      assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    const secretArns = [...props.containers.flatMap((c) => Object.values(c.secrets)), ...(props.extraSecretArns ?? [])];
    const statements: PolicyStatement[] = [
      { Sid: "EcrToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullImages",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: props.repositoryArns,
      },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup.arn}:*` },
    ];
    // IAM sees a secret's ARN with Secrets Manager's random suffix, whether or not the manifest gave it.
    const secrets = [...new Set(secretArns.filter((arn) => arn.includes(":secretsmanager:")).flatMap(secretPolicyResources))];
    const parameters = [...new Set(secretArns.filter((arn) => arn.includes(":ssm:")))];
    if (secrets.length > 0) statements.push({ Sid: "ReadSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secrets });
    if (parameters.length > 0) statements.push({ Sid: "ReadParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameters });
    this.executionPolicy = new IamRolePolicy(this, "execution-policy", { role: executionRole.id, name: "start-task", policy: policyDocument(...statements) });

    const taskRole = new IamRole(this, "task-role", {
      name: props.names.taskRole,
      assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });

    this.runtime = { executionRoleArn: executionRole.arn, taskRoleArn: taskRole.arn, logGroup: logGroup.name, region: props.region, disposable: props.disposable };
    const definition = fargateTaskDefinition(
      this,
      "task-definition",
      { family: props.names.family, size: props.size, containers: props.containers, images: props.images, extraEnvironment: props.extraEnvironment, workload: "web" },
      this.runtime,
    );
    this.arn = definition.arn;
    this.family = definition.family;
    this.taskRoleArn = taskRole.arn;
    this.taskRoleName = taskRole.name;
    this.executionRoleArn = executionRole.arn;
  }
}
