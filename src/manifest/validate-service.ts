/** Cross-key checks of the `service` section. */
import type { ServiceManifest } from "./service-schema";
import type { ManifestProblem } from "./validate";
import { checkRollbackWindow, checkScaling, checkSettings, checkSize } from "./validate-task";

export function findServiceProblem(service: ServiceManifest, platform: "aws" | "docker"): ManifestProblem | undefined {
  const size = checkSize("service", service);
  if (size) return size;

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

  const problem = checkScaling("service", service.desiredCount, service.autoScaling) ?? checkRollbackWindow("service", service.deployment);
  if (problem) return problem;

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

  return checkSettings("service.django", service.django);
}
