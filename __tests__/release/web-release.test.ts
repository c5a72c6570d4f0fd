/**
 * Releases of the routed web services against a recording double of the AWS CLI that answers as ECS, SSM
 * and CodeDeploy do (no AWS is reachable here). What matters: each gets its own revision, AppSpec and
 * deployment, in the manifest's order; a deployment CodeDeploy rolls back stops the release there (the
 * workers are never rolled); a deployment that never ends fails after its wait.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import type { AwsCli, Clock } from "../../src/release/background-release";
import { releaseStepCli } from "../../src/release/cli";
import { releaseConfig, ReleaseConfig } from "../../src/release/release-config";
import { deployWebServices, refreshWebServices } from "../../src/release/web-release";
import { FIXTURE_ENVIRONMENTS, fixtureProject } from "../support/project";

const TD = "arn:aws:ecs:ap-northeast-2:111111111111:task-definition/";
const REGISTRY = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/inpock/staging";
const IMAGES = { django: `${REGISTRY}/django:abc123`, nginx: `${REGISTRY}/nginx:abc123` };
const NETWORK = { subnets: ["subnet-a1", "subnet-c1"], securityGroups: ["sg-0api"], assignPublicIp: "DISABLED" };

/** Staging's release settings; `more` adds a routed service after api, to see the order. */
function stagingConfig(more = false): ReleaseConfig {
  const env = fixtureProject().environments.find((e) => e.manifest.environment === "staging")!;
  if (env.platform !== "aws") throw new Error("expected an AWS environment");
  const config = releaseConfig(env.plan);
  if (more) {
    const api = config.webServices[0];
    config.webServices.push({ ...api, name: "admin", service: "inpock-staging-web-admin", family: "inpock-staging-web-admin", deploymentGroup: "inpock-staging-web-admin", networkParameter: "/inpock/staging/web-admin/network-configuration" });
  }
  return config;
}

/** ECS, SSM and CodeDeploy as a release sees them; `outcome` says how each group's deployment ends. */
function fakeAws(outcome: (group: string) => { status: string; errorInformation?: { code: string; message: string } } = () => ({ status: "Succeeded" })) {
  const calls: string[][] = [];
  let deployments = 0;
  const groups = new Map<string, string>();
  const aws: AwsCli = async (args) => {
    calls.push(args);
    const [, op] = args;
    const arg = (name: string) => args[args.indexOf(name) + 1];
    if (op === "describe-task-definition") {
      const family = arg("--task-definition");
      return {
        taskDefinition: {
          family,
          taskDefinitionArn: `${TD}${family}:4`,
          revision: 4,
          status: "ACTIVE",
          registeredAt: "2026-12-01T00:00:00Z",
          containerDefinitions: [
            { name: "django", image: `${REGISTRY}/django:old`, command: ["gunicorn"] },
            { name: "nginx", image: `${REGISTRY}/nginx:old` },
          ],
        },
        tags: [{ key: "workload", value: "web" }],
      };
    }
    if (op === "register-task-definition") {
      const definition = JSON.parse(arg("--cli-input-json"));
      return { taskDefinition: { ...definition, taskDefinitionArn: `${TD}${definition.family}:5` } };
    }
    if (op === "get-parameter") return { Parameter: { Value: JSON.stringify({ ...NETWORK, securityGroups: [`sg-0${arg("--name").split("/")[3]}`] }) } };
    if (op === "create-deployment") {
      const id = `d-${++deployments}`;
      groups.set(id, arg("--deployment-group-name"));
      return { deploymentId: id };
    }
    if (op === "get-deployment") return { deploymentInfo: { deploymentId: arg("--deployment-id"), ...outcome(groups.get(arg("--deployment-id"))!) } };
    if (op === "update-service") return {};
    throw new Error(`unexpected call: aws ${args.join(" ")}`);
  };
  return { aws, calls };
}

/** Time passes only in sleep: a deployment that never ends times out instead of hanging the test. */
function noWait(): Clock {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms) };
}
const quiet = () => undefined;
const appSpecOf = (call: string[]) => parse(JSON.parse(call[call.indexOf("--revision") + 1]).appSpecContent.content);

describe("routed web services", () => {
  it("each gets a revision with both new images, and its own CodeDeploy deployment with its network, in the manifest's order", async () => {
    const fake = fakeAws();
    await deployWebServices(fake.aws, stagingConfig(true), IMAGES, quiet, noWait());
    expect(fake.calls.map((c) => c.filter((a) => !a.startsWith("{")))).toEqual([
      ["ecs", "describe-task-definition", "--task-definition", "inpock-staging-web-api", "--include", "TAGS"],
      ["ecs", "register-task-definition", "--cli-input-json"],
      ["ssm", "get-parameter", "--name", "/inpock/staging/web-api/network-configuration", "--with-decryption"],
      ["deploy", "create-deployment", "--application-name", "inpock-staging", "--deployment-group-name", "inpock-staging-web-api", "--revision"],
      ["deploy", "get-deployment", "--deployment-id", "d-1"],
      ["ecs", "describe-task-definition", "--task-definition", "inpock-staging-web-admin", "--include", "TAGS"],
      ["ecs", "register-task-definition", "--cli-input-json"],
      ["ssm", "get-parameter", "--name", "/inpock/staging/web-admin/network-configuration", "--with-decryption"],
      ["deploy", "create-deployment", "--application-name", "inpock-staging", "--deployment-group-name", "inpock-staging-web-admin", "--revision"],
      ["deploy", "get-deployment", "--deployment-id", "d-2"],
    ]);
    const registered = JSON.parse(fake.calls[1][3]);
    expect(registered.containerDefinitions).toEqual([
      { name: "django", image: IMAGES.django, command: ["gunicorn"] },
      { name: "nginx", image: IMAGES.nginx },
    ]);
    for (const key of ["taskDefinitionArn", "revision", "status", "registeredAt"]) expect(registered).not.toHaveProperty(key);
    expect(registered.tags).toEqual([{ key: "workload", value: "web" }]);
    expect(appSpecOf(fake.calls[3])).toEqual({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: `${TD}inpock-staging-web-api:5`,
              LoadBalancerInfo: { ContainerName: "nginx", ContainerPort: 80 },
              PlatformVersion: "1.4.0",
              NetworkConfiguration: { AwsvpcConfiguration: { Subnets: NETWORK.subnets, SecurityGroups: ["sg-0web-api"], AssignPublicIp: "DISABLED" } },
            },
          },
        },
      ],
    });
    expect(appSpecOf(fake.calls[8]).Resources[0].TargetService.Properties.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups).toEqual(["sg-0web-admin"]);
  });

  it("a deployment CodeDeploy rolls back fails in one line naming the service, the deployment and CodeDeploy's error; the next is never deployed", async () => {
    const fake = fakeAws((group) =>
      group.endsWith("-api") ? { status: "Failed", errorInformation: { code: "ALARM_ACTIVE", message: "One or more alarms have been activated: inpock-staging-web-api-5xx" } } : { status: "Succeeded" },
    );
    await expect(deployWebServices(fake.aws, stagingConfig(true), IMAGES, quiet, noWait())).rejects.toThrow(
      /^web service api \(inpock-staging-web-api\): deployment d-1 failed and CodeDeploy rolled it back: ALARM_ACTIVE: One or more alarms have been activated: inpock-staging-web-api-5xx$/,
    );
    expect(fake.calls.filter((c) => c[1] === "create-deployment")).toHaveLength(1);
  });

  it("a deployment that never ends fails after its wait: 30 minutes, the test-traffic wait and the rollback window", async () => {
    const fake = fakeAws(() => ({ status: "InProgress" }));
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    await expect(deployWebServices(fake.aws, stagingConfig(), IMAGES, quiet, clock)).rejects.toThrow(
      /^web service api \(inpock-staging-web-api\): deployment d-1 did not end in 33 minutes \(last status InProgress\)/,
    );
    expect(now).toBe(33 * 60_000);
  });
});

describe("the release workflow", () => {
  const steps: any[] = parse(readFileSync(join(__dirname, "..", "..", ".github", "workflows", "release.yml"), "utf8")).jobs.release.steps;

  /** Runs the workflow's release-step commands in order as Actions would, stopping at the first failure. */
  async function runReleaseSteps(aws: AwsCli, errors: string[] = []): Promise<string[]> {
    const ran: string[] = [];
    const env = { ENVIRONMENT: "staging", IMAGE: IMAGES.django, DJANGO_IMAGE: IMAGES.django, NGINX_IMAGE: IMAGES.nginx };
    const previous = process.env.ENVIRONMENTS_DIR;
    process.env.ENVIRONMENTS_DIR = FIXTURE_ENVIRONMENTS;
    const error = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    try {
      for (const step of steps) {
        const command = /npm run --silent release-step -- (.+)$/.exec(String(step.run ?? "").trim())?.[1];
        if (!command || command.startsWith("appspec")) continue;
        const args = command.split(" ").map((word) => word.replace(/^"\$([A-Z_]+)"$/, (_, name: keyof typeof env) => env[name]));
        ran.push(args[0]);
        if ((await releaseStepCli(args, aws, () => undefined, noWait())) !== 0) break;
      }
      return ran;
    } finally {
      error.mockRestore();
      if (previous === undefined) delete process.env.ENVIRONMENTS_DIR;
      else process.env.ENVIRONMENTS_DIR = previous;
    }
  }

  it("goes: release tasks, the main web service, the routed web services, workers, jobs", () => {
    const index = (test: (s: any) => boolean) => steps.findIndex(test);
    const order = [
      index((s) => / release-step -- tasks /.test(String(s.run))),
      index((s) => s.with?.["codedeploy-deployment-group"] !== undefined),
      index((s) => / release-step -- web-services "\$ENVIRONMENT" "\$DJANGO_IMAGE" "\$NGINX_IMAGE"$/m.test(String(s.run))),
      index((s) => / release-step -- workers /.test(String(s.run))),
      index((s) => / release-step -- jobs /.test(String(s.run))),
    ];
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const step of steps.slice(order[2])) {
      expect(step["continue-on-error"]).toBeUndefined();
      expect(String(step.if ?? "")).not.toMatch(/always\(\)|failure\(\)/);
    }
  });

  it("stops at a routed web service CodeDeploy rolled back: the workers and jobs are never released", async () => {
    const failed = releaseAws((group) => (group.endsWith("-api") ? { status: "Stopped", errorInformation: { code: "ALARM_ACTIVE", message: "alarm" } } : { status: "Succeeded" }));
    const errors: string[] = [];
    expect(await runReleaseSteps(failed.aws, errors)).toEqual(["tasks", "web-services"]);
    expect(errors).toEqual(["web service api (inpock-staging-web-api): deployment d-1 stopped and CodeDeploy rolled it back: ALARM_ACTIVE: alarm"]);
    expect(failed.calls.filter((c) => c[1] === "update-service" || (c[1] === "describe-task-definition" && /worker|job/.test(c[3])))).toEqual([]);
    // The same release with the deployment succeeding goes on to the workers and jobs.
    const passed = releaseAws();
    expect(await runReleaseSteps(passed.aws)).toEqual(["tasks", "web-services", "workers", "jobs"]);
    expect(passed.calls.filter((c) => c[1] === "update-service")).toHaveLength(2);
  });
});

/** fakeAws, and a release task that exits 0, the web service's subnets and workers that roll out. */
function releaseAws(outcome?: Parameters<typeof fakeAws>[0]) {
  const fake = fakeAws(outcome);
  const aws: AwsCli = async (args) => {
    const arg = (name: string) => args[args.indexOf(name) + 1];
    if (args[0] === "ec2") return { SecurityGroups: [{ GroupId: "sg-0release" }] };
    if (args[1] === "run-task") return { tasks: [{ taskArn: "arn:aws:ecs:ap-northeast-2:111111111111:task/inpock-staging/0abc" }] };
    if (args[1] === "describe-tasks") return { tasks: [{ lastStatus: "STOPPED", containers: [{ name: "django", exitCode: 0 }] }] };
    if (args[1] === "describe-services" && arg("--services") === "inpock-staging-web") {
      return { services: [{ serviceName: "inpock-staging-web", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a1"] } } }] };
    }
    if (args[1] === "describe-services") {
      const names = args.slice(args.indexOf("--services") + 1);
      const rolled = (name: string) => fake.calls.filter((c) => c[1] === "update-service" && c.includes(name)).pop()!;
      return { services: names.map((serviceName) => ({ serviceName, deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", taskDefinition: rolled(serviceName)[rolled(serviceName).indexOf("--task-definition") + 1] }] })) };
    }
    return fake.aws(args);
  };
  return { aws, calls: fake.calls };
}

describe("after an infrastructure deploy", () => {
  function refreshAws(latestMemory: string) {
    const calls: string[][] = [];
    const definition = (arn: string, memory: string, image: string) => ({
      family: "inpock-staging-web-api",
      taskDefinitionArn: arn,
      revision: Number(arn.split(":").pop()),
      memory,
      containerDefinitions: [
        { name: "django", image: `${REGISTRY}/django:${image}` },
        { name: "nginx", image: `${REGISTRY}/nginx:${image}` },
      ],
    });
    const aws: AwsCli = async (args) => {
      calls.push(args);
      const arg = (name: string) => args[args.indexOf(name) + 1];
      if (args[1] === "describe-services") return { services: [{ taskSets: [{ status: "PRIMARY", taskDefinition: `${TD}inpock-staging-web-api:7` }] }] };
      if (args[1] === "describe-task-definition") {
        return arg("--task-definition").endsWith(":7")
          ? { taskDefinition: definition(`${TD}inpock-staging-web-api:7`, "512", "abc123") }
          : { taskDefinition: definition(`${TD}inpock-staging-web-api:8`, latestMemory, "initial") };
      }
      if (args[1] === "register-task-definition") return { taskDefinition: { taskDefinitionArn: `${TD}inpock-staging-web-api:9` } };
      if (args[1] === "create-deployment") return { deploymentId: "d-9" };
      if (args[1] === "get-deployment") return { deploymentInfo: { status: "Succeeded" } };
      throw new Error(`unexpected call: aws ${args.join(" ")}`);
    };
    return { aws, calls };
  }

  it("rolls out Terraform's changed revision of a routed service with the running images, through CodeDeploy", async () => {
    const fake = refreshAws("1024");
    await refreshWebServices(fake.aws, stagingConfig(), quiet, noWait());
    const registered = JSON.parse(fake.calls.find((c) => c[1] === "register-task-definition")![3]);
    expect(registered.memory).toBe("1024");
    expect(registered.containerDefinitions.map((c: any) => c.image)).toEqual([`${REGISTRY}/django:abc123`, `${REGISTRY}/nginx:abc123`]);
    const deployment = fake.calls.find((c) => c[1] === "create-deployment")!;
    expect(deployment[deployment.indexOf("--deployment-group-name") + 1]).toBe("inpock-staging-web-api");
    expect(appSpecOf(deployment).Resources[0].TargetService.Properties).toEqual({ TaskDefinition: `${TD}inpock-staging-web-api:9`, LoadBalancerInfo: { ContainerName: "nginx", ContainerPort: 80 }, PlatformVersion: "1.4.0" });
  });

  it("leaves a routed service alone when only the images differ", async () => {
    const fake = refreshAws("512");
    const lines: string[] = [];
    await refreshWebServices(fake.aws, stagingConfig(), (l) => lines.push(l), noWait());
    expect(lines).toEqual(["Web service api: unchanged."]);
    expect(fake.calls.filter((c) => c[1] === "register-task-definition" || c[1] === "create-deployment")).toEqual([]);
  });

  it("is what the infra workflow's refresh step runs: the changed routed service first, then workers and jobs, unchanged ones left alone", async () => {
    const calls: string[][] = [];
    const image = (name: string, tag: string) => ({ name, image: `${REGISTRY}/${name}:${tag}` });
    // Everything runs revision 3 with the released images, but Terraform gave web-api a revision 4 with more memory.
    const aws: AwsCli = async (args) => {
      calls.push(args);
      const arg = (name: string) => args[args.indexOf(name) + 1];
      if (args[1] === "describe-services") {
        const service = arg("--services");
        return { services: [service.includes("worker") ? { serviceName: service, taskDefinition: `${TD}${service}:3` } : { taskSets: [{ status: "PRIMARY", taskDefinition: `${TD}${service}:3` }] }] };
      }
      if (args[1] === "describe-task-definition") {
        const asked = arg("--task-definition");
        const family = asked.replace(TD, "").replace(/:\d+$/, "");
        const newer = family.endsWith("-web-api") && !asked.endsWith(":3");
        const containers = family.includes("-web") ? [image("django", "abc123"), image("nginx", "abc123")] : [image("django", "abc123")];
        return { taskDefinition: { family, taskDefinitionArn: `${TD}${family}:${newer ? 4 : 3}`, memory: newer ? "1024" : "512", containerDefinitions: newer ? containers.map((c) => ({ ...c, image: `${REGISTRY}/${c.name}:initial` })) : containers } };
      }
      if (args[1] === "register-task-definition") return { taskDefinition: { taskDefinitionArn: `${TD}${JSON.parse(arg("--cli-input-json")).family}:5` } };
      if (args[1] === "create-deployment") return { deploymentId: "d-7" };
      if (args[1] === "get-deployment") return { deploymentInfo: { status: "Succeeded" } };
      throw new Error(`unexpected call: aws ${args.join(" ")}`);
    };
    const lines: string[] = [];
    const previous = process.env.ENVIRONMENTS_DIR;
    process.env.ENVIRONMENTS_DIR = FIXTURE_ENVIRONMENTS;
    try {
      expect(await releaseStepCli(["refresh", "staging"], aws, (l) => lines.push(l), noWait())).toBe(0);
    } finally {
      if (previous === undefined) delete process.env.ENVIRONMENTS_DIR;
      else process.env.ENVIRONMENTS_DIR = previous;
    }
    const registered = calls.filter((c) => c[1] === "register-task-definition").map((c) => JSON.parse(c[3]));
    expect(registered.map((d) => [d.family, d.memory, d.containerDefinitions.map((c: any) => c.image.split(":").pop())])).toEqual([["inpock-staging-web-api", "1024", ["abc123", "abc123"]]]);
    expect(calls.filter((c) => c[1] === "create-deployment").map((c) => c[c.indexOf("--deployment-group-name") + 1])).toEqual(["inpock-staging-web-api"]);
    expect(lines).toEqual(expect.arrayContaining(["Web service api: deployed.", "Worker celery: unchanged.", "Worker beat: unchanged.", "Scheduled job heartbeat: unchanged."]));
  });
});
