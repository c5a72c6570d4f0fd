/**
 * A local environment's plan: the same service plan as on AWS (containers,
 * ports, environment, health checks), plus what only a developer's machine
 * needs. Pure.
 */
import type { DockerManifest } from "../manifest/schema";
import { resourceNames } from "./names";
import { planService, ServicePlan } from "./service";
import type { ContainerSpec } from "./service";
import { BackgroundPlan, planBackground } from "./background";

export interface LocalPlan {
  app: string;
  environment: string;
  /** `<app>-<environment>`: the prefix of container, network and image names. */
  prefix: string;
  /** nginx is published on http://localhost:<hostPort>. */
  hostPort: number;
  /** Run a Redis container and pass REDIS_URL. */
  redis: boolean;
  service: ServicePlan;
  /** Workers, scheduled jobs and release tasks, as on AWS. */
  background: BackgroundPlan;
  /** Local-only environment for Django, such as a development secret key. */
  djangoEnvironment: Record<string, string>;
}

export function planLocal(manifest: DockerManifest): LocalPlan {
  const names = resourceNames(manifest.app, manifest.environment);
  const service = planService(manifest.service, names);
  return {
    app: manifest.app,
    environment: manifest.environment,
    prefix: names.prefix,
    hostPort: manifest.docker.hostPort,
    redis: manifest.docker.redis,
    service,
    background: planBackground(manifest, service),
    djangoEnvironment: manifest.docker.environment,
  };
}

/** A container the local stack runs beside django and nginx, from the background plan. */
export interface LocalBackgroundContainer {
  /** Construct id; the Docker container is `<prefix>-<id>`. */
  id: string;
  containerName: string;
  /** The manifest's name (of the worker, the scheduled job or the release task). */
  name: string;
  /** Django's container with the worker's, job's or release task's command. */
  container: ContainerSpec;
}

export interface LocalBackground {
  /** Run beside django, restarted like it. */
  workers: LocalBackgroundContainer[];
  /** Run once per deploy, one after another in the manifest's order, before django and the workers start. */
  releaseTasks: LocalBackgroundContainer[];
  /** Run once per deploy, after the release tasks (EventBridge Scheduler's timing is AWS's). */
  jobs: LocalBackgroundContainer[];
}

export function localBackground(plan: LocalPlan): LocalBackground {
  const entry = (id: string, name: string, container: ContainerSpec): LocalBackgroundContainer => ({ id, containerName: `${plan.prefix}-${id}`, name, container });
  const { workers, scheduled, release } = plan.background;
  return {
    workers: workers.map((w) => entry(`worker-${w.name}`, w.name, w.container)),
    releaseTasks: (release?.tasks ?? []).map((t) => entry(`release-${t.name}`, t.name, { ...release!.container, command: t.command })),
    jobs: scheduled.map((j) => entry(`job-${j.name}`, j.name, j.container)),
  };
}
