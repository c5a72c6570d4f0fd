/**
 * npm run boot: for every ECS service of every synthesized AWS stack, build its containers' images
 * from their Dockerfiles (without Docker), start the task the way Fargate does, and prove it becomes
 * healthy, answers its target group's health check and stops gracefully with a request in flight.
 * One line per service; the first failure names the stack, the container and the cause, with the
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
import { createTaskNamespaces, sandboxUnavailable } from "./sandbox";
import { BootFailure, BootResult, bootTask } from "./task";
import { TaskDefinition, targetGroupHealthChecks, taskDefinitions } from "./task-definitions";

export const DJANGO_REQUIREMENTS = join(ROOT, "app", "django", "requirements.txt");

export interface BootTarget {
  stack: string;
  stackDir: string;
  json: any;
  task: TaskDefinition;
}

/** Every load-balanced ECS service's task definition, found in the synthesized stacks. */
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

/** Boots one task; throws BootFailure (or Error) naming the cause. */
export async function bootOne(target: BootTarget, python: PythonEnv, workDir: string, options: { inFlightSeconds?: number } = {}): Promise<BootResult> {
  const { task, json } = target;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, "logs"), { recursive: true });
  const ns = await createTaskNamespaces();
  try {
    const ports = (name: string) => task.containers.find((c) => c.name === name)?.portMappings?.[0]?.containerPort ?? 0;
    const specs = task.containers.map((c) => ({ name: c.name, port: ports(c.name) })) as unknown as ContainerSpec[];
    const builds = imageBuilds(specs) as Record<string, { context: string; dockerfile?: string; buildArgs?: Record<string, string> }>;
    const region = json.provider?.aws?.[0]?.region ?? "us-east-1";
    const prepared: PreparedContainer[] = task.containers.map((definition) => {
      const build = builds[definition.name];
      if (!build) throw new BootFailure(definition.name, "no Dockerfile builds this container's image (src/constructs/app-images.ts)");
      const context = resolve(target.stackDir, build.context);
      const dockerfile = join(context, build.dockerfile ?? "Dockerfile");
      const image = buildImage({ context, dockerfile, buildArgs: build.buildArgs ?? {} }, join(workDir, "images", definition.name), python, ns);
      return prepareContainer(task, definition, image, python, join(workDir, "volumes"), region);
    });
    const service = Object.values(json.resource?.aws_ecs_service ?? {}).find((s: any) => s.task_definition?.includes(task.address.split(".")[1])) as any;
    const balanced = service?.load_balancer?.[0];
    const targetGroup = targetGroupHealthChecks(json).find((tg) => balanced?.target_group_arn?.includes(tg.address));
    if (!balanced || !targetGroup) throw new BootFailure(undefined, `${task.address}: no load-balanced service with a target group runs this task`);
    return await bootTask({ containers: prepared, ns, logDir: join(workDir, "logs"), targetGroup, targetPort: balanced.container_port, inFlightSeconds: options.inFlightSeconds });
  } finally {
    ns.close();
  }
}

export function describeFailure(target: BootTarget, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const logs = error instanceof BootFailure && error.logs.length ? `\n  last log lines:\n${error.logs.slice(-10).map((l) => `    ${l}`).join("\n")}` : "";
  return `boot ${target.stack} (${target.task.family}): FAILED: ${message}${logs}`;
}

export async function main(): Promise<number> {
  const missing = sandboxUnavailable();
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
  const results = await Promise.all(
    targets.map(async (target) => {
      try {
        const r = await bootOne(target, python, join(ROOT, ".cache", "boot", target.stack, target.task.family));
        const stops = r.stops.map((s) => `${s.container} ${s.seconds.toFixed(1)} s`).join(", ");
        return { ok: true, line: `boot ${target.stack} (${target.task.family}): booted in ${r.bootSeconds.toFixed(1)} s, healthy, target group check OK, graceful stop OK (${stops}; in-flight request ${r.inFlightStatus})` };
      } catch (error) {
        return { ok: false, line: describeFailure(target, error) };
      }
    }),
  );
  results.forEach((r) => console.log(r.line));
  return results.every((r) => r.ok) ? 0 : 1;
}
