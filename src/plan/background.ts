/**
 * Workers, scheduled jobs and release tasks: what runs beside the web service from its Django image and
 * settings. Pure: each becomes a one-container task whose container is Django's, with another command.
 */
import type { ReleaseManifest, ScheduledManifest, WorkerManifest } from "../manifest/background-schema";
import { cpuUnits } from "./fargate";
import type { ContainerSpec, ServicePlan } from "./service";

/** What a task definition runs for; tagged on it, so the lanes and the console can tell. */
export type Workload = "web" | "worker" | "scheduled" | "release";
export const WORKLOAD_TAG = "workload";

interface BackgroundTask {
  /** The manifest's name (`release` for the release tasks' definition). */
  name: string;
  family: string;
  task: { cpu: number; memory: number };
  /** One container, `django`, with the web service's image and settings. */
  container: ContainerSpec;
  /** Its own security group: no ingress, Redis admits it. */
  securityGroupName: string;
}

export interface WorkerPlan extends BackgroundTask {
  serviceName: string;
  desiredCount: number;
  autoScaling?: WorkerManifest["autoScaling"];
}

export interface ScheduledPlan extends BackgroundTask {
  scheduleName: string;
  expression: string;
  timezone: string;
  retries: number;
  maximumEventAgeSeconds: number;
  enabled: boolean;
  deadLetterQueueName: string;
}

export interface ReleaseTasksPlan extends BackgroundTask {
  /** Run in this order with the new images before traffic moves. */
  tasks: ReleaseManifest["tasks"];
}

export interface BackgroundPlan {
  workers: WorkerPlan[];
  scheduled: ScheduledPlan[];
  /** Undefined when the manifest lists no release task. */
  release?: ReleaseTasksPlan;
}

export interface BackgroundSectionsManifest {
  workers: Record<string, WorkerManifest>;
  scheduled: Record<string, ScheduledManifest>;
  release: ReleaseManifest;
}

export function planBackground(manifest: BackgroundSectionsManifest, service: ServicePlan | undefined): BackgroundPlan {
  if (!service) return { workers: [], scheduled: [] };
  const names = service.names;
  const django = service.containers.find((c) => c.name === "django")!;
  const container = (streamPrefix: string, spec: { command?: string[]; environment?: Record<string, string>; secrets?: Record<string, string> }): ContainerSpec => ({
    name: "django",
    image: django.image,
    command: spec.command,
    environment: { ...django.environment, ...spec.environment },
    secrets: { ...django.secrets, ...spec.secrets },
    startsAfterHealthy: [],
    scratchPaths: ["/tmp"],
    logStreamPrefix: streamPrefix,
  });
  const size = (s: { cpu: number; memory: number }) => ({ cpu: cpuUnits(s.cpu), memory: s.memory });

  const workers = Object.entries(manifest.workers).map(([name, w]): WorkerPlan => ({
    name,
    family: names.worker(name),
    serviceName: names.worker(name),
    securityGroupName: names.worker(name),
    task: size(w),
    container: {
      ...container(`worker-${name}`, w),
      stopTimeoutSeconds: w.stopTimeoutSeconds,
      healthCheck: w.healthCheck && {
        command: w.healthCheck.command,
        intervalSeconds: w.healthCheck.intervalSeconds,
        timeoutSeconds: w.healthCheck.timeoutSeconds,
        retries: w.healthCheck.retries,
        startPeriodSeconds: w.healthCheck.startPeriodSeconds,
      },
    },
    desiredCount: w.desiredCount,
    autoScaling: w.autoScaling,
  }));
  const scheduled = Object.entries(manifest.scheduled).map(([name, j]): ScheduledPlan => ({
    name,
    family: names.job(name),
    securityGroupName: names.job(name),
    scheduleName: names.job(name),
    deadLetterQueueName: `${names.job(name)}-dlq`,
    task: size(j),
    container: container(`job-${name}`, j),
    expression: j.schedule,
    timezone: j.timezone,
    retries: j.retries,
    maximumEventAgeSeconds: j.maximumEventAgeSeconds,
    enabled: j.enabled,
  }));
  const release: ReleaseTasksPlan | undefined = manifest.release.tasks.length
    ? {
        name: "release",
        family: names.releaseFamily,
        securityGroupName: names.releaseFamily,
        task: size(manifest.release),
        // No command: each release task overrides it (`aws ecs run-task --overrides`).
        container: container("release", {}),
        tasks: manifest.release.tasks,
      }
    : undefined;
  return { workers, scheduled, release };
}

/** Every secret a worker, job or release task reads (their execution role is the web service's). */
export function backgroundSecretArns(plan: BackgroundPlan): string[] {
  const containers = [...plan.workers, ...plan.scheduled, ...(plan.release ? [plan.release] : [])].map((t) => t.container);
  return [...new Set(containers.flatMap((c) => Object.values(c.secrets)))];
}
