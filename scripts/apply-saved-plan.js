#!/usr/bin/env node
// `node scripts/apply-saved-plan.js <stack dir> [plan file]`: the infra workflow's apply step. In the stack
// directory, `terraform init`, then `terraform apply <plan file>` (default plan.tfplan): exactly the plan
// the reviewers approved, never a new one. A stale plan (the state changed since it was made) fails with one
// line saying to re-run all jobs. When the plan created or replaced a task definition, writes
// `task_definition=<arn>` to $GITHUB_OUTPUT, for the CodeDeploy rollout of it (docs/release.md).
"use strict";
const { spawnSync } = require("child_process");
const { appendFileSync, existsSync } = require("fs");
const { basename, join, resolve } = require("path");

const TERRAFORM = process.env.TERRAFORM_BINARY || "terraform";

/** Runs terraform in `dir`, echoing its output; returns the status and what it printed. */
function terraform(dir, args, { quiet = false } = {}) {
  const r = spawnSync(TERRAFORM, args, { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" } });
  if (r.error) throw r.error;
  if (!quiet) {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
  }
  return { status: r.status, stdout: r.stdout, output: `${r.stdout}\n${r.stderr}` };
}

/**
 * Addresses of the main web service's task definition when a plan (`terraform show -json`) creates or
 * replaces it: the one the stack's `task_family` output names. The routed web services' (webServices),
 * workers', jobs' and release tasks' (tag workload) roll out another way: `npm run release-step -- refresh`.
 */
function taskDefinitionChanges(plan) {
  const web = (c) => {
    const workload = ((c.change.after || {}).tags || {}).workload;
    return workload === undefined || workload === "web";
  };
  const changed = (plan.resource_changes || []).filter((c) => c.type === "aws_ecs_task_definition" && c.change.actions.includes("create") && web(c)).map((c) => c.address);
  const main = mainTaskDefinition(plan);
  return main ? changed.filter((address) => address === main) : changed;
}

/** The task definition the stack's `task_family` output refers to, from the plan's configuration. */
function mainTaskDefinition(plan) {
  const output = (((plan.configuration || {}).root_module || {}).outputs || {}).task_family;
  const references = ((output || {}).expression || {}).references || [];
  return references.find((r) => /^aws_ecs_task_definition\.[^.]+$/.test(r));
}

/** The ARN of each of those addresses in the state after the apply (`terraform show -json`). */
function taskDefinitionArns(state, addresses) {
  const all = [];
  const walk = (module) => {
    if (!module) return;
    all.push(...(module.resources || []));
    (module.child_modules || []).forEach(walk);
  };
  walk(state.values && state.values.root_module);
  return addresses.map((a) => all.find((r) => r.address === a)).filter(Boolean).map((r) => r.values.arn);
}

/** One line for a failed apply: what happened and what to do. */
function failure(stack, output) {
  if (/Saved plan is stale/i.test(output)) {
    return `${stack}: the saved plan is stale: the state changed after it was planned (another apply ran), so nothing was applied. Re-run all jobs of this workflow run ("Re-run all jobs", not "Re-run failed jobs") to plan again, and approve the new plan.`;
  }
  if (/Failed to load "?[^"]*"? as a plan file|couldn't read plan|no such file/i.test(output)) {
    return `${stack}: the saved plan could not be read; re-run all jobs of this workflow run to plan again.`;
  }
  return `${stack}: terraform apply of the saved plan failed (above); the state holds whatever was applied before the error. Fix the cause, then re-run all jobs to plan again.`;
}

function main(args) {
  const [dirArg, planArg = "plan.tfplan"] = args;
  if (!dirArg) {
    console.error("usage: node scripts/apply-saved-plan.js <stack dir> [plan file]");
    return 1;
  }
  const dir = resolve(dirArg);
  const stack = basename(dir);
  if (!existsSync(join(dir, planArg))) {
    console.error(`::error::${stack}: no saved plan ${join(dirArg, planArg)}; the plan job saves it (re-run all jobs of this workflow run).`);
    return 1;
  }
  // The lock file came with the plan: init installs exactly the providers the plan was made with.
  const lockfile = existsSync(join(dir, ".terraform.lock.hcl")) ? ["-lockfile=readonly"] : [];
  const init = terraform(dir, ["init", "-input=false", ...lockfile]);
  if (init.status !== 0) {
    console.error(`::error::${stack}: terraform init failed (above); nothing was applied.`);
    return 1;
  }
  const shown = terraform(dir, ["show", "-json", planArg], { quiet: true });
  const changed = shown.status === 0 ? taskDefinitionChanges(JSON.parse(shown.stdout)) : [];
  // The saved plan and nothing else: apply with a plan file neither plans nor asks.
  const apply = terraform(dir, ["apply", "-input=false", "-lock-timeout=5m", planArg]);
  if (apply.status !== 0) {
    console.error(`::error::${failure(stack, apply.output)}`);
    return 1;
  }
  if (changed.length > 0) {
    const state = terraform(dir, ["show", "-json"], { quiet: true });
    const arns = state.status === 0 ? taskDefinitionArns(JSON.parse(state.stdout), changed) : [];
    if (arns.length === 0) {
      console.error(`::error::${stack}: the plan replaced ${changed.join(", ")}, but the state after the apply has no ARN for it; roll it out by hand (docs/runbook.md).`);
      return 1;
    }
    console.log(`${stack}: new task definition ${arns[0]}: the next step rolls it out through CodeDeploy.`);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `task_definition=${arns[0]}\n`);
  } else {
    console.log(`${stack}: the task definition did not change: no rollout.`);
  }
  return 0;
}

module.exports = { taskDefinitionChanges, taskDefinitionArns, failure };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
