/**
 * A local environment's plan: the same service plan as on AWS (containers,
 * ports, environment, health checks), plus what only a developer's machine
 * needs. Pure.
 */
import type { DockerManifest } from "../manifest/schema";
import { resourceNames } from "./names";
import { planService, ServicePlan } from "./service";
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
