/** The `webServices` section: what loads, and each cross-key check with the one line it gives. */
import { writeFileSync } from "fs";
import { join } from "path";
import { stringify } from "yaml";
import { loadEnvironment } from "../../src/manifest/load";
import { tempDir } from "../support/app";
import { errorOf, stagingManifest } from "../support/manifests";

function withService(webServices: Record<string, unknown>, hostnames = ["shop.example.com", "www.example.com"]): any {
  return {
    ...stagingManifest(),
    service: { domain: { hostedZoneId: "Z0123456789EXAMPLE", zoneName: "example.com", hostnames } },
    webServices,
  };
}

function load(manifest: unknown) {
  const file = join(tempDir(), "staging.yaml");
  writeFileSync(file, stringify(manifest));
  return { file, load: () => loadEnvironment(file) };
}

function problem(manifest: unknown): string {
  const { file, load: run } = load(manifest);
  return errorOf(run).replace(file, "FILE");
}

const api = { routing: { paths: ["/api/*"] } };

describe("webServices", () => {
  it("load with the service's defaults for size, count, scaling and deployment", () => {
    const { manifest, plan } = load(withService({ api })).load() as any;
    expect(manifest.webServices.api).toMatchObject({ cpu: 0.5, memory: 1024, desiredCount: 2, deployment: { trafficShifting: "allAtOnce", terminationWaitMinutes: 5 } });
    expect(plan.webServices.map((w: any) => [w.name, w.routing])).toEqual([["api", { hosts: ["shop.example.com", "www.example.com"], paths: ["/api/*"], priority: 10 }]]);
  });

  it("are refused without a service whose load balancer they join", () => {
    const manifest = { ...stagingManifest(), webServices: { api } };
    expect(problem(manifest)).toBe("FILE: webServices.api: needs the service's load balancer and images; expected a `service` section with a domain");
  });

  it("must route something, within a rule's five values", () => {
    expect(problem(withService({ api: { routing: {} } }))).toBe("FILE: webServices.api.routing: routes nothing; expected hosts, paths or both");
    const paths = ["/a/*", "/b/*", "/c/*", "/d/*"];
    expect(problem(withService({ api: { routing: { paths } } }))).toBe(
      "FILE: webServices.api.routing: the service's 2 hostnames and 4 paths make 6 values; a load balancer rule matches at most 5",
    );
    expect(() => load(withService({ api: { routing: { hosts: ["api.example.com"], paths } } })).load()).not.toThrow();
  });

  it("take hosts in the zone only, each once, and each path once", () => {
    expect(problem(withService({ admin: { routing: { hosts: ["admin.example.org"] } } }))).toBe(
      "FILE: webServices.admin.routing.hosts[0]: admin.example.org is not in the zone example.com; expected a name ending in .example.com",
    );
    expect(problem(withService({ admin: { routing: { hosts: ["admin.example.com", "admin.example.com"] } } }))).toBe(
      "FILE: webServices.admin.routing.hosts[1]: admin.example.com is listed twice; expected distinct hostnames",
    );
    expect(problem(withService({ api: { routing: { paths: ["/api/*", "/api/*"] } } }))).toBe("FILE: webServices.api.routing.paths[1]: /api/* is listed twice; expected distinct paths");
  });

  it("need distinct priorities, defaults included, and distinct routes", () => {
    const admin = { routing: { hosts: ["admin.example.com"], priority: 10 } };
    expect(problem(withService({ api, admin }))).toBe("FILE: webServices.admin.routing.priority: 10 is also webServices.api's priority; expected distinct priorities");
    expect(problem(withService({ api, other: { routing: { paths: ["/api/*"] } } }))).toBe(
      "FILE: webServices.other.routing: routes exactly what webServices.api routes, so one of them never gets a request; expected different hosts or paths",
    );
  });

  it("keep their target group names within 32 characters", () => {
    const manifest = withService({ "long-name-ab": api });
    manifest.app = "shopping-mall";
    expect(problem(manifest)).toBe(
      'FILE: webServices.long-name-ab: makes the target group name "shopping-mall-staging-long-name-ab-green" 40 characters; AWS allows 32: shorten the name "long-name-ab"',
    );
  });

  it("keep the certificate within ACM's 10 names", () => {
    const hosts = (from: number) => [0, 1, 2, 3].map((i) => `h${from + i}.example.com`);
    const manifest = withService({ aa: { routing: { hosts: hosts(0) } }, bb: { routing: { hosts: hosts(4) } } }, ["shop.example.com", "www.example.com", "x.example.com"]);
    expect(problem(manifest)).toBe("FILE: webServices: the certificate would cover 11 names (service.domain.hostnames and routing.hosts); ACM allows 10 by default");
  });

  it("are checked like the service: size, count, rollback window and plain-text secrets", () => {
    expect(problem(withService({ api: { ...api, cpu: 0.25, memory: 4096 } }))).toBe("FILE: webServices.api.memory: 4096 MiB is not valid with 0.25 vCPU; expected one of 512, 1024, 2048");
    expect(problem(withService({ api: { ...api, desiredCount: 1 } }))).toBe("FILE: webServices.api.desiredCount: 1 is outside autoScaling's 2..10; expected a count within it");
    expect(problem(withService({ api: { ...api, deployment: { terminationWaitMinutes: 1 } } }))).toBe(
      "FILE: webServices.api.deployment.terminationWaitMinutes: 1 ends the deployment before its alarms can fire (2 one-minute periods, published a minute late); expected at least 3, or deployment.alarms.enabled: false",
    );
    expect(problem(withService({ api: { ...api, django: { environment: { API_TOKEN: "x" } } } }))).toBe(
      "FILE: webServices.api.django.environment.API_TOKEN: looks like a secret; expected it under webServices.api.django.secrets as a Secrets Manager or SSM parameter ARN, never as plain text",
    );
    const key = "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/key";
    expect(problem(withService({ api: { ...api, django: { environment: { KEY: "x" }, secrets: { KEY: key } } } }))).toBe("FILE: webServices.api.django.secrets.KEY: is also set in environment; expected one of the two");
  });

  it("refuse a bad name or path with the schema's line", () => {
    expect(problem(withService({ API: api }))).toMatch(/^FILE: webServices\.API: expected a name of 2 to 12 lowercase letters/);
    expect(problem(withService({ api: { routing: { paths: ["api/*"] } } }))).toMatch(/^FILE: webServices\.api\.routing\.paths\[0\]: expected a path pattern such as \/api\/\*/);
    expect(problem(withService({ api: { routing: { paths: ["/api/*"], priority: 100 } } }))).toMatch(/^FILE: webServices\.api\.routing\.priority: expected 1 to 99/);
  });
});

describe("the settings added on top of the service's", () => {
  it("are held to the service's limits: no plain-text secret value, no variable the project sets", () => {
    expect(problem(withService({ api: { ...api, django: { environment: { CACHE: "redis://user:hunter2@cache:6379/0" } } } }))).toBe(
      "FILE: webServices.api.django.environment.CACHE: holds a URL with a password in plain text; expected the secret under webServices.api.django.secrets, by ARN",
    );
    expect(problem(withService({ api: { ...api, django: { environment: { ALLOWED_HOSTS: "*" } } } }))).toBe(
      "FILE: webServices.api.django.environment.ALLOWED_HOSTS: is set by the project from service.domain.hostnames and the Cloud Map name; expected to leave it out (change service.domain.hostnames and the Cloud Map name instead)",
    );
    const worker = { command: ["celery"], environment: { BROKER: "amqp://guest:guest@mq:5672//" } };
    expect(problem({ ...withService({}), workers: { celery: worker } })).toBe(
      "FILE: workers.celery.environment.BROKER: holds a URL with a password in plain text; expected the secret under workers.celery.secrets, by ARN",
    );
  });
});
