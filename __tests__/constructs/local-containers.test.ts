/** The local stack's containers are the Fargate task's, derived from the same service plan. */
import { LocalContainers } from "../../src/constructs/local-containers";
import { containerDefinitions } from "../../src/plan/containers";
import { LocalPlan } from "../../src/plan/local";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, testApp } from "../support/app";
import { servicePlan } from "../support/service";

function localPlan(overrides: Partial<LocalPlan> = {}): LocalPlan {
  return {
    app: "shop",
    environment: "local",
    prefix: "shop-local",
    hostPort: 8080,
    redis: true,
    service: servicePlan({ django: {} }),
    background: { workers: [], scheduled: [] },
    djangoEnvironment: { DJANGO_SECRET_KEY: "dev" },
    ...overrides,
  };
}

function synth(plan = localPlan()): any {
  const stack = new ProjectStack(testApp(), "test");
  new LocalContainers(stack, "local", { plan });
  return synthJson(stack);
}

describe("LocalContainers", () => {
  const json = synth();
  const containers = resourcesOf(json, "docker_container");

  it("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
  });

  it("uses the ECS task's health checks, environment and read-only layout, from the same plan", () => {
    const plan = localPlan();
    const ecs = containerDefinitions(plan.service.containers, {
      images: { django: "d", nginx: "n" },
      logGroup: "g",
      region: "r",
    }) as any[];
    for (const ecsContainer of ecs) {
      const local = containers[`local_${ecsContainer.name}`];
      expect(local.healthcheck.test).toEqual(ecsContainer.healthCheck.command);
      expect(local.healthcheck.interval).toBe(`${ecsContainer.healthCheck.interval}s`);
      expect(local.read_only).toBe(ecsContainer.readonlyRootFilesystem);
      expect(Object.keys(local.tmpfs).sort()).toEqual(ecsContainer.mountPoints.map((m: any) => m.containerPath).sort());
      for (const { name, value } of ecsContainer.environment) expect(local.env).toContain(`${name}=${value}`);
    }
  });

  it("lets nginx share Django's network namespace, as containers of one task share localhost", () => {
    expect(containers.local_nginx.network_mode).toBe("container:${docker_container.local_django.id}");
    expect(containers.local_django.ports).toEqual([{ internal: 80, external: 8080, ip: "127.0.0.1" }]);
    expect(containers.local_django.wait).toBe(true);
  });

  it("builds the images from app/ and passes nginx the ports through build arguments", () => {
    const images = resourcesOf(json, "docker_image");
    expect(images["local_django-image"].build.context).toBe("../../../app/django");
    expect(images["local_nginx-image"].build).toMatchObject({
      context: "../../../app",
      dockerfile: "nginx/Dockerfile",
      build_args: { NGINX_PORT: "80", DJANGO_UPSTREAM: "127.0.0.1:8000" },
    });
  });

  it("runs Redis and gives Django its URL, or neither", () => {
    expect(containers.local_django.env).toContain("REDIS_URL=redis://redis:6379/0");
    const withoutRedis = resourcesOf(synth(localPlan({ redis: false })), "docker_container");
    expect(withoutRedis.local_redis).toBeUndefined();
    expect(withoutRedis.local_django.env.some((e: string) => e.startsWith("REDIS_URL="))).toBe(false);
  });

  it("outputs the local URL", () => {
    expect(json.output.url.value).toBe("http://localhost:8080");
  });
});

describe("scratch folders owned as on Fargate", () => {
  const { declaredVolumes, fargateLikeTmpfs, imageBuilds } = require("../../src/constructs/app-images");
  const builds = imageBuilds(servicePlan({ django: {} }).containers);

  it("gives a folder the image declares a VOLUME Docker's 1777 tmpfs, and any other a root-owned 0755 one", () => {
    expect(declaredVolumes(builds.django)).toEqual(["/tmp"]);
    expect(declaredVolumes(builds.nginx)).toEqual([]);
    expect(fargateLikeTmpfs("/tmp", ["/tmp"])).toBe("rw,size=64m");
    expect(fargateLikeTmpfs("/tmp", [])).toBe("rw,size=64m,mode=0755");
  });

  it("treats an image it cannot read as declaring nothing (the stricter case)", () => {
    expect(declaredVolumes({ context: "../../../no-such-app" })).toEqual([]);
  });
});
