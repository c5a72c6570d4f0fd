import { anyToHclTerraform, anyToTerraform, Fn, hashMapper, hashMapperHcl, TerraformOutput, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { LocalBackgroundContainer, LocalPlan, localBackground } from "../plan/local";
import { REDIS_URL_VARIABLE } from "../plan/service";
import type { ContainerSpec, HealthCheck } from "../plan/service";
import { declaredVolumes, fargateLikeTmpfs, imageBuilds } from "./app-images";

/** Redis for local use, pinned like the app's base images. */
export const LOCAL_REDIS_IMAGE = "redis:7.4.2-alpine";

/** A Docker health check from the same spec the ECS task definition uses. */
export function dockerHealthcheck(check: HealthCheck | undefined) {
  if (!check) return undefined;
  return {
    test: check.command,
    interval: `${check.intervalSeconds}s`,
    timeout: `${check.timeoutSeconds}s`,
    retries: check.retries,
    startPeriod: `${check.startPeriodSeconds}s`,
  };
}

const envList = (env: Record<string, string>) =>
  Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`);

/**
 * The Fargate task's two containers on a developer's machine, wired the same
 * way: nginx shares Django's network namespace (network_mode container:), so
 * it reaches gunicorn on 127.0.0.1 as in the task; read-only root filesystems
 * with the same scratch folders (tmpfs, owned and moded as Fargate's volumes); the same environment and health
 * checks; nginx starts once Django is healthy. Plus Redis, when asked, and the background side from the
 * same Django image: the workers beside Django; the release tasks, then the scheduled jobs, once per
 * deploy, before Django and the workers start; a release task or job that exits non-zero fails the deploy.
 */
export class LocalContainers extends Construct {
  readonly url: string;

  constructor(scope: Construct, id: string, props: { plan: LocalPlan }) {
    super(scope, id);
    const { plan } = props;
    const [django, nginx] = plan.service.containers;
    const network = new Network(this, "network", { name: plan.prefix });

    const extraEnvironment: Record<string, string> = { ...plan.djangoEnvironment };
    let redis: Container | undefined;
    if (plan.redis) {
      const redisImage = new Image(this, "redis-image", { name: LOCAL_REDIS_IMAGE, keepLocally: true });
      redis = new Container(this, "redis", {
        name: `${plan.prefix}-redis`,
        image: redisImage.imageId,
        networksAdvanced: [{ name: network.name, aliases: ["redis"] }],
        healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "5s", timeout: "3s", retries: 5 },
        restart: "unless-stopped",
        // Healthy before anything that uses it starts: the release tasks, jobs and workers need it at once.
        wait: true,
        waitTimeout: 60,
      });
      extraEnvironment[REDIS_URL_VARIABLE] = "redis://redis:6379/0";
    }

    const builds = imageBuilds(plan.service.containers);
    const image = (spec: ContainerSpec) =>
      "uri" in spec.image
        ? new Image(this, `${spec.name}-image`, { name: spec.image.uri, keepLocally: true })
        : new Image(this, `${spec.name}-image`, { name: `${plan.prefix}-${spec.name}:local`, keepLocally: true, buildAttribute: builds[spec.name] });
    const djangoImage = image(django);
    const nginxImage = image(nginx);

    const common = (spec: ContainerSpec) => ({
      name: `${plan.prefix}-${spec.name}`,
      command: spec.command,
      healthcheck: dockerHealthcheck(spec.healthCheck),
      readOnly: true,
      tmpfs: Object.fromEntries(spec.scratchPaths.map((p) => [p, fargateLikeTmpfs(p, "uri" in spec.image ? [] : declaredVolumes(builds[spec.name]))])),
      init: true,
      stopTimeout: spec.stopTimeoutSeconds ?? 30,
      restart: "unless-stopped",
    });
    // Django's image, environment and network for every background container.
    const background = localBackground(plan);
    const fromDjango = (entry: LocalBackgroundContainer) => ({
      ...common(entry.container),
      name: entry.containerName,
      image: djangoImage.imageId,
      env: envList({ ...entry.container.environment, ...extraEnvironment }),
      networksAdvanced: [{ name: network.name }],
    });
    // Replaced on every apply, and with it every one-off container: each deploy runs them again.
    const runs = [...background.releaseTasks, ...background.jobs];
    const deploy = runs.length ? new EveryApply(this, "deploy") : undefined;
    let previous: Container | undefined = redis;
    for (const entry of runs) {
      const kind = background.releaseTasks.includes(entry) ? "release task" : "scheduled job";
      previous = new Container(this, entry.id, {
        ...fromDjango(entry),
        restart: "no",
        // Terraform waits for the end of the run; its exit code fails the apply below.
        attach: true,
        mustRun: false,
        logs: true,
        dependsOn: previous ? [previous] : undefined,
        lifecycle: {
          // A bare address: cdktf writes a construct here as "${...}", which Terraform's JSON syntax refuses.
          replaceTriggeredBy: [`${deploy!.terraformResourceType}.${deploy!.friendlyUniqueId}`],
          postcondition: [
            {
              condition: "${self.exit_code == 0}",
              errorMessage: `The ${kind} ${entry.name} exited with code \${self.exit_code}: docker logs ${entry.containerName} says why.`,
            },
          ],
        },
      });
    }
    // Django and the workers start after the last one-off run (or Redis, when nothing runs once).
    const afterRuns = previous ? [previous] : undefined;

    const djangoContainer = new Container(this, "django", {
      ...common(django),
      image: djangoImage.imageId,
      env: envList({ ...django.environment, ...extraEnvironment }),
      networksAdvanced: [{ name: network.name, aliases: ["django"] }],
      dependsOn: afterRuns,
      // nginx shares this container's network namespace, so its port is published here.
      ports: [{ internal: nginx.port!, external: plan.hostPort, ip: "127.0.0.1" }],
      // Terraform waits until Django is healthy before it starts nginx (as dependsOn HEALTHY does on ECS).
      wait: true,
      waitTimeout: 120,
    });
    new Container(this, "nginx", {
      ...common(nginx),
      image: nginxImage.imageId,
      env: envList(nginx.environment),
      networkMode: `container:${djangoContainer.id}`,
    });
    for (const entry of background.workers) {
      new Container(this, entry.id, {
        ...fromDjango(entry),
        // As the ECS deployment waits on a worker's health check, when it has one.
        ...(entry.container.healthCheck ? { wait: true, waitTimeout: 180 } : {}),
        dependsOn: afterRuns,
      });
    }
    this.url = `http://localhost:${plan.hostPort}`;
    new TerraformOutput(this, "url", { value: this.url, description: "The local service, through nginx" }).overrideLogicalId("url");
  }
}

/**
 * Terraform's built-in `terraform_data`, replaced on every apply. Written by hand rather than with cdktf's
 * DataResource, which runs `terraform version` on every synth to check for Terraform >= 1.4; every stack
 * already requires a newer Terraform (required_version), so that check only cost each synth a process.
 */
class EveryApply extends TerraformResource {
  constructor(scope: Construct, id: string) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  // The same mapping as DataResource's.
  protected synthesizeAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapper(anyToTerraform)({ at: Fn.timestamp() }) };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { triggers_replace: hashMapperHcl(anyToHclTerraform)({ at: Fn.timestamp() }) };
  }
}

