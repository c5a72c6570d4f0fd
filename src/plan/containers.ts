/**
 * ECS container definitions, built from the service plan's container specs.
 * Pure: image URIs and log settings come in as values (or Terraform references).
 */
import type { ContainerName, ContainerSpec } from "./service";

export interface ContainerRuntime {
  /** The image URI of each container. */
  images: Record<ContainerName, string>;
  logGroup: string;
  region: string;
  /** Environment known only at deploy time, such as a created Redis endpoint. */
  extraEnvironment?: Partial<Record<ContainerName, Record<string, string>>>;
}

/** The task volume that backs one scratch folder of one container. */
export function scratchVolumeName(container: ContainerName, path: string): string {
  return `${container}${path.replace(/[^A-Za-z0-9]+/g, "-")}`.replace(/-$/, "");
}

export function scratchVolumeNames(containers: ContainerSpec[]): string[] {
  return containers.flatMap((c) => c.scratchPaths.map((p) => scratchVolumeName(c.name, p)));
}

const sortedPairs = (record: Record<string, string>, valueKey: "value" | "valueFrom") =>
  Object.keys(record)
    .sort()
    .map((name) => ({ name, [valueKey]: record[name] }));

export function containerDefinitions(containers: ContainerSpec[], runtime: ContainerRuntime): object[] {
  return containers.map((c) => ({
    name: c.name,
    image: runtime.images[c.name],
    essential: true,
    ...(c.command ? { command: c.command } : {}),
    ...(c.cpu !== undefined ? { cpu: c.cpu } : {}),
    portMappings: c.port === undefined ? [] : [{ containerPort: c.port, hostPort: c.port, protocol: "tcp" }],
    environment: sortedPairs({ ...c.environment, ...runtime.extraEnvironment?.[c.name] }, "value"),
    secrets: sortedPairs(c.secrets, "valueFrom"),
    ...(c.healthCheck
      ? {
          healthCheck: {
            command: c.healthCheck.command,
            interval: c.healthCheck.intervalSeconds,
            timeout: c.healthCheck.timeoutSeconds,
            retries: c.healthCheck.retries,
            startPeriod: c.healthCheck.startPeriodSeconds,
          },
        }
      : {}),
    dependsOn: c.startsAfterHealthy.map((name) => ({ containerName: name, condition: "HEALTHY" })),
    readonlyRootFilesystem: true,
    mountPoints: c.scratchPaths.map((path) => ({ sourceVolume: scratchVolumeName(c.name, path), containerPath: path, readOnly: false })),
    // An init process reaps zombies and forwards SIGTERM, so gunicorn and nginx shut down gracefully.
    linuxParameters: { initProcessEnabled: true },
    stopTimeout: c.stopTimeoutSeconds ?? 30,
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": runtime.logGroup, "awslogs-region": runtime.region, "awslogs-stream-prefix": c.logStreamPrefix ?? c.name },
    },
  }));
}
