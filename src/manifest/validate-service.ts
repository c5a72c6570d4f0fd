/** Cross-key checks of the `service` section. */
import { fargateSizeProblem } from "../plan/fargate";
import { ALARM_PERIODS, ALARM_WINDOW_MINUTES } from "../plan/service";
import type { ServiceManifest } from "./service-schema";
import type { ManifestProblem } from "./validate";

/** Environment variable names that hold secrets: those belong in `secrets`, by ARN. */
export const SECRET_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

export function findServiceProblem(service: ServiceManifest, platform: "aws" | "docker"): ManifestProblem | undefined {
  const size = fargateSizeProblem(service.cpu, service.memory);
  if (size) return { path: `service.${size.path}`, message: size.message };

  if (!service.domain) {
    return platform === "aws"
      ? { path: "service.domain", message: "missing; expected hostedZoneId, zoneName and hostnames (the service's HTTPS names)" }
      : checkContainers(service);
  }
  const { zoneName, hostnames } = service.domain;
  for (const [i, host] of hostnames.entries()) {
    if (host !== zoneName && !host.endsWith(`.${zoneName}`)) {
      return { path: `service.domain.hostnames[${i}]`, message: `${host} is not in the zone ${zoneName}; expected a name ending in .${zoneName}` };
    }
    if (hostnames.indexOf(host) !== i) {
      return { path: `service.domain.hostnames[${i}]`, message: `${host} is listed twice; expected distinct hostnames` };
    }
  }

  const scaling = service.autoScaling;
  if (scaling.minCapacity > scaling.maxCapacity) {
    return {
      path: "service.autoScaling.minCapacity",
      message: `${scaling.minCapacity} is above maxCapacity ${scaling.maxCapacity}; expected minCapacity <= maxCapacity`,
    };
  }
  if (service.desiredCount < scaling.minCapacity || service.desiredCount > scaling.maxCapacity) {
    return {
      path: "service.desiredCount",
      message: `${service.desiredCount} is outside autoScaling's ${scaling.minCapacity}..${scaling.maxCapacity}; expected a count within it`,
    };
  }

  const { deployment } = service;
  if (deployment.alarms.enabled && deployment.terminationWaitMinutes < ALARM_WINDOW_MINUTES) {
    return {
      path: "service.deployment.terminationWaitMinutes",
      message: `${deployment.terminationWaitMinutes} ends the deployment before its alarms can fire (${ALARM_PERIODS} one-minute periods, published a minute late); expected at least ${ALARM_WINDOW_MINUTES}, or deployment.alarms.enabled: false`,
    };
  }

  return checkContainers(service);
}

function checkContainers(service: ServiceManifest): ManifestProblem | undefined {
  if (service.django.port === service.nginx.port) {
    return { path: "service.django.port", message: `${service.django.port} is nginx's port too; expected another port (they share localhost)` };
  }
  const testPort = service.loadBalancer.testListener.port;
  if (testPort === 80 || testPort === 443) {
    return { path: "service.loadBalancer.testListener.port", message: `${testPort} is a production listener's port; expected another, such as 8443` };
  }

  const secretLike = Object.keys(service.django.environment).find((name) => SECRET_LIKE.test(name));
  if (secretLike) {
    return {
      path: `service.django.environment.${secretLike}`,
      message: "looks like a secret; expected it under service.django.secrets as a Secrets Manager or SSM parameter ARN, never as plain text",
    };
  }
  const both = Object.keys(service.django.secrets).find((name) => name in service.django.environment);
  if (both) {
    return { path: `service.django.secrets.${both}`, message: "is also set in environment; expected one of the two" };
  }
  return undefined;
}
