/**
 * The boot lane catches what a Fargate start would: each defect that once got past every other
 * test is put back into a synthesized task (or its image) and the lane must fail, naming the
 * container and the cause. The samples are only fixtures here; the lane itself runs over
 * whatever cdktf.out holds (npm run boot).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { BootTarget, bootOne, bootTargets, describeFailure, pythonEnv } from "../../lanes/boot/main";
import { sandboxUnavailable } from "../../lanes/boot/sandbox";
import { rootCause } from "../../lanes/boot/task";
import { SECRET_STAND_INS, releaseTasks, secretStandIn, taskDefinitions } from "../../lanes/boot/task-definitions";
import { redisEndpoints } from "../../lanes/boot/redis-stand-in";
import type { PythonEnv } from "../../lanes/boot/image";
import { describeUnless, tempDir } from "../support/app";
import { FIXTURE_ENVIRONMENTS, synthesizeProject } from "../support/project";
import { loadProject } from "../../src/manifest/load";
import { containerDefinitions, scratchVolumeNames } from "../../src/plan/containers";

const ROOT = join(__dirname, "..", "..");

let synthesized: ReturnType<typeof synthesizeProject> | undefined;
const samples = () => (synthesized ??= synthesizeProject());

/** A project copy (app/ and one synthesized stack) with a defect put back by `mutate`. */
async function fixture(mutate: (dir: string, json: any) => void): Promise<BootTarget> {
  return (await fixtureTargets(mutate)).find((t) => t.task.workload === "web")!;
}

/** Every boot target of a project copy: the web task, then the workers, jobs and release definition. */
async function fixtureTargets(mutate: (dir: string, json: any) => void = () => {}): Promise<BootTarget[]> {
  const stacks = await samples();
  const stack = stacks.find((s) => s.json.resource?.aws_ecs_task_definition)!;
  const dir = tempDir("boot-fixture-");
  cpSync(join(ROOT, "app"), join(dir, "app"), { recursive: true });
  const json = JSON.parse(JSON.stringify(stack.json));
  addBackgroundTasks(stack.name, json);
  mutate(dir, json);
  mkdirSync(join(dir, "cdktf.out", "stacks", stack.name), { recursive: true });
  writeFileSync(join(dir, "cdktf.out", "stacks", stack.name, "cdk.tf.json"), JSON.stringify(json));
  return bootTargets(join(dir, "cdktf.out"));
}

/**
 * The workers', jobs' and release tasks' definitions as the AWS side synthesizes them (one `django`
 * container from src/plan/containers.ts, a `workload` tag, the release_tasks output), added to a stack
 * that does not have them yet; a stack that has them keeps its own.
 */
function addBackgroundTasks(stackName: string, json: any): void {
  const definitions = json.resource.aws_ecs_task_definition;
  if (Object.values<any>(definitions).some((d) => d.tags?.workload && d.tags.workload !== "web")) return;
  const environment = loadProject(FIXTURE_ENVIRONMENTS).environments.find((e) => e.platform === "aws" && e.plan.environment === stackName);
  if (!environment || environment.platform !== "aws") throw new Error(`no fixture manifest plans stack ${stackName}`);
  const background = environment.plan.background;
  const web = JSON.parse(Object.values<any>(definitions).find((d) => (d.tags?.workload ?? "web") === "web").container_definitions);
  const redisUrl = web.find((c: any) => c.name === "django").environment.find((e: any) => e.name === "REDIS_URL")?.value;
  const add = (id: string, workload: string, plan: { family: string; container: any }) => {
    definitions[id] = {
      family: plan.family,
      tags: { workload },
      volume: scratchVolumeNames([plan.container]).map((name) => ({ name })),
      container_definitions: JSON.stringify(
        containerDefinitions([plan.container], { images: { django: "django:test" } as any, logGroup: "/test", region: "ap-northeast-2", extraEnvironment: redisUrl ? { django: { REDIS_URL: redisUrl } } : undefined }),
      ),
    };
  };
  background.workers.forEach((w) => add(`worker-${w.name}`, "worker", w));
  background.scheduled.forEach((j) => add(`job-${j.name}`, "scheduled", j));
  if (background.release) {
    add("release", "release", background.release);
    json.output.release_tasks = { value: background.release.tasks.map((t) => ({ name: t.name, command: t.command, timeoutMinutes: t.timeoutMinutes })) };
  }
}

const byWorkload = (targets: BootTarget[], workload: string, family: RegExp) => targets.find((t) => t.task.workload === workload && family.test(t.task.family))!;

/** Faster health checks, so the tests wait seconds rather than the samples' 30-second intervals. */
function fastChecks(json: any): void {
  for (const task of Object.values<any>(json.resource.aws_ecs_task_definition)) {
    const containers = JSON.parse(task.container_definitions);
    for (const c of containers) if (c.healthCheck) c.healthCheck = { ...c.healthCheck, interval: 2, startPeriod: 0 };
    task.container_definitions = JSON.stringify(containers);
  }
}

/** Edits the container of the task definition whose family matches. */
function editTask(json: any, family: RegExp, edit: (container: any) => void): void {
  const task = Object.values<any>(json.resource.aws_ecs_task_definition).find((t) => family.test(t.family));
  const containers = JSON.parse(task.container_definitions);
  edit(containers[0]);
  task.container_definitions = JSON.stringify(containers);
}

/** The lane's line for a target that must fail. */
async function failureLine(target: BootTarget, env: PythonEnv, options: { workerUpSeconds?: number } = {}): Promise<string> {
  try {
    await bootOne(target, env, tempDir("boot-"), options);
  } catch (error) {
    return describeFailure(target, error).split("\n")[0];
  }
  throw new Error(`${target.task.family} booted, but it should have failed`);
}

/** Edits one container's definition in every task definition of a stack's JSON that has it. */
function editContainer(json: any, name: string, edit: (container: any) => void): void {
  for (const task of Object.values<any>(json.resource.aws_ecs_task_definition)) {
    const containers = JSON.parse(task.container_definitions);
    if (!containers.some((c: any) => c.name === name)) continue;
    edit(containers.find((c: any) => c.name === name));
    task.container_definitions = JSON.stringify(containers);
  }
}

function editFile(file: string, from: RegExp, to: string): void {
  const text = readFileSync(file, "utf8");
  if (!from.test(text)) throw new Error(`${file} no longer has ${from}: update this test's fixture`);
  writeFileSync(file, text.replace(from, to));
}

describe("secret stand-ins", () => {
  it("gives every secret of every synthesized task a stand-in of its shape, and names them", async () => {
    const names = (await samples())
      .flatMap((s) => Object.values<any>(s.json.resource?.aws_ecs_task_definition ?? {}))
      .flatMap((t) => JSON.parse(t.container_definitions).flatMap((c: any) => (c.secrets ?? []).map((x: any) => x.name)));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(secretStandIn(name)).toBeDefined();
    expect(SECRET_STAND_INS.map((s) => s.shape)).toEqual(["a Django secret key (50 random characters)", "a database URL", "a Redis URL"]);
    expect(secretStandIn("DJANGO_SECRET_KEY")).toHaveLength(50);
    expect(secretStandIn("DATABASE_URL")).toMatch(/^postgres:\/\/[^:]+:[^@]+@127\.0\.0\.1:5432\/\w+$/);
    expect(secretStandIn("REDIS_URL")).toMatch(/^redis:\/\/127\.0\.0\.1:6379\/0$/);
    expect(secretStandIn("STRIPE_TOKEN")).toBeUndefined(); // no made-up values: the lane fails instead
  });
});

describe("what the lane reads from a stack", () => {
  it("finds every Redis a task's containers point at, once each, TLS for rediss://", () => {
    const container = (env: Record<string, string>) => ({ process: { env } }) as any;
    expect(
      redisEndpoints([
        container({ REDIS_URL: "rediss://inpock-redis.abc.cache.amazonaws.com:6379/0", OTHER: "postgres://x@db:5432/app" }),
        container({ CACHE_URL: "redis://:secret@127.0.0.1:6380/1", SAME: "rediss://inpock-redis.abc.cache.amazonaws.com:6379/2" }),
        container({ BROKER: "redis://broker" }),
      ]),
    ).toEqual([
      { host: "inpock-redis.abc.cache.amazonaws.com", port: 6379, tls: true },
      { host: "127.0.0.1", port: 6380, tls: false },
      { host: "broker", port: 6379, tls: false },
    ]);
  });

  it("tells the workloads apart by their tag, and refuses a tag it does not know", () => {
    const definition = (tags?: Record<string, string>) => ({ family: "f", tags, container_definitions: "[]" });
    const json = { resource: { aws_ecs_task_definition: { web: definition(), job: definition({ workload: "scheduled" }) } } };
    expect(taskDefinitions("s", json).map((t) => t.workload)).toEqual(["web", "scheduled"]);
    expect(() => taskDefinitions("s", { resource: { aws_ecs_task_definition: { x: definition({ workload: "cron" }) } } })).toThrow(
      'aws_ecs_task_definition.x: tag workload is "cron"; expected one of web, worker, scheduled, release',
    );
  });

  it("reads the release tasks from the stack's output, and says so when it is missing or malformed", () => {
    const tasks = [{ name: "migrate", command: ["python", "manage.py", "migrate"], timeoutMinutes: 15 }];
    expect(releaseTasks("s", { output: { release_tasks: { value: tasks } } })).toEqual(tasks);
    expect(() => releaseTasks("s", {})).toThrow("stack s: a release task definition but no output release_tasks naming the commands to run on it");
    expect(() => releaseTasks("s", { output: { release_tasks: { value: '[{"name":"migrate"}]' } } })).toThrow("stack s: output release_tasks is not a list of { name, command: [strings], timeoutMinutes }");
  });
});

describe("the cause a failure names", () => {
  it("is the first exception or refusal, not gunicorn's own shutdown messages", () => {
    const logs = [
      "[INFO] Booting worker with pid: 3",
      "ModuleNotFoundError: No module named 'config.settings.staging'; 'config.settings' is not a package",
      "[ERROR] Worker (pid:3) exited with code 3",
      "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
    ];
    expect(rootCause(logs)).toBe(logs[1]);
    expect(rootCause(['nginx: [emerg] open() "/etc/nginx/x" failed (2: No such file or directory)'])).toMatch(/^nginx: \[emerg\]/);
    expect(rootCause(["all fine"])).toBeUndefined();
  });
});

const python = sandboxUnavailable() ? undefined : pythonEnv();
const unavailable = sandboxUnavailable() ?? (python && "unavailable" in python ? python.unavailable : undefined);

describeUnless(unavailable, "the boot lane, with a defect put back", () => {
  const env = python as PythonEnv;

  it("fails when DJANGO_SETTINGS_MODULE names a module that does not exist", async () => {
    const target = await fixture((_, json) =>
      editContainer(json, "django", (c) => c.environment.find((e: any) => e.name === "DJANGO_SETTINGS_MODULE").value = "config.settings.staging"),
    );
    await expect(bootOne(target, env, tempDir("boot-"))).rejects.toThrow(
      /^container django: exited with exit code \d+ before nginx could start .*ModuleNotFoundError: No module named 'config\.settings\.staging'; 'config\.settings' is not a package$/,
    );
  });

  it("fails when gunicorn's /tmp is a root-owned volume (the image declares no VOLUME /tmp)", async () => {
    const target = await fixture((dir) => editFile(join(dir, "app", "django", "Dockerfile"), /^VOLUME \["\/tmp"\]$/m, ""));
    await expect(bootOne(target, env, tempDir("boot-"))).rejects.toThrow(
      /^container django: exited with exit code \d+ .*PermissionError: \[Errno 13\] Permission denied: '\/tmp\/wgunicorn-\w+'$/,
    );
  });

  it("fails when a container's health check never passes", async () => {
    const target = await fixture((_, json) =>
      editContainer(json, "django", (c) => {
        c.healthCheck = { ...c.healthCheck, command: ["CMD", "python", "-c", "raise SystemExit(1)"], interval: 1, retries: 2, startPeriod: 0 };
      }),
    );
    await expect(bootOne(target, env, tempDir("boot-"))).rejects.toThrow(/^container django: became UNHEALTHY: nginx never starts \(it waits for HEALTHY\)/);
  });

  it("fails when nginx drops a request in flight at the stop (fast shutdown on SIGTERM)", async () => {
    const target = await fixture((dir, json) => {
      editFile(join(dir, "app", "nginx", "Dockerfile"), /^STOPSIGNAL SIGQUIT$/m, "STOPSIGNAL SIGTERM");
      // Faster checks, so this test waits seconds rather than the samples' intervals.
      for (const name of ["django", "nginx"]) editContainer(json, name, (c) => (c.healthCheck = { ...c.healthCheck, interval: 1, startPeriod: 0 }));
    });
    await expect(bootOne(target, env, tempDir("boot-"), { inFlightSeconds: 3 })).rejects.toThrow(/^a request in flight when the stop began got /);
  });
});

describeUnless(unavailable, "the boot lane over workers, scheduled jobs and release tasks", () => {
  const env = python as PythonEnv;

  it("boots the samples' worker (healthy, clean stop), beat (stays up), heartbeat job and deploy-check release task on a TLS Redis stand-in", async () => {
    const targets = await fixtureTargets((_, json) => fastChecks(json));
    const run = (workload: string, family: RegExp) => bootOne(byWorkload(targets, workload, family), env, tempDir("boot-"));
    const [celery, beat, job, release] = await Promise.all([
      run("worker", /-worker-celery$/),
      run("worker", /-worker-beat$/),
      run("scheduled", /-job-heartbeat$/),
      run("release", /-release$/),
    ]);
    expect(celery).toMatch(/^worker healthy in [\d.]+ s, clean stop on SIGTERM \(django [\d.]+ s, exit 0\)$/);
    expect(beat).toMatch(/^worker up \d+ s \(no health check\), clean stop on SIGTERM \(django [\d.]+ s, exit (0|143)\)$/);
    expect(job).toMatch(/^scheduled job ran once: exit 0 in [\d.]+ s$/);
    expect(release).toMatch(/^release tasks ran in order: deploy-check exit 0 in [\d.]+ s$/);
  }, 240000);

  it("fails when a worker's command crashes, naming stack, family, container and cause", async () => {
    const targets = await fixtureTargets((_, json) => editTask(json, /-worker-celery$/, (c) => (c.command = ["celery", "-A", "configx", "worker"])));
    expect(await failureLine(byWorkload(targets, "worker", /-worker-celery$/), env)).toMatch(
      /^boot \w+ \(inpock-\w+-worker-celery\): FAILED: container django: the essential container exited with exit code \d+: .*configx.*not found/,
    );
  }, 120000);

  it("fails when a worker cannot write its /tmp (beat's schedule file; the image declares no VOLUME /tmp)", async () => {
    const targets = await fixtureTargets((dir) => editFile(join(dir, "app", "django", "Dockerfile"), /^VOLUME \["\/tmp"\]$/m, ""));
    expect(await failureLine(byWorkload(targets, "worker", /-worker-beat$/), env, { workerUpSeconds: 8 })).toMatch(
      /^boot \w+ \(inpock-\w+-worker-beat\): FAILED: container django: exited with exit code \d+ after [\d.]+ s; a worker runs until stopped: .*Permission denied.*\/tmp\/celerybeat-schedule/,
    );
  }, 120000);

  it("fails when a worker does not stop cleanly: a non-zero exit on SIGTERM, or no exit within stopTimeout", async () => {
    const onTerm = (handler: string) => ["python", "-c", `import signal, sys, time\nsignal.signal(signal.SIGTERM, ${handler})\nprint("up", flush=True)\ntime.sleep(600)`];
    const failing = await fixtureTargets((_, json) => editTask(json, /-worker-beat$/, (c) => (c.command = onTerm("lambda *a: sys.exit(3)"))));
    expect(await failureLine(byWorkload(failing, "worker", /-worker-beat$/), env, { workerUpSeconds: 3 })).toMatch(
      /^boot \w+ \(inpock-\w+-worker-beat\): FAILED: container django: did not stop cleanly: SIGTERM ended it with exit code 3, not exit code 0 \(or 143, the signal's own\)/,
    );
    const deaf = await fixtureTargets((_, json) => editTask(json, /-worker-beat$/, (c) => ((c.command = onTerm("signal.SIG_IGN")), (c.stopTimeout = 2))));
    expect(await failureLine(byWorkload(deaf, "worker", /-worker-beat$/), env, { workerUpSeconds: 3 })).toMatch(
      /^boot \w+ \(inpock-\w+-worker-beat\): FAILED: container django: did not stop within its stopTimeout of 2 s after SIGTERM: SIGKILL/,
    );
  }, 120000);

  it("fails when a scheduled job exits 1 (heartbeat without REDIS_URL)", async () => {
    const targets = await fixtureTargets((_, json) => editTask(json, /-job-heartbeat$/, (c) => (c.environment = c.environment.filter((e: any) => e.name !== "REDIS_URL"))));
    expect(await failureLine(byWorkload(targets, "scheduled", /-job-heartbeat$/), env)).toMatch(
      /^boot \w+ \(inpock-\w+-job-heartbeat\): FAILED: container django: exited with exit code 1; a one-off task must exit 0: CommandError: REDIS_URL is not set/,
    );
  }, 120000);

  it("fails when a release task fails (check --deploy at --fail-level WARNING), naming the release task", async () => {
    const targets = await fixtureTargets((_, json) => (json.output.release_tasks.value[0].command = ["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"]));
    expect(await failureLine(byWorkload(targets, "release", /-release$/), env)).toMatch(
      /^boot \w+ \(inpock-\w+-release\): FAILED: release task deploy-check: container django: exited with exit code 1; a one-off task must exit 0: SystemCheckError/,
    );
  }, 120000);
});
