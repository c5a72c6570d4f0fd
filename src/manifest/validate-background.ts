/** Cross-key checks of the `workers`, `scheduled` and `release` sections. */
import type { ReleaseManifest, ScheduledManifest, WorkerManifest } from "./background-schema";
import type { ManifestProblem } from "./validate";
import { checkScaling, checkSettings, checkSize } from "./validate-task";

export interface BackgroundSections {
  service?: { serviceDiscovery: { clientTasks: string[] } };
  workers: Record<string, WorkerManifest>;
  scheduled: Record<string, ScheduledManifest>;
  release: ReleaseManifest;
}

export function findBackgroundProblem(manifest: BackgroundSections): ManifestProblem | undefined {
  const workers = Object.entries(manifest.workers);
  const jobs = Object.entries(manifest.scheduled);
  const first = workers[0] ? `workers.${workers[0][0]}` : jobs[0] ? `scheduled.${jobs[0][0]}` : manifest.release.tasks.length ? "release.tasks" : undefined;
  // They run the web service's Django image with its settings: there is nothing to run without it.
  if (first && !manifest.service) return { path: first, message: "needs the web service's Django image and settings; expected a `service` section" };

  for (const [name] of jobs) {
    if (manifest.workers[name]) return { path: `scheduled.${name}`, message: `"${name}" is also a worker's name; expected names unique across workers and scheduled jobs (they name log streams and alarms)` };
  }
  for (const [name, worker] of workers) {
    const problem = checkSize(`workers.${name}`, worker) ?? checkSettings(`workers.${name}`, worker);
    if (problem) return problem;
    const scaling = worker.autoScaling;
    if (!scaling) continue;
    const at = `workers.${name}.autoScaling`;
    const bounds = checkScaling(`workers.${name}`, worker.desiredCount, scaling);
    if (bounds) return bounds;
    if (!scaling.cpuTargetPercent && !scaling.memoryTargetPercent && !scaling.queue) {
      return { path: at, message: "has no policy (cpuTargetPercent and memoryTargetPercent are 0, no queue); expected at least one, or no autoScaling" };
    }
    const low = (["cpuTargetPercent", "memoryTargetPercent"] as const).find((k) => scaling[k] > 0 && scaling[k] < 10);
    if (low) return { path: `${at}.${low}`, message: `${scaling[low]} would keep adding tasks; expected 0 (off) or 10 to 95` };
  }
  for (const [name, job] of jobs) {
    const problem = checkSize(`scheduled.${name}`, job) ?? checkSettings(`scheduled.${name}`, job);
    if (problem) return problem;
    if (job.schedule.startsWith("rate(") && job.timezone !== "UTC") {
      return { path: `scheduled.${name}.timezone`, message: "applies to cron expressions only; expected UTC (the default) with a rate expression" };
    }
  }
  for (const [i, name] of (manifest.service?.serviceDiscovery.clientTasks ?? []).entries()) {
    if (!manifest.workers[name] && !manifest.scheduled[name]) {
      const known = [...workers, ...jobs].map(([n]) => n);
      return { path: `service.serviceDiscovery.clientTasks[${i}]`, message: `"${name}" is no worker or scheduled job of this manifest; expected one of: ${known.join(", ") || "(none defined)"}` };
    }
  }
  const tasks = manifest.release.tasks;
  for (const [i, task] of tasks.entries()) {
    const j = tasks.findIndex((t) => t.name === task.name);
    if (j !== i) return { path: `release.tasks[${i}].name`, message: `"${task.name}" is also release.tasks[${j}]'s name; expected distinct names` };
  }
  return tasks.length ? checkSize("release", manifest.release) : undefined;
}
