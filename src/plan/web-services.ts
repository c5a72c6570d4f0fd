/**
 * More web services on the service's load balancer (`webServices`), each routed by host or path. Pure:
 * each is the service's own two containers (the same images, nginx config and health checks) with its
 * own size, count, Django settings, target groups and CodeDeploy deployment group.
 */
import type { WebServiceManifest } from "../manifest/web-services-schema";
import { TRAFFIC_SHIFTING } from "../manifest/service-schema";
import { cpuUnits } from "./fargate";
import type { ResourceNames } from "./names";
import type { ContainerSpec, ServicePlan } from "./service";

/** The priority of the service's own forward rule: routed services come before it. */
export const SERVICE_RULE_PRIORITY = 100;
/** Default priorities go 10, 20, 30...: room to slot one in between without renumbering. */
const PRIORITY_STEP = 10;

export interface WebServiceRouting {
  /** Host header values: the manifest's, or else the service's hostnames. */
  hosts: string[];
  /** Path patterns; empty: every path. */
  paths: string[];
  /** The listener rules' priority, below SERVICE_RULE_PRIORITY. */
  priority: number;
}

export interface RoutedWebServicePlan {
  /** The manifest's name. */
  name: string;
  names: ReturnType<ResourceNames["webService"]>;
  routing: WebServiceRouting;
  /** Its hosts that neither the service nor an earlier routed service has: it adds them to the certificate and DNS. */
  ownHostnames: string[];
  task: { cpu: number; memory: number };
  /** django and nginx, as the service runs them, with this service's settings and the log stream prefix `web-<name>`. */
  containers: ContainerSpec[];
  entrypoint: ServicePlan["entrypoint"];
  desiredCount: number;
  autoScaling: ServicePlan["autoScaling"];
  deployment: ServicePlan["deployment"];
}

/** The listener rules' priority of the routed web service at `index` in the manifest, unless it sets one. */
export function defaultPriority(index: number): number {
  return PRIORITY_STEP * (index + 1);
}

export function planWebServices(
  manifest: Record<string, WebServiceManifest>,
  service: ServicePlan | undefined,
): RoutedWebServicePlan[] {
  if (!service) return [];
  const own = new Set(service.domain?.hostnames ?? []);
  // A host two routed services share (by path) gets its DNS records once, with the first of them.
  const claimed = new Set(own);
  return Object.entries(manifest).map(([name, spec], i): RoutedWebServicePlan => {
    const hostnames = [...own, ...spec.routing.hosts.filter((h) => !own.has(h))];
    const ownHostnames = spec.routing.hosts.filter((h) => !claimed.has(h));
    ownHostnames.forEach((h) => claimed.add(h));
    const containers = service.containers.map((c): ContainerSpec => {
      // The containers share the task's CPU: the service's cpuSplit was for the service's size.
      const base = { ...c, logStreamPrefix: `web-${name}`, cpu: undefined };
      if (c.name !== "django") return base;
      return {
        ...base,
        command: spec.django.command ?? c.command,
        environment: { ...c.environment, ALLOWED_HOSTS: hostnames.join(","), ...spec.django.environment },
        secrets: { ...c.secrets, ...spec.django.secrets },
      };
    });
    return {
      name,
      names: service.names.webService(name),
      // Without hosts, the paths are matched on the service's hostnames only: any other host keeps its 404.
      routing: { hosts: spec.routing.hosts.length ? spec.routing.hosts : [...own], paths: spec.routing.paths, priority: spec.routing.priority ?? defaultPriority(i) },
      ownHostnames,
      task: { cpu: cpuUnits(spec.cpu), memory: spec.memory },
      containers,
      entrypoint: service.entrypoint,
      desiredCount: spec.desiredCount,
      autoScaling: spec.autoScaling,
      deployment: {
        config: TRAFFIC_SHIFTING[spec.deployment.trafficShifting],
        terminationWaitMinutes: spec.deployment.terminationWaitMinutes,
        testTrafficWaitMinutes: spec.deployment.testTrafficWaitMinutes,
        alarms: spec.deployment.alarms,
      },
    };
  });
}

/** Every secret a routed web service reads (their execution role is the service's). */
export function webServiceSecretArns(plans: RoutedWebServicePlan[]): string[] {
  return [...new Set(plans.flatMap((p) => p.containers.flatMap((c) => Object.values(c.secrets))))];
}
