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
  /** The port it serves on; none for a worker or a job. */
  port?: number;
  command?: string[];
  environment: Record<string, string>;
  /** Variable name -> secret ARN, resolved by ECS at start. */
  secrets: Record<string, string>;
  /** None: ECS judges the container by its process alone. */
  healthCheck?: HealthCheck;
  /** Seconds between the stop signal and SIGKILL; 30 by default. */
  stopTimeoutSeconds?: number;
  /** The log stream prefix; the container's name by default. */
  logStreamPrefix?: string;
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
  /** ECS Exec with encrypted, logged sessions. */
  exec: ServiceManifest["exec"];
  /** `build`: deploy builds and pushes the first images. */
  initialImages: "none" | "build";
  initialImageTag: string;
  loadBalancer: ServiceManifest["loadBalancer"];
  autoScaling: ServiceManifest["autoScaling"];
  redis: RedisPlan;
  /** The Cloud Map name, and the security groups allowed to call it. */
  discovery: { namespace: string; name: string; clients: { securityGroupId: string; description: string }[]; clientTasks: string[] };
  deployment: {
    /** CodeDeploy deployment config name. */
    config: string;
    terminationWaitMinutes: number;
    /** Minutes a release waits on the test listener for a manual continue; 0: none. */
    testTrafficWaitMinutes: number;
    alarms: ServiceManifest["deployment"]["alarms"];
  };
}

/** Where ECS Exec's managed agent writes inside the container it runs in. */
export const EXEC_AGENT_PATHS = ["/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"];

/** Each deployment alarm needs this many one-minute periods above its threshold to fire. */
export const ALARM_PERIODS = 2;
/** CloudWatch publishes load balancer metrics about a minute late: a deployment must outlast both. */
export const ALARM_WINDOW_MINUTES = ALARM_PERIODS + 1;

/** The environment variable through which Django receives the Redis URL. */
export const REDIS_URL_VARIABLE = "REDIS_URL";

export function planService(service: ServiceManifest, names: ResourceNames, disposable = false): ServicePlan {
  const split = cpuSplit(service.cpu, service.cpuSplit?.nginx);
  const discovery = { namespace: service.serviceDiscovery.namespace ?? names.namespace, name: service.serviceDiscovery.name, clients: service.serviceDiscovery.clients, clientTasks: service.serviceDiscovery.clientTasks };
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
    // ECS Exec's agent writes under these, which a read-only root would refuse (containers-roadmap#1359).
    scratchPaths: service.exec.enabled ? ["/tmp", ...EXEC_AGENT_PATHS] : ["/tmp"],
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
    exec: service.exec,
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
      testTrafficWaitMinutes: service.deployment.testTrafficWaitMinutes,
      alarms: service.deployment.alarms,
    },
  };
}
