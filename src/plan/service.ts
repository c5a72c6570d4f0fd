/**
 * The web service's plan: the two containers and how they are wired, sizes,
 * scaling, Redis, service discovery and deployment settings. Pure: the
 * constructs (and the local Docker stack) read it; nothing here knows cdktf.
 */
import type { ServiceManifest } from "../manifest/service-schema";
import { TRAFFIC_SHIFTING } from "../manifest/service-schema";
import { cpuSplit, cpuUnits } from "./fargate";
import type { ResourceNames } from "./names";

export type ContainerName = "django" | "nginx";

export interface HealthCheck {
  command: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  /** Failures during this time after start do not count. */
  startPeriodSeconds: number;
}

export interface ContainerSpec {
  name: ContainerName;
  /** This stack's ECR repository at a tag, or a fixed image. */
  image: { repository: ContainerName; tag: string } | { uri: string };
  port: number;
  command?: string[];
  environment: Record<string, string>;
  /** Variable name -> secret ARN, resolved by ECS at start. */
  secrets: Record<string, string>;
  healthCheck: HealthCheck;
  /** Containers that must be healthy before this one starts. */
  startsAfterHealthy: ContainerName[];
  /** CPU units reserved for the container; undefined shares the task's CPU. */
  cpu?: number;
  /** Writable folders on task-local storage; the root filesystem is read-only. */
  scratchPaths: string[];
}

export type RedisPlan =
  | { mode: "none" }
  | { mode: "existing"; securityGroupId: string; url: string; port: number }
  | { mode: "create"; nodeType: string; replicas: number; engineVersion: string; port: number };

export interface ServicePlan {
  names: ResourceNames;
  /** destroy removes the log bucket and image repositories with their contents. */
  disposable: boolean;
  /** Undefined for a local environment. */
  domain?: ServiceManifest["domain"];
  healthCheckPath: string;
  task: { cpu: number; memory: number };
  containers: ContainerSpec[];
  /** The container the load balancer sends traffic to. */
  entrypoint: { container: ContainerName; port: number };
  desiredCount: number;
  platformVersion: string;
  healthCheckGracePeriodSeconds: number;
  logRetentionDays: number;
  keepImages: number;
  /** `build`: deploy builds and pushes the first images. */
  initialImages: "none" | "build";
  initialImageTag: string;
  loadBalancer: ServiceManifest["loadBalancer"];
  autoScaling: ServiceManifest["autoScaling"];
  redis: RedisPlan;
  discovery: { namespace: string; name: string };
  deployment: {
    /** CodeDeploy deployment config name. */
    config: string;
    terminationWaitMinutes: number;
    alarms: ServiceManifest["deployment"]["alarms"];
  };
}

/** The environment variable through which Django receives the Redis URL. */
export const REDIS_URL_VARIABLE = "REDIS_URL";

export function planService(service: ServiceManifest, names: ResourceNames, disposable = false): ServicePlan {
  const split = cpuSplit(service.cpu, service.cpuSplit?.nginx);
  const discovery = { namespace: service.serviceDiscovery.namespace ?? names.namespace, name: service.serviceDiscovery.name };
  const image = (name: ContainerName, uri?: string) => (uri ? { uri } : { repository: name, tag: service.initialImageTag });
  const redis: RedisPlan =
    service.redis.mode === "create" ? { ...service.redis, port: 6379 } : service.redis;

  const django: ContainerSpec = {
    name: "django",
    image: image("django", service.django.image),
    port: service.django.port,
    command: service.django.command,
    environment: {
      ALLOWED_HOSTS: [...(service.domain?.hostnames ?? ["localhost", "127.0.0.1"]), `${discovery.name}.${discovery.namespace}`].join(","),
      HEALTH_CHECK_PATH: service.healthCheckPath,
      ...(redis.mode === "existing" ? { [REDIS_URL_VARIABLE]: redis.url } : {}),
      ...service.django.environment,
    },
    secrets: service.django.secrets,
    healthCheck: {
      // Python is in every Django image; curl and wget may not be.
      command: [
        "CMD",
        "python",
        "-c",
        `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${service.django.port}${service.healthCheckPath}', timeout=4)`,
      ],
      intervalSeconds: 10,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 30,
    },
    startsAfterHealthy: [],
    cpu: split?.django,
    scratchPaths: ["/tmp"],
  };
  const nginx: ContainerSpec = {
    name: "nginx",
    image: image("nginx", service.nginx.image),
    port: service.nginx.port,
    // nginx's config is rendered when the image is built (build args NGINX_PORT and DJANGO_UPSTREAM).
    environment: {},
    secrets: {},
    healthCheck: {
      command: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${service.nginx.port}${service.healthCheckPath} || exit 1`],
      intervalSeconds: 10,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 10,
    },
    // nginx only takes traffic once Django can answer it.
    startsAfterHealthy: ["django"],
    cpu: split?.nginx,
    // Our nginx.conf writes its pid and temp files under /tmp; the image's cache folder stays writable too.
    scratchPaths: ["/var/cache/nginx", "/tmp"],
  };

  return {
    names,
    domain: service.domain,
    healthCheckPath: service.healthCheckPath,
    task: { cpu: cpuUnits(service.cpu), memory: service.memory },
    containers: [django, nginx],
    entrypoint: { container: "nginx", port: service.nginx.port },
    desiredCount: service.desiredCount,
    platformVersion: service.platformVersion,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    logRetentionDays: service.logRetentionDays,
    keepImages: service.keepImages,
    initialImages: service.initialImages,
    initialImageTag: service.initialImageTag,
    // A disposable environment drops the guards that stop `terraform destroy`.
    loadBalancer: disposable ? { ...service.loadBalancer, deletionProtection: false } : service.loadBalancer,
    disposable,
    autoScaling: service.autoScaling,
    redis,
    discovery,
    deployment: {
      config: TRAFFIC_SHIFTING[service.deployment.trafficShifting],
      terminationWaitMinutes: service.deployment.terminationWaitMinutes,
      alarms: service.deployment.alarms,
    },
  };
}
