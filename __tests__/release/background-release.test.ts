/**
 * The release's steps beyond the web service, against a recording double of the AWS CLI that answers as
 * ECS does (no AWS is reachable here). What matters: a failing release task stops the release before any
 * traffic moves, and a worker rollout the circuit breaker rolls back fails it.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { AwsCli, Clock, refreshBackground, registerWithImage, rollWorkers, runReleaseTasks, serviceNetwork } from "../../src/release/background-release";
import { appSpec, releaseConfig, ReleaseConfig } from "../../src/release/release-config";
import { fixtureProject } from "../support/project";

const IMAGE = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com/inpock/staging/django:abc123";

function stagingConfig(tasks?: { name: string; command: string[] }[]): ReleaseConfig {
  const env = fixtureProject().environments.find((e) => e.manifest.environment === "staging")!;
  if (env.platform !== "aws") throw new Error("expected an AWS environment");
  const config = releaseConfig(env.plan);
  if (tasks) config.releaseTasks = { ...config.releaseTasks!, tasks: tasks.map((t) => ({ ...t, timeoutMinutes: 15 })) };
  return config;
}

/** ECS as far as these steps see it: each task stops with the exit code `exitCodes` gives its command. */
function fakeEcs(exitCodes: (command: string[]) => number | undefined, rollout: "COMPLETED" | "FAILED" = "COMPLETED") {
  const calls: string[][] = [];
  const tasks = new Map<string, any>();
  let revision = 1;
  const aws: AwsCli = async (args) => {
    calls.push(args);
    const [service, op] = args;
    const arg = (name: string) => args[args.indexOf(name) + 1];
    if (op === "describe-task-definition") {
      return {
        taskDefinition: {
          family: arg("--task-definition"),
          taskDefinitionArn: `arn:aws:ecs:ap-northeast-2:111111111111:task-definition/${arg("--task-definition")}:${revision}`,
          revision,
          status: "ACTIVE",
          containerDefinitions: [{ name: "django", image: "old:initial", command: ["celery"] }],
        },
        tags: [{ key: "workload", value: "release" }],
      };
    }
    if (op === "register-task-definition") {
      const definition = JSON.parse(arg("--cli-input-json"));
      revision += 1;
      return { taskDefinition: { ...definition, taskDefinitionArn: `arn:aws:ecs:ap-northeast-2:111111111111:task-definition/${definition.family}:${revision}` } };
    }
    if (service === "ec2") return { SecurityGroups: [{ GroupId: "sg-0123456789abcdef0" }] };
    if (op === "describe-services" && args.includes("inpock-staging-web")) {
      return { services: [{ serviceName: "inpock-staging-web", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"] } } }] };
    }
    if (op === "run-task") {
      const command = JSON.parse(arg("--overrides")).containerOverrides[0].command;
      const arn = `arn:aws:ecs:ap-northeast-2:111111111111:task/inpock-staging/${tasks.size}abc`;
      const exitCode = exitCodes(command);
      tasks.set(arn, { taskArn: arn, lastStatus: "STOPPED", containers: [{ name: "django", exitCode }], stoppedReason: exitCode === undefined ? "CannotPullContainerError: pull image manifest has been retried 5 time(s)" : "Essential container in task exited" });
      return { tasks: [{ taskArn: arn }], failures: [] };
    }
    if (op === "describe-tasks") return { tasks: [tasks.get(arg("--tasks"))] };
    if (op === "update-service") return {};
    if (op === "describe-services") {
      const names = args.slice(args.indexOf("--services") + 1);
      return {
        services: names.map((serviceName) => {
          const updated = calls.filter((c) => c[1] === "update-service" && c.includes(serviceName)).pop()!;
          const ours = updated[updated.indexOf("--task-definition") + 1];
          return rollout === "COMPLETED"
            ? { serviceName, deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", taskDefinition: ours }] }
            : {
                serviceName,
                deployments: [
                  { status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "previous:1" },
                  { status: "ACTIVE", rolloutState: "FAILED", rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.", taskDefinition: ours },
                ],
              };
        }),
      };
    }
    throw new Error(`unexpected call: aws ${args.join(" ")}`);
  };
  return { aws, calls, ran: () => calls.filter((c) => c[1] === "run-task").map((c) => JSON.parse(c[c.indexOf("--overrides") + 1]).containerOverrides[0].command.join(" ")) };
}

const noWait: Clock = { now: () => 0, sleep: async () => undefined };
const quiet = () => undefined;

describe("release tasks", () => {
  it("run in order with the new image, the command overridden, in the web service's subnets and their own security group", async () => {
    const ecs = fakeEcs(() => 0);
    await runReleaseTasks(ecs.aws, stagingConfig(), IMAGE, quiet, noWait);
    expect(ecs.ran()).toEqual(["python manage.py check --deploy --fail-level ERROR"]);
    const registered = JSON.parse(ecs.calls.find((c) => c[1] === "register-task-definition")![3]);
    expect(registered.containerDefinitions[0].image).toBe(IMAGE);
    expect(registered).not.toHaveProperty("taskDefinitionArn");
    expect(registered).not.toHaveProperty("revision");
    expect(registered.tags).toEqual([{ key: "workload", value: "release" }]);
    const run = ecs.calls.find((c) => c[1] === "run-task")!;
    expect(run[run.indexOf("--task-definition") + 1]).toBe("arn:aws:ecs:ap-northeast-2:111111111111:task-definition/inpock-staging-release:2");
    expect(JSON.parse(run[run.indexOf("--network-configuration") + 1])).toEqual({
      awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-0123456789abcdef0"], assignPublicIp: "DISABLED" },
    });
  });

  it("stop the release at the first that exits non-zero: the next never runs", async () => {
    const ecs = fakeEcs((command) => (command.includes("migrate") ? 1 : 0));
    const config = stagingConfig([
      { name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"] },
      { name: "warm-cache", command: ["python", "manage.py", "warm_cache"] },
    ]);
    await expect(runReleaseTasks(ecs.aws, config, IMAGE, quiet, noWait)).rejects.toThrow(
      /^release task migrate exited with 1 \(log stream release\/django\/0abc\)\. Nothing was deployed\.$/,
    );
    expect(ecs.ran()).toEqual(["python manage.py migrate --noinput"]);
  });

  it("fail on a task that never ran its command, naming ECS's reason", async () => {
    const ecs = fakeEcs(() => undefined);
    await expect(runReleaseTasks(ecs.aws, stagingConfig(), IMAGE, quiet, noWait)).rejects.toThrow(/never ran its command: CannotPullContainerError/);
  });

  it("stop a task that outlives its timeout, and fail", async () => {
    const ecs = fakeEcs(() => 0);
    const running: AwsCli = async (args) => (args[1] === "describe-tasks" ? { tasks: [{ lastStatus: "RUNNING" }] } : args[1] === "stop-task" ? {} : ecs.aws(args));
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
    await expect(runReleaseTasks(running, stagingConfig(), IMAGE, quiet, clock)).rejects.toThrow(/ran longer than 15 minutes and was stopped/);
  });

  it("a failing release task fails the release workflow before the web service is deployed", () => {
    const workflow = parse(readFileSync(join(__dirname, "..", "..", ".github", "workflows", "release.yml"), "utf8"));
    const steps: any[] = workflow.jobs.release.steps;
    const index = (name: RegExp) => steps.findIndex((s) => name.test(String(s.name ?? s.uses)));
    const tasks = index(/^Run the release tasks/);
    expect(tasks).toBeGreaterThan(index(/^Build and push/));
    expect(tasks).toBeLessThan(index(/^Deploy through CodeDeploy/));
    expect(tasks).toBeLessThan(index(/^Roll the workers/));
    expect(steps[tasks].run).toMatch(/npm run --silent release-step -- tasks /);
    // Nothing after it runs once it has failed.
    for (const step of steps.slice(tasks)) {
      expect(step["continue-on-error"]).toBeUndefined();
      expect(String(step.if ?? "")).not.toMatch(/always\(\)|failure\(\)/);
    }
  });
});

describe("workers", () => {
  it("roll to a revision with the new image, and finish when ECS has", async () => {
    const ecs = fakeEcs(() => 0);
    await rollWorkers(ecs.aws, stagingConfig(), IMAGE, quiet, noWait);
    expect(ecs.calls.filter((c) => c[1] === "update-service").map((c) => c[c.indexOf("--service") + 1])).toEqual(["inpock-staging-worker-celery", "inpock-staging-worker-beat"]);
  });

  it("fail the release when the circuit breaker rolls a rollout back", async () => {
    const ecs = fakeEcs(() => 0, "FAILED");
    await expect(rollWorkers(ecs.aws, stagingConfig(), IMAGE, quiet, noWait)).rejects.toThrow(
      /^worker service inpock-staging-worker-celery: the rollout of .+:task-definition\/inpock-staging-worker-celery:\d+ failed and ECS rolled it back \(ECS deployment circuit breaker: tasks failed to start\.\)$/,
    );
  });
});

it("a revision keeps every other container as it was", async () => {
  const aws: AwsCli = async (args) =>
    args[1] === "describe-task-definition"
      ? { taskDefinition: { family: "f", containerDefinitions: [{ name: "django", image: "a" }, { name: "sidecar", image: "b" }] } }
      : { taskDefinition: { taskDefinitionArn: "arn:f:2", ...JSON.parse(args[3]) } };
  expect(await registerWithImage(aws, "f", "new")).toBe("arn:f:2");
  const none: AwsCli = async () => ({ taskDefinition: { family: "f", containerDefinitions: [{ name: "web", image: "a" }] } });
  await expect(registerWithImage(none, "f", "new")).rejects.toThrow("f: no container named django; expected the task definition the stack registered");
});

describe("the AppSpec's network settings", () => {
  const parameter = (value: string): AwsCli => async (args) => {
    expect(args.slice(0, 4)).toEqual(["ssm", "get-parameter", "--name", "/inpock/staging/web/network-configuration"]);
    return { Parameter: { Value: value } };
  };

  it("come from the stack's SSM parameter, so a subnet or security group change reaches the service with the next deployment", async () => {
    const network = await serviceNetwork(parameter('{"subnets":["subnet-a1","subnet-c1"],"securityGroups":["sg-0abc"],"assignPublicIp":"DISABLED"}'), stagingConfig().networkParameter);
    const env = fixtureProject().environments.find((e) => e.manifest.environment === "staging")!;
    if (env.platform !== "aws") throw new Error("expected an AWS environment");
    expect(parse(appSpec(env.plan, network)).Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: { Subnets: ["subnet-a1", "subnet-c1"], SecurityGroups: ["sg-0abc"], AssignPublicIp: "DISABLED" },
    });
  });

  it("refuse a parameter that is not what the stack writes, in one line", async () => {
    await expect(serviceNetwork(parameter("not json"), stagingConfig().networkParameter)).rejects.toThrow("/inpock/staging/web/network-configuration: not the JSON the stack writes; has the stack been deployed?");
    await expect(serviceNetwork(parameter('{"subnets":[],"securityGroups":["sg-1"]}'), stagingConfig().networkParameter)).rejects.toThrow(/expected subnets \(subnet-\.\.\.\) and securityGroups/);
  });

  it("are written before the deployment step reads the AppSpec", () => {
    const steps: any[] = parse(readFileSync(join(__dirname, "..", "..", ".github", "workflows", "release.yml"), "utf8")).jobs.release.steps;
    const appspec = steps.findIndex((s) => /release-step -- appspec "\$ENVIRONMENT" release\/appspec\.yaml/.test(String(s.run)));
    const deploy = steps.findIndex((s) => s.with?.["codedeploy-appspec"] === "release/appspec.yaml");
    expect(appspec).toBeGreaterThan(0);
    expect(appspec).toBeLessThan(deploy);
  });
});

describe("after an infrastructure deploy", () => {
  const TD = "arn:aws:ecs:ap-northeast-2:111111111111:task-definition/";
  it("gives a changed worker and a job on Terraform's first-image revision the image the web service runs, and leaves the rest alone", async () => {
    const calls: string[][] = [];
    const latest: Record<string, { arn: string; image: string }> = {
      "inpock-staging-worker-celery": { arn: `${TD}inpock-staging-worker-celery:4`, image: "repo/django:initial" },
      "inpock-staging-worker-beat": { arn: `${TD}inpock-staging-worker-beat:2`, image: IMAGE },
      "inpock-staging-job-heartbeat": { arn: `${TD}inpock-staging-job-heartbeat:5`, image: "repo/django:initial" },
    };
    const running: Record<string, string> = { "inpock-staging-worker-celery": `${TD}inpock-staging-worker-celery:3`, "inpock-staging-worker-beat": `${TD}inpock-staging-worker-beat:2` };
    const aws: AwsCli = async (args) => {
      calls.push(args);
      const arg = (name: string) => args[args.indexOf(name) + 1];
      if (args[1] === "describe-services" && arg("--services") === "inpock-staging-web") {
        return { services: [{ taskSets: [{ status: "ACTIVE", taskDefinition: `${TD}inpock-staging-web:8` }, { status: "PRIMARY", taskDefinition: `${TD}inpock-staging-web:9` }] }] };
      }
      if (args[1] === "describe-task-definition") {
        const family = arg("--task-definition");
        if (family === `${TD}inpock-staging-web:9`) return { taskDefinition: { containerDefinitions: [{ name: "django", image: IMAGE }, { name: "nginx", image: "n" }] } };
        return { taskDefinition: { family, taskDefinitionArn: latest[family].arn, containerDefinitions: [{ name: "django", image: latest[family].image }] } };
      }
      if (args[1] === "register-task-definition") {
        const definition = JSON.parse(arg("--cli-input-json"));
        return { taskDefinition: { taskDefinitionArn: `${TD}${definition.family}:99` } };
      }
      if (args[1] === "update-service") return {};
      if (args[1] === "describe-services") {
        const names = args.slice(args.indexOf("--services") + 1);
        const rolled = calls.some((c) => c[1] === "update-service");
        return { services: names.map((serviceName) => ({ serviceName, taskDefinition: running[serviceName], deployments: rolled ? [{ status: "PRIMARY", rolloutState: "COMPLETED", taskDefinition: `${TD}${serviceName}:99` }] : [] })) };
      }
      throw new Error(`unexpected call: aws ${args.join(" ")}`);
    };
    const lines: string[] = [];
    await refreshBackground(aws, stagingConfig(), (l) => lines.push(l), noWait);
    const registered = calls.filter((c) => c[1] === "register-task-definition").map((c) => JSON.parse(c[3]));
    expect(registered.map((d) => [d.family, d.containerDefinitions[0].image])).toEqual([
      ["inpock-staging-worker-celery", IMAGE],
      ["inpock-staging-job-heartbeat", IMAGE],
    ]);
    expect(calls.filter((c) => c[1] === "update-service").map((c) => c[c.indexOf("--service") + 1])).toEqual(["inpock-staging-worker-celery"]);
    expect(lines).toContain("Worker beat: unchanged.");
  });
});
