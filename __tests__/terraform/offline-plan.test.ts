/**
 * The strongest proof that what we synthesize is right: the real Terraform and
 * the real AWS provider validate and plan every AWS stack, from its JSON and
 * from its HCL, offline. The two plans must be identical.
 *
 * The stacks are found by synthesizing the sample environments, once (one test
 * file), then planned two at a time, the costliest first, so that both cores
 * stay busy to the end whatever the stacks weigh; each test awaits its own
 * stack's plans.
 */
import { readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { addStacks } from "../../main";
import { loadProject } from "../../src/manifest/load";
import { reviewReport } from "../../src/review/report";
import { tempDir, testApp } from "../support/app";
import { dockerEnvironmentNames, expectedStackNames, FIXTURE_ENVIRONMENTS, synthesizeProject, SynthesizedStack } from "../support/project";
import { describeWithTerraform, formatAndCheck, OfflinePlan, offlinePlans } from "../support/terraform";

function resourceCount(json: any): number {
  return Object.values<Record<string, unknown>>(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

function providerAliases(json: any): (string | undefined)[] {
  return (json.provider?.aws ?? []).map((p: { alias?: string }) => p.alias);
}

function summary(result: OfflinePlan) {
  return (result.plan.resource_changes ?? []).map((r) => `${r.change.actions.join(",")} ${r.address}`).sort();
}

/** Every synthesized stack's folder, by name; synchronous, so the tests can be listed from it. */
function synthesizeJson(): Map<string, string> {
  const app = testApp();
  addStacks(app, loadProject(FIXTURE_ENVIRONMENTS), {});
  app.synth();
  const stacksDir = join(app.outdir, "stacks");
  return new Map(readdirSync(stacksDir).sort().map((name) => [name, join(stacksDir, name)]));
}

const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
const isAws = (json: any) => Boolean(json.provider?.aws) && !json.provider?.docker;

/**
 * The cost of planning, in resources: every terraform command loads the AWS provider's whole schema, so
 * a stack's four commands (plan and show, of its JSON and its HCL) cost about as much as planning 120
 * resources (measured: bootstrap, 8 resources, 8.0 s; staging, 154, 17.0 s). The validate-report
 * fixture runs two plans and no show.
 */
const STACK_COST = 120;
const FIXTURE_COST = 60;
const FIXTURE = "(the validate-report fixture)";
/** Plans at once: each runs in terraform processes, and two keep two cores busy. */
const PLANS_AT_ONCE = 2;

/** Starts the jobs `limit` at a time, in the order given; each result is its own promise. */
function startInTurn<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T>[] {
  const settle: { resolve: (value: T) => void; reject: (error: unknown) => void }[] = [];
  const results = jobs.map(() => new Promise<T>((resolve, reject) => settle.push({ resolve, reject })));
  // A failure is reported by the test that awaits it, not as an unhandled rejection before then.
  results.forEach((result) => result.catch(() => undefined));
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < jobs.length; i = next++) await jobs[i]().then(settle[i].resolve, settle[i].reject);
  };
  for (let n = 0; n < Math.min(limit, jobs.length); n++) void lane();
  return results;
}

/** Plans what the validate-report test needs: a broken configuration, and one with a warning only. */
async function planFixtures(): Promise<OfflinePlan[]> {
  const config = (extra: string) => `terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" { region = "ap-northeast-2" }
resource "aws_s3_bucket" "logs" {
  bucket = "offline-plan-fixture"
  acl    = "private"
}
${extra}`;
  const broken = tempDir("tf-fixture-");
  writeFileSync(join(broken, "main.tf"), config(`resource "aws_sqs_queue" "jobs" {\n  no_such_argument = true\n}\n`));
  const deprecatedOnly = tempDir("tf-fixture-");
  writeFileSync(join(deprecatedOnly, "main.tf"), config(""));
  // What plan announces is enough here: no `terraform show` (a load of the provider's schema).
  return offlinePlans([broken, deprecatedOnly], [undefined], { show: false });
}

interface StackPlans {
  unformatted: string[];
  fromJson: OfflinePlan;
  fromHcl: OfflinePlan;
}

describeWithTerraform("offline terraform validate and plan", () => {
  const dirs = synthesizeJson();
  const stacks = new Map([...dirs].map(([name, dir]) => [name, readJson(dir)]));
  const aws = [...stacks.keys()].filter((name) => isAws(stacks.get(name)));
  const cost = (name: string) => (name === FIXTURE ? FIXTURE_COST : STACK_COST + resourceCount(stacks.get(name)));
  // The costliest first, so that the last to start are the cheapest; the tests await them in that order.
  const byCost = [...aws, FIXTURE].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b));
  const started = new Map<string, Promise<unknown>>();
  let hclStacks: SynthesizedStack[];

  beforeAll(async () => {
    hclStacks = await synthesizeProject({ hcl: true });
    const planStack = async (name: string): Promise<StackPlans> => {
      const hcl = hclStacks.find((s) => s.name === name)!;
      const unformatted = await formatAndCheck(hcl.dir);
      // One init for both formats, a provider process for each; plan validates (no separate validate).
      const [fromJson, fromHcl] = await offlinePlans([dirs.get(name)!, hcl.dir], providerAliases(stacks.get(name)));
      return { unformatted, fromJson, fromHcl };
    };
    const results = startInTurn<unknown>(
      byCost.map((name) => (name === FIXTURE ? planFixtures : () => planStack(name))),
      PLANS_AT_ONCE,
    );
    byCost.forEach((name, i) => started.set(name, results[i]));
  });

  it("synthesizes the bootstrap stack and one stack per sample environment, in JSON and HCL", () => {
    expect([...stacks.keys()]).toEqual(expectedStackNames());
    expect(hclStacks.map((s) => s.name)).toEqual(expectedStackNames());
  });

  it("plans every AWS stack; the others use providers the offline mirror does not hold", () => {
    const others = [...stacks.keys()].filter((name) => !aws.includes(name));
    expect(others).toEqual(dockerEnvironmentNames());
    for (const name of others) expect(Object.keys(stacks.get(name).provider)).toEqual(["docker"]);
    for (const name of others) {
      process.stderr.write(`SKIPPED offline plan of the ${name} stack: its providers (${Object.keys(stacks.get(name).provider)}) are not in the offline provider mirror\n`);
    }
  });

  // No AWS stack leaves no stack test (it.each refuses an empty list).
  const eachStack = aws.length > 0 ? it.each(byCost.filter((name) => name !== FIXTURE)) : (_: string, _fn: (name: string) => Promise<void>) => undefined;
  eachStack("%s: JSON and HCL both validate and plan the same resources", async (name) => {
    const json = stacks.get(name);
    const { unformatted, fromJson, fromHcl } = (await started.get(name)) as StackPlans;
    expect(unformatted).toEqual([]);
    for (const result of [fromJson, fromHcl]) {
      expect(result.validate.diagnostics).toEqual([]);
      expect(result.validate.valid).toBe(true);
    }
    const toAdd = summary(fromJson);
    expect(toAdd.length).toBe(resourceCount(json));
    expect(toAdd.every((line) => line.startsWith("create "))).toBe(true);
    // What plan announces is what it saved (the validate-report test relies on the former).
    expect(fromJson.planned).toEqual(toAdd);
    expect(fromHcl.planned).toEqual(toAdd);
    expect(toAdd).toMatchSnapshot();
    // The review report counts what the plan creates.
    const report = reviewReport({ stack: name, config: json, plan: fromJson.plan, waived: [] });
    expect(report).toContain(`${toAdd.length} to create.`);
    expect(report).toContain("From the offline `terraform plan`");
    // Same addresses, actions and planned values from either format, each planned with its own provider
    // block: the two plans run at once, and a provider process keeps the last configuration it was given.
    if (fromJson.providerPid !== undefined) expect(fromHcl.providerPid).not.toBe(fromJson.providerPid);
    expect(fromHcl.plan.resource_changes).toEqual(fromJson.plan.resource_changes);
    expect(fromHcl.plan.output_changes).toEqual(fromJson.plan.output_changes);
  });

  // The runner no longer runs `terraform validate`: plan's own validation must still report
  // every error and warning, or the empty-diagnostics check of every stack would prove nothing.
  it("reports what terraform validate reports: errors and warnings, with no separate validate", async () => {
    const [fromBroken, fromDeprecated] = (await started.get(FIXTURE)) as OfflinePlan[];
    const lines = (r: OfflinePlan) => r.validate.diagnostics.map((d) => `${d.severity}: ${d.summary}`).sort();
    expect(fromBroken.validate.valid).toBe(false);
    expect(lines(fromBroken)).toEqual(["error: Unsupported argument", "warning: Argument is deprecated"]);
    // A warning alone still plans, and is still reported.
    expect(fromDeprecated.validate.valid).toBe(true);
    expect(lines(fromDeprecated)).toEqual(["warning: Argument is deprecated"]);
    expect(fromDeprecated.planned).toEqual(["create aws_s3_bucket.logs"]);
  });
});
