/**
 * The strongest proof that what we synthesize is right: the real Terraform and
 * the real AWS provider validate and plan every AWS stack, from its JSON and
 * from its HCL, offline. The two plans must be identical.
 *
 * The stacks are found by synthesizing the sample environments, and shared out
 * between the offline-plan-<n>.test.ts files so that Jest's workers plan them
 * side by side.
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

/** The offline plans of the AWS stacks whose position in the sorted list is `shard` (1-based) modulo `shards`. */
export function describeOfflinePlans(shard: number, shards: number): void {
  describeWithTerraform("offline terraform validate and plan", () => {
    const dirs = synthesizeJson();
    const stacks = new Map([...dirs].map(([name, dir]) => [name, readJson(dir)]));
    const aws = [...stacks.keys()].filter((name) => isAws(stacks.get(name)));
    const mine = aws.filter((_, i) => i % shards === shard - 1);
    let hclStacks: SynthesizedStack[];
    beforeAll(async () => {
      hclStacks = await synthesizeProject({ hcl: true });
    });

    if (shard === 1) {
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
    }

    if (shard === shards) {
      // The runner no longer runs `terraform validate`: plan's own validation must still report
      // every error and warning, or the empty-diagnostics check of every stack would prove nothing.
      it("reports what terraform validate reports: errors and warnings, with no separate validate", async () => {
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
        const [fromBroken, fromDeprecated] = await offlinePlans([broken, deprecatedOnly]);
        const lines = (r: OfflinePlan) => r.validate.diagnostics.map((d) => `${d.severity}: ${d.summary}`).sort();
        expect(fromBroken.validate.valid).toBe(false);
        expect(lines(fromBroken)).toEqual(["error: Unsupported argument", "warning: Argument is deprecated"]);
        // A warning alone still plans, and is still reported.
        expect(fromDeprecated.validate.valid).toBe(true);
        expect(lines(fromDeprecated)).toEqual(["warning: Argument is deprecated"]);
        expect(summary(fromDeprecated)).toEqual(["create aws_s3_bucket.logs"]);
      });
    }

    // Fewer AWS stacks than test files leaves this one none (it.each refuses an empty list).
    const eachStack = mine.length > 0 ? it.each(mine) : (_: string, _fn: (name: string) => Promise<void>) => undefined;
    eachStack("%s: JSON and HCL both validate and plan the same resources", async (name) => {
      const json = stacks.get(name);
      const hcl = hclStacks.find((s) => s.name === name)!;
      expect(await formatAndCheck(hcl.dir)).toEqual([]);

      // One init and one provider process for both formats; plan validates (no separate validate).
      const [fromJson, fromHcl] = await offlinePlans([dirs.get(name)!, hcl.dir], providerAliases(json));
      for (const result of [fromJson, fromHcl]) {
        expect(result.validate.diagnostics).toEqual([]);
        expect(result.validate.valid).toBe(true);
      }
      const toAdd = summary(fromJson);
      expect(toAdd.length).toBe(resourceCount(json));
      expect(toAdd.every((line) => line.startsWith("create "))).toBe(true);
      expect(toAdd).toMatchSnapshot();
      // The review report counts what the plan creates.
      const report = reviewReport({ stack: name, config: json, plan: fromJson.plan, waived: [] });
      expect(report).toContain(`${toAdd.length} to create.`);
      expect(report).toContain("From the offline `terraform plan`");
      // Same addresses, actions and planned values from either format.
      expect(fromHcl.plan.resource_changes).toEqual(fromJson.plan.resource_changes);
      expect(fromHcl.plan.output_changes).toEqual(fromJson.plan.output_changes);
    });
  });
}
