/**
 * The boot lane catches what a Fargate start would: each defect that once got past every other
 * test is put back into a synthesized task (or its image) and the lane must fail, naming the
 * container and the cause. The samples are only fixtures here; the lane itself runs over
 * whatever cdktf.out holds (npm run boot).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { BootTarget, bootOne, bootTargets, pythonEnv } from "../../lanes/boot/main";
import { sandboxUnavailable } from "../../lanes/boot/sandbox";
import { rootCause } from "../../lanes/boot/task";
import { SECRET_STAND_INS, secretStandIn } from "../../lanes/boot/task-definitions";
import type { PythonEnv } from "../../lanes/boot/image";
import { describeUnless, tempDir } from "../support/app";
import { synthesizeProject } from "../support/project";

const ROOT = join(__dirname, "..", "..");

let synthesized: ReturnType<typeof synthesizeProject> | undefined;
const samples = () => (synthesized ??= synthesizeProject());

/** A project copy (app/ and one synthesized stack) with a defect put back by `mutate`. */
async function fixture(mutate: (dir: string, json: any) => void): Promise<BootTarget> {
  const stacks = await samples();
  const stack = stacks.find((s) => s.json.resource?.aws_ecs_task_definition)!;
  const dir = tempDir("boot-fixture-");
  cpSync(join(ROOT, "app"), join(dir, "app"), { recursive: true });
  const json = JSON.parse(JSON.stringify(stack.json));
  mutate(dir, json);
  mkdirSync(join(dir, "cdktf.out", "stacks", stack.name), { recursive: true });
  writeFileSync(join(dir, "cdktf.out", "stacks", stack.name, "cdk.tf.json"), JSON.stringify(json));
  return bootTargets(join(dir, "cdktf.out"))[0];
}

/** Edits one container's definition in every task definition of a stack's JSON. */
function editContainer(json: any, name: string, edit: (container: any) => void): void {
  for (const task of Object.values<any>(json.resource.aws_ecs_task_definition)) {
    const containers = JSON.parse(task.container_definitions);
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
