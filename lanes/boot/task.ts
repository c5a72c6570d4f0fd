/**
 * A task's life as the Fargate agent runs it: containers started in dependsOn order, health checks
 * run literally with their interval, timeout, retries and start period, the target group's check
 * answered through the load-balanced port, then a stop: the stop signal to each container in
 * reverse start order, SIGKILL after its stopTimeout, while a request is still in flight.
 */
import { ChildProcess, spawn } from "child_process";
import { appendFileSync, closeSync, fchmodSync, openSync, readFileSync } from "fs";
import { join } from "path";
import { PreparedContainer } from "./containers";
import { TaskNamespaces, bwrapArgs, commandPid, sandboxInitPid, sleep, startInTask } from "./sandbox";
import { TargetGroupHealthCheck, matcherAccepts } from "./task-definitions";

export class BootFailure extends Error {
  constructor(
    readonly container: string | undefined,
    cause: string,
    readonly logs: string[] = [],
  ) {
    const why = logs.length ? rootCause(logs) : undefined;
    super(`${container ? `container ${container}: ` : ""}${cause}${why ? `: ${why}` : ""}`);
  }
}

/**
 * The log line that says why a process died: the first exception, refusal or nginx emergency in its
 * last lines, past gunicorn's own shutdown messages (which only say that a worker died).
 */
export function rootCause(logs: string[]): string | undefined {
  const noise = /HaltServer|Worker failed to boot|Worker \(pid:\d+\)|Shutting down|Reason:/;
  const cause = /\b[A-Z]\w*(Error|Exception)\b:|\[emerg\]|denied|not found|No such file/;
  return logs.find((l) => cause.test(l) && !noise.test(l))?.trim() ?? logs.find((l) => cause.test(l))?.trim();
}

type Health = "STARTING" | "HEALTHY" | "UNHEALTHY";

export interface Running {
  prepared: PreparedContainer;
  child: ChildProcess;
  /** The sandbox's init; the container's command is its child. */
  initPid?: number;
  exit?: { code: number | null; signal: string | null };
  health: Health;
  logFile: string;
}

export interface BootResult {
  bootSeconds: number;
  stops: { container: string; seconds: number; code: number | null; killed: boolean }[];
  inFlightStatus: number;
}

const HEALTH_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };

export async function bootTask(options: {
  containers: PreparedContainer[];
  ns: TaskNamespaces;
  logDir: string;
  targetGroup: TargetGroupHealthCheck;
  targetPort: number;
  /** Seconds the in-flight request keeps sending its body after the stop begins. */
  inFlightSeconds?: number;
}): Promise<BootResult> {
  const { containers, ns, logDir } = options;
  const running = new Map<string, Running>();
  const started = Date.now();
  try {
    await startContainers(containers, ns, logDir, running);
    await waitForTaskHealthy(running);
    const bootSeconds = (Date.now() - started) / 1000;

    const check = await httpInTask(ns, ["get", `http://127.0.0.1:${options.targetPort}${options.targetGroup.path}`]);
    if (!matcherAccepts(options.targetGroup.matcher, check.status)) {
      throw new BootFailure(undefined, `the target group's health check (${options.targetGroup.address}: GET ${options.targetGroup.path} on port ${options.targetPort}, matcher ${options.targetGroup.matcher}) got ${check.status || check.error}`);
    }

    // A request that is still sending its body when the stop begins must still get its answer.
    const inFlight = startHttpInTask(ns, ["slow", `http://127.0.0.1:${options.targetPort}${options.targetGroup.path}`, String(options.inFlightSeconds ?? 2)]);
    await inFlight.started;
    const stops = await stopTask(running);
    const answer = await inFlight.done;
    if (!(answer.status >= 200 && answer.status < 300)) {
      throw new BootFailure(undefined, `a request in flight when the stop began got ${answer.status || answer.error} instead of a 2xx`);
    }
    return { bootSeconds, stops, inFlightStatus: answer.status };
  } catch (error) {
    throw withLogs(error, running);
  } finally {
    killAll(running);
  }
}

/** Starts the containers in dependsOn order into `running`, each with its health check monitored. */
export async function startContainers(containers: PreparedContainer[], ns: TaskNamespaces, logDir: string, running: Map<string, Running>): Promise<void> {
  for (const prepared of startOrder(containers)) {
    for (const dep of prepared.definition.dependsOn ?? []) await waitForCondition(running, dep.containerName, dep.condition, prepared.definition.name);
    const logFile = join(logDir, `${prepared.definition.name}.log`);
    const log = openSync(logFile, "a");
    fchmodSync(log, 0o666); // reopenable through /dev/stderr by any container uid, like Docker's pipe
    const child = startInTask(ns, prepared.root, prepared.process, log);
    closeSync(log);
    const entry: Running = { prepared, child, health: "STARTING", logFile };
    running.set(prepared.definition.name, entry);
    child.on("exit", (code, signal) => (entry.exit = { code, signal }));
    entry.initPid = await sandboxInitPid(child);
    if (prepared.definition.healthCheck) {
      monitorHealth(entry, ns).catch((error) => {
        entry.health = "UNHEALTHY";
        appendLog(entry, `[boot lane] could not run the health check: ${error.message}`);
      });
    }
  }
}

/** A failure naming a container gains that container's last log lines (and the cause they give). */
export function withLogs(error: unknown, running: Map<string, Running>): unknown {
  if (error instanceof BootFailure && error.container && error.logs.length === 0 && running.has(error.container)) {
    return new BootFailure(error.container, error.message.replace(`container ${error.container}: `, ""), tail(running.get(error.container)!.logFile));
  }
  return error;
}

export function killAll(running: Map<string, Running>): void {
  for (const entry of running.values()) if (!entry.exit) entry.child.kill("SIGKILL");
}

/** Dependencies first; among equals, the definition's order. */
function startOrder(containers: PreparedContainer[]): PreparedContainer[] {
  const ordered: PreparedContainer[] = [];
  const visit = (c: PreparedContainer, path: string[]) => {
    if (ordered.includes(c)) return;
    if (path.includes(c.definition.name)) throw new BootFailure(c.definition.name, `dependsOn forms a cycle: ${[...path, c.definition.name].join(" -> ")}`);
    for (const dep of c.definition.dependsOn ?? []) {
      const target = containers.find((x) => x.definition.name === dep.containerName);
      if (!target) throw new BootFailure(c.definition.name, `dependsOn names ${dep.containerName}, which is not in the task`);
      visit(target, [...path, c.definition.name]);
    }
    ordered.push(c);
  };
  containers.forEach((c) => visit(c, []));
  return ordered;
}

async function waitForCondition(running: Map<string, Running>, name: string, condition: string, waiter: string): Promise<void> {
  const entry = running.get(name)!;
  for (;;) {
    if (condition === "START") return;
    if (condition === "HEALTHY" && entry.health === "HEALTHY") return;
    if (entry.exit) {
      if (condition === "COMPLETE" || (condition === "SUCCESS" && entry.exit.code === 0)) return;
      throw new BootFailure(name, `exited with ${describeExit(entry.exit)} before ${waiter} could start (${waiter} waits for it to be ${condition})`, tail(entry.logFile));
    }
    if (entry.health === "UNHEALTHY") throw new BootFailure(name, `became UNHEALTHY: ${waiter} never starts (it waits for HEALTHY)`, tail(entry.logFile));
    await sleep(100);
  }
}

export async function waitForTaskHealthy(running: Map<string, Running>): Promise<void> {
  for (;;) {
    for (const [name, entry] of running) {
      if (entry.prepared.definition.essential === false) continue;
      if (entry.exit) throw new BootFailure(name, `the essential container exited with ${describeExit(entry.exit)}`, tail(entry.logFile));
      if (entry.health === "UNHEALTHY") throw new BootFailure(name, "the essential container is UNHEALTHY: its health check failed", tail(entry.logFile));
    }
    const essentials = [...running.values()].filter((e) => e.prepared.definition.essential !== false && e.prepared.definition.healthCheck);
    if (essentials.every((e) => e.health === "HEALTHY")) return;
    await sleep(100);
  }
}

/** Docker's health check: every `interval` s; failures inside the start period do not count. */
async function monitorHealth(entry: Running, ns: TaskNamespaces): Promise<void> {
  const check = { ...HEALTH_DEFAULTS, ...entry.prepared.definition.healthCheck! };
  const [kind, ...rest] = check.command;
  const argv = kind === "CMD-SHELL" ? ["/bin/sh", "-c", rest.join(" ")] : kind === "CMD" ? rest : check.command;
  const started = Date.now();
  let failures = 0;
  while (!entry.exit && entry.health !== "UNHEALTHY") {
    await sleep(check.interval * 1000);
    if (entry.exit) return;
    const result = await runInContainer(entry, ns, argv, check.timeout);
    if (result.code === 0) {
      entry.health = "HEALTHY";
      failures = 0;
      continue;
    }
    const inStartPeriod = (Date.now() - started) / 1000 < check.startPeriod;
    if (!inStartPeriod && entry.health !== "HEALTHY") failures++;
    else if (entry.health === "HEALTHY") failures++;
    if (failures >= check.retries) {
      entry.health = "UNHEALTHY";
      appendLog(entry, `[boot lane] health check failed ${failures} times; last output: ${result.output.trim().split("\n").slice(-3).join(" | ")}`);
    }
  }
}

/** `docker exec`: the command in the container's image, user, environment, volumes and network. */
function runInContainer(entry: Running, ns: TaskNamespaces, argv: string[], timeoutSeconds: number): Promise<{ code: number | null; output: string }> {
  const p = entry.prepared;
  const userns = ns.userNsFd();
  const full = ns.sandboxArgv(bwrapArgs(p.root, { ...p.process, argv }));
  const outputFile = `${entry.logFile}.health`;
  const out = openSync(outputFile, "w"); // a file, as Docker gives: Node's pipes are sockets
  fchmodSync(out, 0o666); // reopenable through /dev/stdout by any container uid, like Docker's pipe
  return new Promise((resolve) => {
    const child = spawn(full[0], full.slice(1), { stdio: ["ignore", out, out, userns] });
    closeSync(out);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? null, output: tail(outputFile, 1000).join("\n") }); // tail: the task may be gone
    });
  });
}

/** Reverse start order; each container gets its image's stop signal, then SIGKILL after stopTimeout. */
export async function stopTask(running: Map<string, Running>): Promise<BootResult["stops"]> {
  const stops: BootResult["stops"] = [];
  for (const entry of [...running.values()].reverse()) {
    const name = entry.prepared.definition.name;
    const timeout = entry.prepared.definition.stopTimeout ?? 30;
    const begin = Date.now();
    const pid = entry.initPid && commandPid(entry.initPid);
    if (!entry.exit) {
      if (!pid) throw new BootFailure(name, "could not find the container's process to send it the stop signal");
      process.kill(pid, entry.prepared.stopSignal as NodeJS.Signals);
    }
    let killed = false;
    while (!entry.exit) {
      if ((Date.now() - begin) / 1000 > timeout && !killed) {
        entry.child.kill("SIGKILL");
        if (pid) process.kill(pid, "SIGKILL");
        killed = true;
      }
      await sleep(50);
    }
    stops.push({ container: name, seconds: (Date.now() - begin) / 1000, code: entry.exit.code, killed });
    if (killed) throw new BootFailure(name, `did not stop within its stopTimeout of ${timeout} s after ${entry.prepared.stopSignal}: SIGKILL`, tail(entry.logFile));
  }
  return stops;
}

interface HttpAnswer {
  status: number;
  error?: string;
}

const CLIENT = join(__dirname, "..", "..", "lanes", "boot", "http-client.js");

function startHttpInTask(ns: TaskNamespaces, args: string[]): { started: Promise<void>; done: Promise<HttpAnswer> } {
  const argv = ns.netArgv([process.execPath, CLIENT, ...args]);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let markStarted: () => void = () => {};
  const started = new Promise<void>((r) => (markStarted = r));
  child.stdout!.on("data", (d) => {
    out += d;
    if (out.includes("sending")) markStarted();
  });
  const done = new Promise<HttpAnswer>((resolve) =>
    child.on("exit", () => {
      markStarted();
      const status = /status (\d+)/.exec(out)?.[1];
      resolve(status ? { status: Number(status) } : { status: 0, error: out.trim().split("\n").pop() || "no answer" });
    }),
  );
  return { started, done };
}

function httpInTask(ns: TaskNamespaces, args: string[]): Promise<HttpAnswer> {
  return startHttpInTask(ns, args).done;
}

export function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function appendLog(entry: Running, line: string): void {
  appendFileSync(entry.logFile, `${line}\n`);
}

export function tail(file: string | undefined, lines = 40): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines);
  } catch {
    return [];
  }
}
