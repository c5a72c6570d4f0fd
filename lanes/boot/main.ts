/**
 * npm run boot: for every ECS task definition of every synthesized AWS stack, build its containers' images
 * from their Dockerfiles (without Docker), start the task the way Fargate does, and prove what its
 * `workload` tag asks: a web task becomes healthy, answers its target group's health check and stops
 * gracefully with a request in flight; a worker becomes healthy (or stays up) and stops cleanly; a
 * scheduled job and each release task (the stack's release_tasks output) run once and exit 0.
 * One line per task definition; the first failure names the stack, the family, the container and the cause, with the
 * container's last log lines.
 */
import { mkdirSync, rmSync } from "fs";
import { join, resolve } from "path";
import { imageBuilds } from "../../src/constructs/app-images";
import type { ContainerSpec } from "../../src/plan/service";
import { ensureVenv, ROOT } from "../support/python-venv";
import { awsStacks } from "../support/stacks";
import { PreparedContainer, prepareContainer } from "./containers";
import { PythonEnv, buildImage } from "./image";
import { redisEndpoints, redisStandInUnavailable, startRedisStandIns } from "./redis-stand-in";
import { TaskNamespaces, createTaskNamespaces, sandboxUnavailable } from "./sandbox";
import { BootFailure, bootTask } from "./task";
import { TaskDefinition, releaseTasks, targetGroupHealthChecks, taskDefinitions } from "./task-definitions";
import { bootWorker, runOnce } from "./workloads";

export const DJANGO_REQUIREMENTS = join(ROOT, "app", "django", "requirements.txt");

export interface BootTarget {
  stack: string;
  stackDir: string;
  json: any;
  task: TaskDefinition;
}

/** Every ECS task definition of the synthesized AWS stacks: web, worker, scheduled and release alike. */
export function bootTargets(outDir?: string): BootTarget[] {
  return awsStacks(outDir).flatMap((stack) => taskDefinitions(stack.name, stack.json).map((task) => ({ stack: stack.name, stackDir: stack.dir, json: stack.json, task })));
}

/** The Python environment every container image installs (the Django requirements), or why not. */
export function pythonEnv(): PythonEnv | { unavailable: string } {
  // Debian's python3, not a Python under /root: containers run as unprivileged uids that cannot enter /root.
  const venv = ensureVenv("boot", DJANGO_REQUIREMENTS, { python: "/usr/bin/python3" });
  if ("unavailable" in venv) return { unavailable: venv.unavailable };
  return { dir: venv.dir, requirements: DJANGO_REQUIREMENTS };
}

/** How long the lane lets a scheduled job run (its definition gives no limit; the release tasks' output does). */
export const JOB_TIMEOUT_SECONDS = 300;

/**
 * Boots one task definition the way its `workload` runs on ECS; returns the line's summary, or throws
 * BootFailure (or Error) naming the container and the cause.
 */
export async function bootOne(target: BootTarget, python: PythonEnv, workDir: string, options: { inFlightSeconds?: number; workerUpSeconds?: number } = {}): Promise<string> {
  switch (target.task.workload) {
    case "web":
      return withTask(target, python, workDir, undefined, (prepared, ns, logDir) => bootWeb(target, prepared, ns, logDir, options.inFlightSeconds));
    case "worker":
      return withTask(target, python, workDir, undefined, (prepared, ns, logDir) => bootWorker(prepared, ns, logDir, options.workerUpSeconds));
    case "scheduled": {
      const seconds = await withTask(target, python, workDir, undefined, (prepared, ns, logDir) => runOnce(prepared, ns, logDir, JOB_TIMEOUT_SECONDS));
      return `scheduled job ran once: exit 0 in ${seconds.toFixed(1)} s`;
    }
    case "release": {
      // Each release task is its own `run-task` of this definition with a command override, in order.
      const tasks = releaseTasks(target.stack, target.json);
      if (tasks.length === 0) throw new BootFailure(undefined, "output release_tasks lists no task to run on this release definition");
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true, mode: 0o755 }); // each task's folder below it: crossable by the container uids
      const ran: string[] = [];
      for (const task of tasks) {
        try {
          const seconds = await withTask(target, python, join(workDir, task.name), task.command, (prepared, ns, logDir) => runOnce(prepared, ns, logDir, task.timeoutMinutes * 60));
          ran.push(`${task.name} exit 0 in ${seconds.toFixed(1)} s`);
        } catch (error) {
          if (error instanceof Error) error.message = `release task ${task.name}: ${error.message}`;
          throw error;
        }
      }
      return `release tasks ran in order: ${ran.join(", ")}`;
    }
  }
}

/** The task's namespaces, images, containers and Redis stand-ins for `run`, torn down after it. */
async function withTask<T>(
  target: BootTarget,
  python: PythonEnv,
  workDir: string,
  commandOverride: string[] | undefined,
  run: (prepared: PreparedContainer[], ns: TaskNamespaces, logDir: string) => Promise<T>,
): Promise<T> {
  const { task, json } = target;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, "logs"), { recursive: true });
  const ns = await createTaskNamespaces();
  let standIns: { stop(): void } | undefined;
  try {
    if (commandOverride && task.containers.length !== 1) throw new BootFailure(undefined, `${task.address}: a command override needs exactly one container, the definition has ${task.containers.length}`);
    const ports = (name: string) => task.containers.find((c) => c.name === name)?.portMappings?.[0]?.containerPort ?? 0;
    // imageBuilds reads both containers' ports (nginx's build arguments); a one-container task has no nginx.
    const names = [...new Set(["django", "nginx", ...task.containers.map((c) => c.name)])];
    const specs = names.map((name) => ({ name, port: ports(name) })) as unknown as ContainerSpec[];
    const builds = imageBuilds(specs) as Record<string, { context: string; dockerfile?: string; buildArgs?: Record<string, string> }>;
    const region = json.provider?.aws?.[0]?.region ?? "us-east-1";
    const prepared: PreparedContainer[] = task.containers.map((definition) => {
      const build = builds[definition.name];
      if (!build) throw new BootFailure(definition.name, "no Dockerfile builds this container's image (src/constructs/app-images.ts)");
      const context = resolve(target.stackDir, build.context);
      const dockerfile = join(context, build.dockerfile ?? "Dockerfile");
      const image = buildImage({ context, dockerfile, buildArgs: build.buildArgs ?? {} }, join(workDir, "images", definition.name), python, ns);
      return prepareContainer(task, commandOverride ? { ...definition, command: commandOverride } : definition, image, python, join(workDir, "volumes"), region);
    });
    standIns = await startRedisStandIns(redisEndpoints(prepared), ns, workDir, prepared);
    return await run(prepared, ns, join(workDir, "logs"));
  } finally {
    standIns?.stop();
    ns.close();
  }
}

/** A load-balanced task: healthy, the target group's check, a graceful stop with a request in flight. */
async function bootWeb(target: BootTarget, prepared: PreparedContainer[], ns: TaskNamespaces, logDir: string, inFlightSeconds?: number): Promise<string> {
  const { task, json } = target;
  const service = Object.values(json.resource?.aws_ecs_service ?? {}).find((s: any) => s.task_definition?.includes(task.address.split(".")[1])) as any;
  const balanced = service?.load_balancer?.[0];
  const targetGroup = targetGroupHealthChecks(json).find((tg) => balanced?.target_group_arn?.includes(tg.address));
  if (!balanced || !targetGroup) throw new BootFailure(undefined, `${task.address}: no load-balanced service with a target group runs this task`);
  const r = await bootTask({ containers: prepared, ns, logDir, targetGroup, targetPort: balanced.container_port, inFlightSeconds });
  const stops = r.stops.map((s) => `${s.container} ${s.seconds.toFixed(1)} s`).join(", ");
  return `booted in ${r.bootSeconds.toFixed(1)} s, healthy, target group check OK, graceful stop OK (${stops}; in-flight request ${r.inFlightStatus})`;
}

export function describeFailure(target: BootTarget, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const logs = error instanceof BootFailure && error.logs.length ? `\n  last log lines:\n${error.logs.slice(-10).map((l) => `    ${l}`).join("\n")}` : "";
  return `boot ${target.stack} (${target.task.family}): FAILED: ${message}${logs}`;
}

export async function main(): Promise<number> {
  const missing = sandboxUnavailable() ?? redisStandInUnavailable();
  if (missing) {
    console.log(`boot: SKIPPED: ${missing}`);
    return 0;
  }
  const targets = bootTargets();
  if (targets.length === 0) {
    console.log("boot: no ECS task definition in any synthesized AWS stack: nothing to boot");
    return 0;
  }
  const python = pythonEnv();
  if ("unavailable" in python) {
    console.log(`boot: SKIPPED: ${python.unavailable}`);
    return 0;
  }
  // Tasks boot side by side: each has its own namespaces, and most of a boot is waiting on health checks.
  // A few at a time, though: a dozen starting at once on two cores starved Redis stand-ins past their start timeout.
  const results = await inPool(BOOTS_AT_ONCE, targets, async (target) => {
    try {
      const summary = await bootOne(target, python, join(ROOT, ".cache", "boot", target.stack, target.task.family));
      return { ok: true, line: `boot ${target.stack} (${target.task.family}): ${summary}` };
    } catch (error) {
      return { ok: false, line: describeFailure(target, error) };
    }
  });
  results.forEach((r) => console.log(r.line));
  return results.every((r) => r.ok) ? 0 : 1;
}

/** Tasks booting at the same time. */
const BOOTS_AT_ONCE = 6;

/** `work` over `items`, at most `limit` at a time; results in the items' order. */
async function inPool<T, R>(limit: number, items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
