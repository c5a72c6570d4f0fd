/** Cross-key checks of the `webServices` section. */
import { resourceNames } from "../plan/names";
import { defaultPriority } from "../plan/web-services";
import type { AwsManifest } from "./schema";
import type { ManifestProblem } from "./validate";
import { checkRollbackWindow, checkScaling, checkSettings, checkSize } from "./validate-task";

/** An ALB listener rule matches at most this many values across its conditions. */
const RULE_VALUES = 5;
/** ACM's default quota of names on one certificate. */
const CERTIFICATE_NAMES = 10;
const TARGET_GROUP_NAME = 32;

export function findWebServicesProblem(manifest: AwsManifest): ManifestProblem | undefined {
  const entries = Object.entries(manifest.webServices);
  if (entries.length === 0) return undefined;
  const service = manifest.service;
  if (!service?.domain) return { path: `webServices.${entries[0][0]}`, message: "needs the service's load balancer and images; expected a `service` section with a domain" };
  const { zoneName, hostnames } = service.domain;
  const certificate = new Set(hostnames);
  const priorities = new Map<number, string>();
  const routes = new Map<string, string>();
  const allNames = resourceNames(manifest.app, manifest.environment);

  for (const [i, [name, spec]] of entries.entries()) {
    const at = `webServices.${name}`;
    const { hosts, paths } = spec.routing;
    if (hosts.length + paths.length === 0) return { path: `${at}.routing`, message: "routes nothing; expected hosts, paths or both" };
    // Paths alone are matched on the service's hostnames (the rule lists them).
    const ruleHosts = hosts.length ? hosts.length : hostnames.length;
    if (ruleHosts + paths.length > RULE_VALUES) {
      const counted = hosts.length ? `${hosts.length} hosts` : `the service's ${hostnames.length} hostnames`;
      return { path: `${at}.routing`, message: `${counted} and ${paths.length} paths make ${ruleHosts + paths.length} values; a load balancer rule matches at most ${RULE_VALUES}` };
    }
    for (const [j, host] of hosts.entries()) {
      if (host !== zoneName && !host.endsWith(`.${zoneName}`)) {
        return { path: `${at}.routing.hosts[${j}]`, message: `${host} is not in the zone ${zoneName}; expected a name ending in .${zoneName}` };
      }
      if (hosts.indexOf(host) !== j) return { path: `${at}.routing.hosts[${j}]`, message: `${host} is listed twice; expected distinct hostnames` };
      certificate.add(host);
    }
    const duplicatePath = paths.findIndex((p, j) => paths.indexOf(p) !== j);
    if (duplicatePath >= 0) return { path: `${at}.routing.paths[${duplicatePath}]`, message: `${paths[duplicatePath]} is listed twice; expected distinct paths` };

    const priority = spec.routing.priority ?? defaultPriority(i);
    const taken = priorities.get(priority);
    if (taken) {
      return { path: `${at}.routing.priority`, message: `${priority} is also webServices.${taken}'s priority${spec.routing.priority === undefined ? " (by default 10, 20, 30... in order)" : ""}; expected distinct priorities` };
    }
    priorities.set(priority, name);
    const route = JSON.stringify([[...hosts].sort(), [...paths].sort()]);
    const same = routes.get(route);
    if (same) return { path: `${at}.routing`, message: `routes exactly what webServices.${same} routes, so one of them never gets a request; expected different hosts or paths` };
    routes.set(route, name);

    const names = allNames.webService(name);
    const long = [names.targetGroupGreen, names.targetGroupBlue].find((n) => n.length > TARGET_GROUP_NAME);
    if (long) return { path: at, message: `makes the target group name "${long}" ${long.length} characters; AWS allows ${TARGET_GROUP_NAME}: shorten the name "${name}"` };

    const problem = checkTask(at, spec);
    if (problem) return problem;
  }
  if (certificate.size > CERTIFICATE_NAMES) {
    return { path: "webServices", message: `the certificate would cover ${certificate.size} names (service.domain.hostnames and routing.hosts); ACM allows ${CERTIFICATE_NAMES} by default` };
  }
  return undefined;
}

function checkTask(at: string, spec: AwsManifest["webServices"][string]): ManifestProblem | undefined {
  return checkSize(at, spec) ?? checkScaling(at, spec.desiredCount, spec.autoScaling) ?? checkRollbackWindow(at, spec.deployment) ?? checkSettings(`${at}.django`, spec.django);
}
