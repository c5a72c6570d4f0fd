/**
 * The tasks that no load balancer calls: a worker must start, pass its health check (or stay up when it
 * has none) and stop cleanly on its image's stop signal (exit 0, or ended by that signal, within its
 * stopTimeout); a scheduled job or a release task runs once and must exit 0.
 */
import { constants } from "os";
import { PreparedContainer } from "./containers";
import { TaskNamespaces, sleep } from "./sandbox";
import { BootFailure, Running, describeExit, killAll, startContainers, stopTask, tail, waitForTaskHealthy, withLogs } from "./task";

/** How long a worker without a health check must stay up. */
export const WORKER_UP_SECONDS = 10;

export async function bootWorker(containers: PreparedContainer[], ns: TaskNamespaces, logDir: string, upSeconds = WORKER_UP_SECONDS): Promise<string> {
  const running = new Map<string, Running>();
  const started = Date.now();
  try {
    await startContainers(containers, ns, logDir, running);
    const checked = containers.some((c) => c.definition.essential !== false && c.definition.healthCheck);
    if (checked) await waitForTaskHealthy(running);
    else await stayUp(running, upSeconds);
    const upFor = (Date.now() - started) / 1000;
    const stops = await stopTask(running);
    for (const stop of stops) {
      const entry = running.get(stop.container)!;
      // Exit 0, or ended by the stop signal itself (128 + its number: a process stopped before it set its
      // handlers, as beat is on a busy machine); any other code is a failure while shutting down.
      const bySignal = 128 + (constants.signals[entry.prepared.stopSignal as keyof typeof constants.signals] ?? 0);
      if (stop.code !== 0 && stop.code !== bySignal) {
        throw new BootFailure(stop.container, `did not stop cleanly: ${entry.prepared.stopSignal} ended it with ${describeExit(entry.exit!)}, not exit code 0 (or ${bySignal}, the signal's own)`, tail(entry.logFile));
      }
    }
    const how = checked ? `healthy in ${upFor.toFixed(1)} s` : `up ${upFor.toFixed(0)} s (no health check)`;
    return `worker ${how}, clean stop on ${containers.map((c) => c.stopSignal).join("/")} (${stops.map((s) => `${s.container} ${s.seconds.toFixed(1)} s, exit ${s.code}`).join(", ")})`;
  } catch (error) {
    throw withLogs(error, running);
  } finally {
    killAll(running);
  }
}

async function stayUp(running: Map<string, Running>, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (const [name, entry] of running) {
      if (entry.exit && entry.prepared.definition.essential !== false) {
        throw new BootFailure(name, `exited with ${describeExit(entry.exit)} after ${((Date.now() - until) / 1000 + seconds).toFixed(1)} s; a worker runs until stopped`, tail(entry.logFile));
      }
    }
    await sleep(100);
  }
}

/** Runs a one-off task to its end; every essential container must exit 0 within `timeoutSeconds`. */
export async function runOnce(containers: PreparedContainer[], ns: TaskNamespaces, logDir: string, timeoutSeconds: number): Promise<number> {
  const running = new Map<string, Running>();
  const started = Date.now();
  try {
    await startContainers(containers, ns, logDir, running);
    const essentials = () => [...running.values()].filter((e) => e.prepared.definition.essential !== false);
    while (!essentials().every((e) => e.exit)) {
      const late = essentials().find((e) => !e.exit && (Date.now() - started) / 1000 > timeoutSeconds);
      if (late) throw new BootFailure(late.prepared.definition.name, `still running after ${timeoutSeconds} s`, tail(late.logFile));
      await sleep(100);
    }
    const failed = essentials().find((e) => e.exit!.code !== 0);
    if (failed) throw new BootFailure(failed.prepared.definition.name, `exited with ${describeExit(failed.exit!)}; a one-off task must exit 0`, tail(failed.logFile));
    return (Date.now() - started) / 1000;
  } catch (error) {
    throw withLogs(error, running);
  } finally {
    killAll(running);
  }
}
