/**
 * The sample app for real, on loopback: gunicorn and Django at requirements.txt's pins (the
 * project's venv) run the Django project, Debian's nginx runs the rendered config in front of it, both on
 * free ports, with every file they write in a temp folder. Bounded in time;
 * stop() ends both processes.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "fs";
import { request } from "http";
import { createServer } from "net";
import { join } from "path";
import { ensureVenv } from "../../lanes/support/python-venv";
import { describeUnless, tempDir } from "./app";

export const APP_DIR = join(__dirname, "..", "..", "app");
export const DJANGO_DIR = join(APP_DIR, "django");

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin"])) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** gunicorn and Django at exactly app/django/requirements.txt's pins, in the project's venv (the boot lane's). */
export function appVenv(): { bin: string } | { unavailable: string } {
  return ensureVenv("boot", join(DJANGO_DIR, "requirements.txt"), { python: "/usr/bin/python3" });
}

/** Why the app cannot be run here, or undefined when it can. */
export function appPairUnavailable(): string | undefined {
  if (!which("nginx")) return "nginx not found (apt-get install nginx)";
  const venv = appVenv();
  return "unavailable" in venv ? venv.unavailable : undefined;
}

/** `describe` when the app can run here, else skipped with one line saying why. */
export function describeWithApp(name: string, fn: () => void): void {
  describeUnless(appPairUnavailable(), name, fn);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The nginx config as the image renders it, with every path it writes moved under `dir`
 * (logs too: /dev/stdout cannot be opened when stdout is a socket, as it is under Node).
 */
export function renderNginxConfig(values: { port: number; upstream: string; staticRoot: string }, dir: string): string {
  return readFileSync(join(APP_DIR, "nginx", "nginx.conf.template"), "utf8")
    .replace(/\/tmp\//g, `${dir}/`)
    .replace("/dev/stderr", `${dir}/error.log`)
    .replace("/dev/stdout", `${dir}/access.log`)
    .replace(/\$\{NGINX_PORT\}/g, String(values.port))
    .replace(/\$\{DJANGO_UPSTREAM\}/g, values.upstream)
    .replace(/\$\{STATIC_ROOT\}/g, values.staticRoot);
}

export interface AppPair {
  url: string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, what: string, log: () => string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = require("net").connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => (clearTimeout(kill), resolve()));
    child.kill("SIGTERM");
  });
}

export async function startAppPair(env: Record<string, string> = {}): Promise<AppPair> {
  const dir = tempDir("app-pair-");
  chmodSync(dir, 0o755); // nginx's workers (nobody, when started as root) read the static files
  const venv = appVenv() as { bin: string };
  const [gunicorn, python] = [join(venv.bin, "gunicorn"), join(venv.bin, "python")];
  const [djangoPort, nginxPort] = [await freePort(), await freePort()];
  const staticRoot = join(dir, "static");
  const djangoEnv = {
    PATH: process.env.PATH ?? "",
    PYTHONDONTWRITEBYTECODE: "1",
    DJANGO_SECRET_KEY: "smoke-test-only",
    ALLOWED_HOSTS: "smoke.example",
    STATIC_ROOT: staticRoot,
    PORT: String(djangoPort),
    GUNICORN_TMP_DIR: dir,
    GUNICORN_WORKERS: "1",
    ...env,
  };
  execFileSync(python, ["manage.py", "collectstatic", "--noinput"], { cwd: DJANGO_DIR, env: djangoEnv, stdio: "pipe" });

  let djangoLog = "";
  const django = spawn(gunicorn, ["--config", "gunicorn.conf.py", "config.wsgi"], { cwd: DJANGO_DIR, env: djangoEnv });
  django.stdout.on("data", (d) => (djangoLog += d));
  django.stderr.on("data", (d) => (djangoLog += d));

  writeFileSync(join(dir, "nginx.conf"), renderNginxConfig({ port: nginxPort, upstream: `127.0.0.1:${djangoPort}`, staticRoot }, dir));
  let nginxLog = "";
  const nginx = spawn(which("nginx")!, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr", "-g", "daemon off;"]);
  nginx.stdout.on("data", (d) => (nginxLog += d));
  nginx.stderr.on("data", (d) => (nginxLog += d));

  const stop = async () => {
    await Promise.all([stopProcess(nginx), stopProcess(django)]);
  };
  try {
    await waitForPort(djangoPort, django, "gunicorn", () => djangoLog);
    await waitForPort(nginxPort, nginx, "nginx", () => nginxLog);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${nginxPort}`, stop };
}


export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with any headers, Host included (fetch() drops a Host header). */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 10000): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
