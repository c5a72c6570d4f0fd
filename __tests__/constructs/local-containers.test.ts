/** The local stack's containers are the Fargate task's, derived from the same service plan. */
import { spawnSync } from "child_process";
import { writeFileSync } from "fs";
import { join } from "path";
import { LocalContainers } from "../../src/constructs/local-containers";
import { loadProject } from "../../src/manifest/load";
import { containerDefinitions } from "../../src/plan/containers";
import { LocalPlan } from "../../src/plan/local";
import { TERRAFORM } from "../../src/terraform/offline";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, tempDir, testApp } from "../support/app";
import { FIXTURE_ENVIRONMENTS } from "../support/project";
import { servicePlan } from "../support/service";
import { describeWithTerraform } from "../support/terraform";

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

/** The fixture local environment: a Celery worker and beat, an hourly job and a release task. */
function fixtureLocalPlan(): LocalPlan {
  const local = loadProject(FIXTURE_ENVIRONMENTS).environments.find((e) => e.platform === "docker");
  if (!local || local.platform !== "docker") throw new Error("the fixtures have no docker environment");
  return local.plan;
}

describe("LocalContainers with workers, a scheduled job and release tasks", () => {
  const plan = fixtureLocalPlan();
  const json = synth(plan);
  const containers = resourcesOf(json, "docker_container");
  const prefix = plan.prefix;

  it("matches the snapshot", () => {
    expect({ docker_container: containers, terraform_data: resourcesOf(json, "terraform_data") }).toMatchSnapshot();
  });

  it("runs each worker as its ECS definition: command, health check, read-only root, /tmp, stop timeout, Redis", () => {
    expect(plan.background.workers.map((w) => w.name)).toEqual(["celery", "beat"]);
    for (const worker of plan.background.workers) {
      const [ecs] = containerDefinitions([worker.container], { images: { django: "d" } as any, logGroup: "g", region: "r" }) as any[];
      const local = containers[`local_worker-${worker.name}`];
      expect(local.name).toBe(`${prefix}-worker-${worker.name}`);
      expect(local.image).toBe("${docker_image.local_django-image.image_id}");
      expect(local.command).toEqual(ecs.command);
      expect(local.healthcheck?.test).toEqual(ecs.healthCheck?.command);
      expect(local.read_only).toBe(ecs.readonlyRootFilesystem);
      expect(Object.keys(local.tmpfs)).toEqual(ecs.mountPoints.map((m: any) => m.containerPath));
      expect(local.tmpfs["/tmp"]).toBe("rw,size=64m"); // the image declares VOLUME /tmp: Docker's 1777, as on Fargate
      expect(local.stop_timeout).toBe(ecs.stopTimeout);
      expect(local.init).toBe(true);
      expect(local.restart).toBe("unless-stopped");
      for (const { name, value } of ecs.environment) expect(local.env).toContain(`${name}=${value}`);
      expect(local.env).toContain("REDIS_URL=redis://redis:6379/0");
    }
  });

  it("runs the release tasks, then the scheduled job, once per deploy, before Django and the workers start", () => {
    const release = containers["local_release-deploy-check"];
    const job = containers["local_job-heartbeat"];
    expect(release.command).toEqual(["python", "manage.py", "check", "--deploy", "--fail-level", "ERROR"]);
    expect(job.command).toEqual(["python", "manage.py", "heartbeat"]);
    expect(release.depends_on).toEqual(["docker_container.local_redis"]);
    expect(job.depends_on).toEqual(["docker_container.local_release-deploy-check"]);
    for (const name of ["django", "worker-celery", "worker-beat"]) expect(containers[`local_${name}`].depends_on).toEqual(["docker_container.local_job-heartbeat"]);
    for (const run of [release, job]) {
      expect(run).toMatchObject({ attach: true, must_run: false, restart: "no", read_only: true });
      expect(run.lifecycle.replace_triggered_by).toEqual(["terraform_data.local_deploy"]);
      expect(run.lifecycle.postcondition).toEqual([{ condition: "${self.exit_code == 0}", error_message: expect.stringContaining(`docker logs ${run.name} says why`) }]);
    }
    expect(resourcesOf(json, "terraform_data").local_deploy.triggers_replace).toEqual({ at: "${timestamp()}" });
    expect(containers.local_redis.wait).toBe(true);
  });

  it("adds nothing when the manifest has no background side", () => {
    const plain = synth(localPlan());
    expect(Object.keys(resourcesOf(plain, "docker_container")).sort()).toEqual(["local_django", "local_nginx", "local_redis"]);
    expect(resourcesOf(plain, "terraform_data")).toEqual({});
  });
});

/**
 * The Docker provider is not in the offline mirror, so Terraform cannot apply the local stack here.
 * Its ordering and failure rules are Terraform's own, though: each docker_container becomes a built-in
 * terraform_data with the same depends_on and lifecycle, and a one-off's exit code becomes its input.
 */
describeWithTerraform("the local stack's one-off runs under Terraform (docker_container as terraform_data)", () => {
  const json = synth(fixtureLocalPlan());
  const dir = tempDir("local-runs-");

  function write(exitCodes: Record<string, number>): void {
    const data: Record<string, any> = { ...resourcesOf(json, "terraform_data") };
    for (const [id, container] of Object.entries<any>(resourcesOf(json, "docker_container"))) {
      const meta = JSON.parse(JSON.stringify({ depends_on: container.depends_on, lifecycle: container.lifecycle }).replace(/docker_container\./g, "terraform_data.").replace(/self\.exit_code/g, "self.output"));
      data[id] = { input: container.attach ? (exitCodes[id] ?? 0) : id, ...meta };
    }
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: data } }));
  }
  const terraform = (...args: string[]) => spawnSync(TERRAFORM, [...args, "-no-color"], { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  const apply = () => terraform("apply", "-auto-approve", "-input=false");
  const state = () => terraform("state", "list").stdout.trim().split("\n").filter(Boolean).sort();

  it("stops at a failing release task with its message, and starts neither Django nor the workers", () => {
    write({ "local_release-deploy-check": 1 });
    expect(terraform("init", "-input=false").status).toBe(0);
    const result = apply();
    expect(result.status).toBe(1);
    expect(result.stderr.replace(/\s+/g, " ")).toContain("The release task deploy-check exited with code 1: docker logs inpock-local-release-deploy-check says why.");
    const listed = state(); // one `terraform state list` for the four assertions
    expect(listed).toContain("terraform_data.local_redis");
    expect(listed).not.toContain("terraform_data.local_django");
    expect(listed).not.toContain("terraform_data.local_worker-celery");
    expect(listed).not.toContain("terraform_data.local_job-heartbeat");
  }, 60000);

  it("fails the deploy when the scheduled job fails", () => {
    write({ "local_job-heartbeat": 1 });
    const result = apply();
    expect(result.status).toBe(1);
    expect(result.stderr.replace(/\s+/g, " ")).toContain("The scheduled job heartbeat exited with code 1: docker logs inpock-local-job-heartbeat says why.");
    expect(state()).not.toContain("terraform_data.local_django");
  }, 60000);

  it("starts everything once the runs exit 0, and runs them again (only them) on the next deploy", () => {
    write({});
    expect(apply().status).toBe(0);
    expect(state()).toEqual(expect.arrayContaining(["terraform_data.local_django", "terraform_data.local_nginx", "terraform_data.local_worker-beat", "terraform_data.local_worker-celery"]));
    const plan = terraform("plan", "-input=false");
    expect(plan.stdout).toContain("terraform_data.local_release-deploy-check will be replaced due to changes in replace_triggered_by");
    expect(plan.stdout).toContain("terraform_data.local_job-heartbeat will be replaced due to changes in replace_triggered_by");
    expect(plan.stdout).not.toMatch(/terraform_data\.local_(django|nginx|worker-\w+|redis) (will|must) be/);
  }, 60000);
});
