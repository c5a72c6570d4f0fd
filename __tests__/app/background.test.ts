/**
 * The sample app's background side for real, on a redis-server on loopback: a Celery worker runs a task
 * Django sends, beat schedules its periodic task, the scheduled `heartbeat` command writes to Redis (and
 * exits 1 without it), the release task `check --deploy` passes, and all of it works over rediss:// (TLS).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { join } from "path";
import { describeUnless, tempDir } from "../support/app";
import { appPairUnavailable, appVenv, DJANGO_DIR, freePort } from "../support/app-pair";
import { RedisServer, redisUnavailable, startRedis } from "../support/redis";

const bin = () => (appVenv() as { bin: string }).bin;

function djangoEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    PYTHONDONTWRITEBYTECODE: "1",
    DJANGO_SETTINGS_MODULE: "config.settings", // as the samples set it
    DJANGO_SECRET_KEY: "k".repeat(20) + "abcdefghijklmnopqrstuvwxyz0123456789",
    ALLOWED_HOSTS: "app.example",
    REDIS_URL: redisUrl,
    ...extra,
  };
}

/** python manage.py <args>, bounded in time. */
function manage(args: string[], env: Record<string, string>) {
  return spawnSync(join(bin(), "python"), ["manage.py", ...args], { cwd: DJANGO_DIR, env, encoding: "utf8", timeout: 60000 });
}

/** The value Django's cache holds under `key`, polled until `until` says yes or 20 s pass. */
function cacheValue(key: string, env: Record<string, string>, until = "value is not None"): string {
  const script = `import time\nfrom django.core.cache import cache\nfor _ in range(200):\n    value = cache.get(${JSON.stringify(key)})\n    if ${until}: break\n    time.sleep(0.1)\nprint(repr(value))`;
  const result = manage(["shell", "--no-imports", "-c", script], env);
  if (result.status !== 0) throw new Error(`reading ${key} failed: ${result.stderr}`);
  return result.stdout.trim().split("\n").pop()!;
}

interface Celery {
  child: ChildProcess;
  log: () => string;
}

function startCelery(args: string[], env: Record<string, string>): Celery {
  let log = "";
  const child = spawn(join(bin(), "celery"), ["-A", "config", ...args], { cwd: DJANGO_DIR, env });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  return { child, log: () => log };
}

async function stopCelery(c: Celery | undefined): Promise<number | null> {
  if (!c || c.child.exitCode !== null) return c?.child.exitCode ?? null;
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.child.kill("SIGKILL"), 15000);
    c.child.once("exit", (code) => (clearTimeout(kill), resolve(code)));
    c.child.kill("SIGTERM");
  });
}

async function waitFor(what: string, check: () => boolean, log: () => string, timeoutMs = 30000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 200))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; log:\n${log()}`);
  }
}

describeUnless(appPairUnavailable() ?? redisUnavailable(), "the sample app's worker, beat and commands", () => {
  let redis: RedisServer;
  let env: Record<string, string>;
  let worker: Celery;
  let beat: Celery;

  beforeAll(async () => {
    redis = await startRedis();
    env = djangoEnv(redis.url, { BEAT_TICK_SECONDS: "1", HOSTNAME: "worker-under-test" });
    worker = startCelery(["worker", "--loglevel=INFO", "--concurrency=1", "--hostname", "celery@worker-under-test"], env);
    beat = startCelery(["beat", "--loglevel=INFO", `--schedule=${join(tempDir("beat-"), "celerybeat-schedule")}`], env);
    await waitFor("the worker is ready", () => worker.log().includes("ready."), worker.log);
  }, 90000);

  afterAll(async () => {
    await Promise.all([stopCelery(worker), stopCelery(beat)]);
    await redis?.stop();
  }, 30000);

  it("runs a task that Django sends on the worker", async () => {
    const token = `t${Date.now()}`;
    const sent = manage(["shell", "--no-imports", "-c", `from background.tasks import remember\nremember.delay("proof", ${JSON.stringify(token)})`], env);
    expect(sent.stderr).toBe("");
    expect(cacheValue("remember:proof", env, `value == ${JSON.stringify(token)}`)).toBe(`'${token}'`);
    await waitFor("the worker logs the task", () => worker.log().includes("remembered proof"), worker.log, 5000);
  }, 60000);

  it("answers the manifest's health check (celery inspect ping to its own node)", () => {
    const ping = spawnSync("/bin/sh", ["-c", "celery -A config inspect ping --destination celery@$HOSTNAME --timeout 5"], {
      cwd: DJANGO_DIR,
      env: { ...env, PATH: `${bin()}:${env.PATH}` },
      encoding: "utf8",
      timeout: 30000,
    });
    expect(ping.stdout).toContain("pong");
    expect(ping.status).toBe(0);
  }, 40000);

  it("schedules beat's periodic task, which the worker runs", async () => {
    await waitFor("beat sends beat-tick", () => beat.log().includes("Sending due task beat-tick"), beat.log);
    expect(cacheValue("beat:last-tick", env)).toMatch(/^'\d{4}-\d\d-\d\dT/);
    expect(worker.log()).toMatch(/beat_tick\[[\w-]+\] succeeded/);
  }, 60000);

  it("heartbeat records the time in Redis and logs it", () => {
    const result = manage(["heartbeat"], env);
    expect(result.status).toBe(0);
    const logged = result.stderr.match(/heartbeat (\S+) recorded in Redis/);
    expect(logged).not.toBeNull();
    expect(cacheValue("heartbeat:last", env)).toBe(`'${logged![1]}'`);
  }, 60000);

  it("worker and beat stop cleanly on SIGTERM (ECS's stop signal)", async () => {
    const [workerCode, beatCode] = await Promise.all([stopCelery(worker), stopCelery(beat)]);
    expect({ workerCode, beatCode }).toEqual({ workerCode: 0, beatCode: 0 });
  }, 40000);
});

describeUnless(appPairUnavailable() ?? redisUnavailable(), "the sample app's commands without or beside Redis", () => {
  it("heartbeat exits 1, saying Redis is unreachable, when nothing listens", async () => {
    const result = manage(["heartbeat"], djangoEnv(`redis://127.0.0.1:${await freePort()}/0`));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CommandError: Redis unreachable at 127\.0\.0\.1:\d+: .*Connection refused/);
  }, 60000);

  it("the release task check --deploy --fail-level ERROR passes under the samples' settings", () => {
    const result = manage(["check", "--deploy", "--fail-level", "ERROR"], djangoEnv("redis://127.0.0.1:6379/0"));
    expect(result.stderr).not.toMatch(/ERRORS:/);
    expect(result.status).toBe(0);
  }, 60000);

  it("works over rediss:// (TLS) when the server's CA is trusted, and refuses an untrusted certificate", async () => {
    const tls = await startRedis({ tls: true });
    try {
      const trusted = djangoEnv(tls.url, { SSL_CERT_FILE: tls.caFile! });
      expect(manage(["heartbeat"], trusted).status).toBe(0);
      const worker = startCelery(["worker", "--loglevel=INFO", "--concurrency=1", "--hostname", "celery@tls-worker"], trusted);
      try {
        await waitFor("the worker is ready over TLS", () => worker.log().includes("ready."), worker.log);
        manage(["shell", "--no-imports", "-c", `from background.tasks import remember\nremember.delay("tls", "yes")`], trusted);
        expect(cacheValue("remember:tls", trusted)).toBe("'yes'");
      } finally {
        await stopCelery(worker);
      }
      const untrusted = manage(["heartbeat"], djangoEnv(tls.url));
      expect(untrusted.status).toBe(1);
      expect(untrusted.stderr).toContain("CERTIFICATE_VERIFY_FAILED");
      // Without CELERY_BROKER_USE_SSL, kombu would connect to any certificate ("insecure SSL behaviour").
      const unverified = startCelery(["worker", "--loglevel=INFO", "--concurrency=1"], djangoEnv(tls.url));
      try {
        await waitFor("the worker refuses the untrusted certificate", () => unverified.log().includes("CERTIFICATE_VERIFY_FAILED"), unverified.log, 20000);
        expect(unverified.log()).not.toContain("ready.");
      } finally {
        await stopCelery(unverified);
      }
    } finally {
      await tls.stop();
    }
  }, 90000);
});
