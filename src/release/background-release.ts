/**
 * The parts of a release beyond the web service's CodeDeploy deployment, through the AWS CLI:
 * - release tasks: run one by one with the new image before any traffic moves; a non-zero exit, a task
 *   that never starts or one that outlives its timeout stops the release there;
 * - workers: a revision with the new image each, rolled out by ECS; the circuit breaker's rollback fails
 *   the release;
 * - scheduled jobs: a revision with the new image each, which Scheduler's next run takes.
 * `aws` is the CLI (one call, JSON out); tests give a recording double, since no AWS is reachable here.
 */
import type { ReleaseConfig, ServiceNetwork } from "./release-config";

export type AwsCli = (args: string[]) => Promise<any>;

export class ReleaseStepError extends Error {}

/** The container every worker, job and release task runs (src/plan/background.ts). */
const CONTAINER = "django";

/** What `describe-task-definition` returns that `register-task-definition` refuses. */
const READ_ONLY = ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt"];

/** Registers the latest revision of `family` again with `image` in its `django` container; returns the new ARN. */
export function registerWithImage(aws: AwsCli, family: string, image: string): Promise<string> {
  return registerWithImages(aws, family, { [CONTAINER]: image });
}

/**
 * Registers `taskDefinition` (a family: its latest revision; or an ARN) again with each named container's
 * image replaced, every other field and container as it was; returns the new ARN.
 */
export async function registerWithImages(aws: AwsCli, taskDefinition: string, images: Record<string, string>): Promise<string> {
  const described = await aws(["ecs", "describe-task-definition", "--task-definition", taskDefinition, "--include", "TAGS"]);
  const definition = withoutReadOnly(described.taskDefinition);
  const containers = definition.containerDefinitions as { name: string; image: string }[];
  for (const name of Object.keys(images)) {
    if (!containers.some((c) => c.name === name)) throw new ReleaseStepError(`${taskDefinition}: no container named ${name}; expected the task definition the stack registered`);
  }
  definition.containerDefinitions = containers.map((c) => (c.name in images ? { ...c, image: images[c.name] } : c));
  if (described.tags?.length) definition.tags = described.tags;
  const registered = await aws(["ecs", "register-task-definition", "--cli-input-json", JSON.stringify(definition)]);
  return registered.taskDefinition.taskDefinitionArn;
}

/** A described task definition as register-task-definition takes it. */
export function withoutReadOnly(described: Record<string, any>): Record<string, any> {
  const definition = { ...described };
  for (const key of READ_ONLY) delete definition[key];
  return definition;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** Runs every release task in order; throws at the first that fails, so nothing after it runs. */
export async function runReleaseTasks(aws: AwsCli, config: ReleaseConfig, image: string, log: (line: string) => void, clock: Clock = realClock): Promise<void> {
  const release = config.releaseTasks;
  if (!release) return log("No release tasks.");
  const definition = await registerWithImage(aws, release.family, image);
  const web = (await aws(["ecs", "describe-services", "--cluster", config.cluster, "--services", config.service])).services?.[0];
  const subnets: string[] | undefined = web?.networkConfiguration?.awsvpcConfiguration?.subnets;
  if (!subnets?.length) throw new ReleaseStepError(`${config.service}: no subnets found on the web service; has the stack been deployed?`);
  const groups = await aws(["ec2", "describe-security-groups", "--filters", `Name=group-name,Values=${release.securityGroup}`]);
  const group: string | undefined = groups.SecurityGroups?.[0]?.GroupId;
  if (!group) throw new ReleaseStepError(`${release.securityGroup}: no such security group; has the stack been deployed?`);
  const network = JSON.stringify({ awsvpcConfiguration: { subnets, securityGroups: [group], assignPublicIp: "DISABLED" } });

  for (const task of release.tasks) {
    log(`Release task ${task.name}: ${task.command.join(" ")}`);
    const started = await aws([
      "ecs", "run-task",
      "--cluster", config.cluster,
      "--task-definition", definition,
      "--launch-type", "FARGATE",
      "--platform-version", release.platformVersion,
      "--network-configuration", network,
      "--started-by", `release-${task.name}`.slice(0, 36),
      "--overrides", JSON.stringify({ containerOverrides: [{ name: CONTAINER, command: task.command }] }),
    ]);
    const arn: string | undefined = started.tasks?.[0]?.taskArn;
    if (!arn) {
      const reason = started.failures?.map((f: any) => `${f.reason}${f.detail ? ` (${f.detail})` : ""}`).join("; ") || "no task returned";
      throw new ReleaseStepError(`release task ${task.name} did not start: ${reason}. Nothing was deployed.`);
    }
    const stopped = await waitUntilStopped(aws, config.cluster, arn, task.timeoutMinutes, clock);
    if (!stopped) {
      await aws(["ecs", "stop-task", "--cluster", config.cluster, "--task", arn, "--reason", `release timeout of ${task.timeoutMinutes} minutes`]);
      throw new ReleaseStepError(`release task ${task.name} ran longer than ${task.timeoutMinutes} minutes and was stopped. Nothing was deployed.`);
    }
    const container = stopped.containers?.find((c: any) => c.name === CONTAINER);
    const logs = `log stream release/${CONTAINER}/${arn.split("/").pop()}`;
    if (container?.exitCode === undefined || container?.exitCode === null) {
      throw new ReleaseStepError(`release task ${task.name} never ran its command: ${stopped.stoppedReason ?? container?.reason ?? "unknown reason"}. Nothing was deployed.`);
    }
    if (container.exitCode !== 0) {
      throw new ReleaseStepError(`release task ${task.name} exited with ${container.exitCode} (${logs}). Nothing was deployed.`);
    }
    log(`Release task ${task.name}: exited 0.`);
  }
}

async function waitUntilStopped(aws: AwsCli, cluster: string, arn: string, timeoutMinutes: number, clock: Clock): Promise<any | undefined> {
  const deadline = clock.now() + timeoutMinutes * 60_000;
  for (;;) {
    const task = (await aws(["ecs", "describe-tasks", "--cluster", cluster, "--tasks", arn])).tasks?.[0];
    if (task?.lastStatus === "STOPPED") return task;
    if (clock.now() >= deadline) return undefined;
    await clock.sleep(6_000);
  }
}

/** Registers each worker's revision with the new image and rolls it out; fails when a rollout is rolled back. */
export async function rollWorkers(aws: AwsCli, config: ReleaseConfig, image: string, log: (line: string) => void, clock: Clock = realClock, timeoutMinutes = 30): Promise<void> {
  if (config.workers.length === 0) return log("No workers.");
  const expected = new Map<string, string>();
  for (const worker of config.workers) {
    const definition = await registerWithImage(aws, worker.family, image);
    await aws(["ecs", "update-service", "--cluster", config.cluster, "--service", worker.service, "--task-definition", definition]);
    expected.set(worker.service, definition);
    log(`Worker ${worker.name}: rolling out ${definition}`);
  }
  const deadline = clock.now() + timeoutMinutes * 60_000;
  while (expected.size > 0) {
    const described = await aws(["ecs", "describe-services", "--cluster", config.cluster, "--services", ...expected.keys()]);
    for (const service of described.services ?? []) {
      const definition = expected.get(service.serviceName);
      const deployments: any[] = service.deployments ?? [];
      const ours = deployments.find((d) => d.taskDefinition === definition);
      const primary = deployments.find((d) => d.status === "PRIMARY");
      // The circuit breaker marks our deployment FAILED and makes a rollback to the last good revision PRIMARY.
      if (ours?.rolloutState === "FAILED" || (primary && primary.taskDefinition !== definition)) {
        const reason = ours?.rolloutStateReason ?? "a newer deployment replaced it";
        throw new ReleaseStepError(`worker service ${service.serviceName}: the rollout of ${definition} failed and ECS rolled it back (${reason})`);
      }
      if (primary?.rolloutState === "COMPLETED" && deployments.length === 1) {
        log(`Worker service ${service.serviceName}: rolled out.`);
        expected.delete(service.serviceName);
      }
    }
    if (expected.size === 0) break;
    if (clock.now() >= deadline) throw new ReleaseStepError(`worker services ${[...expected.keys()].join(", ")} did not finish rolling out in ${timeoutMinutes} minutes`);
    await clock.sleep(10_000);
  }
}

/** Registers each scheduled job's revision with the new image: its next run takes it. */
export async function registerJobs(aws: AwsCli, config: ReleaseConfig, image: string, log: (line: string) => void): Promise<void> {
  if (config.scheduled.length === 0) return log("No scheduled jobs.");
  for (const job of config.scheduled) log(`Scheduled job ${job.name}: next runs use ${await registerWithImage(aws, job.family, image)}`);
}

/** A service's network settings from the stack's SSM parameter `parameter`, checked for the shape the AppSpec needs. */
export async function serviceNetwork(aws: AwsCli, parameter: string): Promise<ServiceNetwork> {
  const value = (await aws(["ssm", "get-parameter", "--name", parameter, "--with-decryption"])).Parameter?.Value;
  let network: any;
  try {
    network = JSON.parse(value);
  } catch {
    throw new ReleaseStepError(`${parameter}: not the JSON the stack writes; has the stack been deployed?`);
  }
  const ids = (list: unknown, prefix: string) => Array.isArray(list) && list.length > 0 && list.every((id) => typeof id === "string" && id.startsWith(prefix));
  if (!ids(network?.subnets, "subnet-") || !ids(network?.securityGroups, "sg-")) {
    throw new ReleaseStepError(`${parameter}: expected subnets (subnet-...) and securityGroups (sg-...), got ${String(value).slice(0, 200)}`);
  }
  return { subnets: network.subnets, securityGroups: network.securityGroups, assignPublicIp: network.assignPublicIp === "ENABLED" ? "ENABLED" : "DISABLED" };
}

/** The task definition a service runs now: under CodeDeploy, its primary task set's. */
export async function runningTaskDefinition(aws: AwsCli, cluster: string, service: string): Promise<string> {
  const described = (await aws(["ecs", "describe-services", "--cluster", cluster, "--services", service])).services?.[0];
  const definition: string | undefined = described?.taskSets?.find((t: any) => t.status === "PRIMARY")?.taskDefinition ?? described?.taskDefinition;
  if (!definition) throw new ReleaseStepError(`${service}: no running task definition found; has it been deployed?`);
  return definition;
}

/** The Django image the web service runs now (its primary task set's, under CodeDeploy). */
export async function runningImage(aws: AwsCli, config: ReleaseConfig): Promise<string> {
  const definition = await runningTaskDefinition(aws, config.cluster, config.service);
  const described = await aws(["ecs", "describe-task-definition", "--task-definition", definition]);
  const image = described.taskDefinition?.containerDefinitions?.find((c: any) => c.name === CONTAINER)?.image;
  if (!image) throw new ReleaseStepError(`${definition}: no container named ${CONTAINER}`);
  return image;
}

/**
 * After an infrastructure deploy: a worker or job whose task definition Terraform changed gets a revision
 * of it with the image the web service runs now. Terraform registers its revisions with the first image
 * tag (service.initialImageTag); without this a job's next run would take that revision, and a worker
 * would keep the old settings until the next release. Unchanged ones are left alone.
 */
export async function refreshBackground(aws: AwsCli, config: ReleaseConfig, log: (line: string) => void, clock: Clock = realClock): Promise<void> {
  if (config.workers.length === 0 && config.scheduled.length === 0) return log("No workers or scheduled jobs.");
  const image = await runningImage(aws, config);
  const latest = async (family: string) => (await aws(["ecs", "describe-task-definition", "--task-definition", family])).taskDefinition;
  const changed: ReleaseConfig["workers"] = [];
  for (const worker of config.workers) {
    const running = (await aws(["ecs", "describe-services", "--cluster", config.cluster, "--services", worker.service])).services?.[0]?.taskDefinition;
    const newest = await latest(worker.family);
    if (newest.taskDefinitionArn === running) log(`Worker ${worker.name}: unchanged.`);
    else changed.push(worker);
  }
  if (changed.length > 0) await rollWorkers(aws, { ...config, workers: changed }, image, log, clock);
  for (const job of config.scheduled) {
    const newest = await latest(job.family);
    const current = newest.containerDefinitions?.find((c: any) => c.name === CONTAINER)?.image;
    if (current === image) log(`Scheduled job ${job.name}: unchanged.`);
    else log(`Scheduled job ${job.name}: next runs use ${await registerWithImage(aws, job.family, image)}`);
  }
}
