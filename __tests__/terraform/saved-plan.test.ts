/**
 * The infra workflow's apply step (scripts/apply-saved-plan.js) with the real Terraform, offline: a stack of
 * terraform_data resources (Terraform's built-in provider) and a local state. It applies the saved plan, not
 * the configuration of the moment; a stale plan fails, applies nothing, and says to re-run all jobs.
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { describeUnless, tempDir } from "../support/app";

const SCRIPT = join(__dirname, "..", "..", "scripts", "apply-saved-plan.js");
const { taskDefinitionChanges, taskDefinitionArns } = require(SCRIPT);
const TERRAFORM = process.env.TERRAFORM_BINARY ?? "terraform";
const noTerraform = spawnSync(TERRAFORM, ["version"]).status === 0 ? undefined : `terraform not found (${TERRAFORM}; set TERRAFORM_BINARY)`;
const ENV = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };

/** A stack folder as the plan job leaves it: cdk.tf.json with one terraform_data whose input is `value`. */
function stack(value: string): string {
  const dir = join(tempDir("saved-plan-"), "staging");
  mkdirSync(dir);
  write(dir, value);
  return dir;
}
function write(dir: string, value: string): void {
  const config = { terraform: { backend: { local: { path: "state.tfstate" } } }, resource: { terraform_data: { release: { input: value } } } };
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config));
}
const tf = (dir: string, ...args: string[]) => execFileSync(TERRAFORM, args, { cwd: dir, env: ENV, encoding: "utf8" });
const savePlan = (dir: string) => {
  tf(dir, "init", "-input=false");
  tf(dir, "plan", "-input=false", "-out=plan.tfplan");
};
const applied = (dir: string) => JSON.parse(readFileSync(join(dir, "state.tfstate"), "utf8")).resources[0]?.instances[0].attributes.output.value;
const applySaved = (dir: string) => spawnSync("node", [SCRIPT, dir], { env: ENV, encoding: "utf8" });

describeUnless(noTerraform, "applying the saved plan (scripts/apply-saved-plan.js)", () => {
  it("applies what was planned and approved, even when the configuration changed since (no new plan)", () => {
    const dir = stack("approved");
    savePlan(dir);
    write(dir, "changed after the approval");
    const r = applySaved(dir);
    expect(r.stderr).not.toContain("::error::");
    expect(r.status).toBe(0);
    expect(applied(dir)).toBe("approved");
    expect(r.stdout).toContain("the task definition did not change: no rollout");
  });

  it("refuses a stale plan, applies nothing, and says to re-run all jobs", () => {
    const dir = stack("first");
    savePlan(dir);
    // Another apply lands between the plan and its approval.
    write(dir, "someone else's");
    tf(dir, "apply", "-input=false", "-auto-approve");
    const r = applySaved(dir);
    expect(r.status).toBe(1);
    expect(applied(dir)).toBe("someone else's");
    expect(r.stderr.trim().split("\n").pop()).toBe(
      '::error::staging: the saved plan is stale: the state changed after it was planned (another apply ran), so nothing was applied. Re-run all jobs of this workflow run ("Re-run all jobs", not "Re-run failed jobs") to plan again, and approve the new plan.',
    );
  });

  it("fails with one line when there is no saved plan", () => {
    const dir = stack("x");
    const r = applySaved(dir);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^::error::staging: no saved plan .*plan\.tfplan; the plan job saves it/);
  });
});

describe("the task definition a saved plan rolls out", () => {
  const plan = {
    resource_changes: [
      { address: "aws_ecs_task_definition.web_task", type: "aws_ecs_task_definition", change: { actions: ["delete", "create"] } },
      { address: "aws_ecs_service.web_service", type: "aws_ecs_service", change: { actions: ["update"] } },
    ],
  };
  const state = { values: { root_module: { resources: [{ address: "aws_ecs_task_definition.web_task", values: { arn: "arn:aws:ecs:eu-west-1:1:task-definition/web:8" } }] } } };

  it("is the replaced one, by its ARN after the apply", () => {
    expect(taskDefinitionChanges(plan)).toEqual(["aws_ecs_task_definition.web_task"]);
    expect(taskDefinitionArns(state, taskDefinitionChanges(plan))).toEqual(["arn:aws:ecs:eu-west-1:1:task-definition/web:8"]);
  });

  it("is the web service's only: a worker's, job's or release tasks' roll out through release-step refresh", () => {
    const tagged = (address: string, workload: string) => ({ address, type: "aws_ecs_task_definition", change: { actions: ["delete", "create"], after: { tags: { workload } } } });
    const mixed = { resource_changes: [tagged("aws_ecs_task_definition.background_worker-celery_task-definition", "worker"), tagged("aws_ecs_task_definition.web_task_task-definition", "web"), tagged("aws_ecs_task_definition.background_release_task-definition", "release")] };
    expect(taskDefinitionChanges(mixed)).toEqual(["aws_ecs_task_definition.web_task_task-definition"]);
  });

  it("is the main web service's only, as its task_family output names it: a routed web service's rolls out through release-step refresh", () => {
    const replaced = (address: string) => ({ address, type: "aws_ecs_task_definition", change: { actions: ["delete", "create"], after: { tags: { workload: "web" } } } });
    // The shape `terraform show -json` gives an output's references in the plan's configuration.
    const output = (address: string) => ({ expression: { references: [`${address}.family`, address] } });
    const both = {
      resource_changes: [replaced("aws_ecs_task_definition.web-api_task-definition"), replaced("aws_ecs_task_definition.web_task_task-definition")],
      configuration: { root_module: { outputs: { task_family: output("aws_ecs_task_definition.web_task_task-definition"), web_service_api: output("aws_ecs_task_definition.web-api_task-definition") } } },
    };
    expect(taskDefinitionChanges(both)).toEqual(["aws_ecs_task_definition.web_task_task-definition"]);
    expect(taskDefinitionChanges({ ...both, resource_changes: [both.resource_changes[0]] })).toEqual([]);
  });

  it("is none when the plan leaves it alone", () => {
    expect(taskDefinitionChanges({ resource_changes: [{ ...plan.resource_changes[0], change: { actions: ["no-op"] } }] })).toEqual([]);
    expect(taskDefinitionChanges({})).toEqual([]);
  });
});
