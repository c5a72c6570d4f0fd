/** What the release workflow reads comes from the plan: nothing is copied by hand. */
import { join } from "path";
import { parse } from "yaml";
import { appSpec, releaseConfig } from "../../src/release/release-config";
import { FIXTURE_ENVIRONMENTS, fixtureProject } from "../support/project";

const production = () => {
  const env = fixtureProject().environments.find((e) => e.manifest.environment === "production")!;
  if (env.platform !== "aws") throw new Error("expected an AWS environment");
  return env.plan;
};

/** The fixture project's stacks, synthesized once for the two tests that compare names with them (loaded lazily). */
let synthesized: Promise<any[]> | undefined;
const fixtureStacks = (): Promise<any[]> => (synthesized ??= require("../support/project").synthesizeProject());

describe("release settings", () => {
  it("name the stack's resources, the builds and the GitHub roles", () => {
    expect(releaseConfig(production())).toEqual({
      environment: "production",
      region: "ap-northeast-2",
      accountId: "111111111111",
      registry: "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com",
      repositories: { django: "inpock/production/django", nginx: "inpock/production/nginx" },
      builds: {
        django: { context: "app/django", dockerfile: "app/django/Dockerfile", buildArgs: {} },
        nginx: { context: "app", dockerfile: "app/nginx/Dockerfile", buildArgs: { NGINX_PORT: "80", DJANGO_UPSTREAM: "127.0.0.1:8000" } },
      },
      cluster: "inpock-production",
      service: "inpock-production-web",
      taskFamily: "inpock-production-web",
      containers: { django: 8000, nginx: 80 },
      codeDeploy: { application: "inpock-production", deploymentGroup: "inpock-production-web" },
      roles: {
        plan: "arn:aws:iam::111111111111:role/inpock-production-github-plan",
        deploy: "arn:aws:iam::111111111111:role/inpock-production-github-deploy",
        release: "arn:aws:iam::111111111111:role/inpock-production-github-release",
      },
      promoteFrom: "staging",
      networkParameter: "/inpock/production/web/network-configuration",
      workers: [
        { name: "celery", service: "inpock-production-worker-celery", family: "inpock-production-worker-celery" },
        { name: "beat", service: "inpock-production-worker-beat", family: "inpock-production-worker-beat" },
      ],
      scheduled: [{ name: "heartbeat", family: "inpock-production-job-heartbeat" }],
      webServices: [],
      releaseTasks: {
        family: "inpock-production-release",
        securityGroup: "inpock-production-release",
        platformVersion: "1.4.0",
        tasks: [{ name: "deploy-check", command: ["python", "manage.py", "check", "--deploy", "--fail-level", "ERROR"], timeoutMinutes: 15 }],
      },
    });
  });

  it("give CodeDeploy an AppSpec naming the load-balanced container and port", () => {
    expect(parse(appSpec(production()))).toEqual({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: "<TASK_DEFINITION>",
              LoadBalancerInfo: { ContainerName: "nginx", ContainerPort: 80 },
              PlatformVersion: "1.4.0",
            },
          },
        },
      ],
    });
  });

  it("name each routed web service's resources, and they match what the stack synthesizes", async () => {
    const env = fixtureProject().environments.find((e) => e.manifest.environment === "staging")!;
    if (env.platform !== "aws") throw new Error("expected an AWS environment");
    const config = releaseConfig(env.plan);
    expect(config.webServices).toEqual([
      {
        name: "api",
        service: "inpock-staging-web-api",
        family: "inpock-staging-web-api",
        deploymentGroup: "inpock-staging-web-api",
        networkParameter: "/inpock/staging/web-api/network-configuration",
        container: "nginx",
        port: 80,
        platformVersion: "1.4.0",
        waitMinutes: 33,
      },
    ]);
    const json = (await fixtureStacks()).find((s: any) => s.name === "staging").json;
    const values = (type: string, key: string) => Object.values<any>(json.resource[type]).map((r) => r[key]);
    for (const web of config.webServices) {
      expect(values("aws_ecs_service", "name")).toContain(web.service);
      expect(values("aws_ecs_task_definition", "family")).toContain(web.family);
      expect(values("aws_codedeploy_deployment_group", "deployment_group_name")).toContain(web.deploymentGroup);
      expect(values("aws_ssm_parameter", "name")).toContain(web.networkParameter);
    }
  });

  it("match the names the stack synthesizes", () => {
    return fixtureStacks().then((stacks: any[]) => {
      const json = stacks.find((s) => s.name === "production").json;
      const config = releaseConfig(production());
      const services = Object.values<any>(json.resource.aws_ecs_service);
      expect(services.filter((s) => s.deployment_controller.type === "CODE_DEPLOY").map((s) => s.name)).toEqual([config.service]);
      expect(services.filter((s) => s.deployment_controller.type === "ECS").map((s) => s.name).sort()).toEqual(config.workers.map((w) => w.service).sort());
      expect(Object.values<any>(json.resource.aws_ecs_cluster)[0].name).toBe(config.cluster);
      const families = (workload: string) => Object.values<any>(json.resource.aws_ecs_task_definition).filter((t) => t.tags.workload === workload).map((t) => t.family).sort();
      expect(families("web")).toEqual([config.taskFamily]);
      expect(families("worker")).toEqual(config.workers.map((w) => w.family).sort());
      expect(families("scheduled")).toEqual(config.scheduled.map((j) => j.family));
      expect(families("release")).toEqual([config.releaseTasks!.family]);
      expect(Object.values<any>(json.resource.aws_security_group).map((g) => g.name)).toContain(config.releaseTasks!.securityGroup);
      expect(Object.values<any>(json.resource.aws_ecr_repository).map((r) => r.name)).toEqual(Object.values(config.repositories));
      expect(Object.values<any>(json.resource.aws_iam_role).map((r) => r.name)).toEqual(
        expect.arrayContaining(Object.values(config.roles!).map((arn) => arn.split("/")[1])),
      );
      expect(Object.values<any>(json.resource.aws_codedeploy_deployment_group)[0].deployment_group_name).toBe(config.codeDeploy.deploymentGroup);
    });
  });
});

/** Runs the CLI on the fixture environments, capturing what it prints on one console stream. */
function onFixtures(stream: "log" | "error", run: () => number): { code: number; lines: string[] } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, stream).mockImplementation((...args: unknown[]) => void lines.push(String(args[0])));
  const previous = process.env.ENVIRONMENTS_DIR;
  process.env.ENVIRONMENTS_DIR = FIXTURE_ENVIRONMENTS;
  try {
    return { code: run(), lines };
  } finally {
    spy.mockRestore();
    if (previous === undefined) delete process.env.ENVIRONMENTS_DIR;
    else process.env.ENVIRONMENTS_DIR = previous;
  }
}

describe("npm run release-config", () => {
  it("names the known environments when asked for another", () => {
    const { releaseCli } = require("../../src/release/cli");
    const { code, lines: errors } = onFixtures("error", () => releaseCli(["prod", join(require("os").tmpdir(), "unused")]));
    expect(code).toBe(1);
    expect(errors).toEqual(["prod: no such environment; expected one of: local, production, staging"]);
  });
});

describe("releaseOrder: the workflows' environment list, from the manifests", () => {
  const { releaseOrder } = require("../../src/release/release-config");
  const plan = (environment: string, promoteFrom?: string) => ({ environment, github: promoteFrom ? { promoteFrom } : undefined }) as any;

  it("puts each environment after the one it promotes from, the rest by name", () => {
    expect(releaseOrder([plan("production", "staging"), plan("staging"), plan("qa")])).toEqual(["qa", "staging", "production"]);
    expect(releaseOrder([plan("prod", "stage"), plan("stage", "dev"), plan("dev")])).toEqual(["dev", "stage", "prod"]);
  });

  it("names a circle or an unknown source in one line", () => {
    expect(() => releaseOrder([plan("a", "b"), plan("b", "a")])).toThrow("a -> b -> a: github.promoteFrom goes round in a circle; expected a chain that starts somewhere");
    expect(() => releaseOrder([plan("prod", "nope")])).toThrow("prod: github.promoteFrom: nope is not an AWS environment; expected one of: prod");
  });

  it("is what npm run release-config -- --matrix prints for the fixtures", () => {
    const { releaseCli } = require("../../src/release/cli");
    const { code, lines } = onFixtures("log", () => releaseCli(["--matrix"]));
    expect(code).toBe(0);
    expect(JSON.parse(lines[0])).toEqual({
      include: [
        { environment: "staging", deployEnvironment: "staging" },
        { environment: "production", deployEnvironment: "production" },
      ],
    });
  });
});
