#!/usr/bin/env node
// The checkov lane: checkov (pinned in requirements.txt, installed into .venv/checkov) over every AWS
// stack's synthesized JSON and its offline plan JSON. A finding fails the lane unless the stack's manifest
// waives its check id, for every resource or the ones it lists (policy.waivers, with a reason: synth writes
// them into the stack's JSON under "//".waivers, and the review report shows them). Skips, saying why,
// without Python or PyPI.
"use strict";
const { spawnSync } = require("child_process");
const { mkdtempSync, rmSync, writeFileSync } = require("fs");
const { tmpdir } = require("os");
const { join } = require("path");
const { ensureVenv, ROOT } = require("../support/python-venv");
const { awsStacks } = require("../support/stacks");

/** checkov never calls home: no guideline download, no Prisma Cloud mapping, no version check. */
const OFFLINE_ENV = { ...process.env, BC_SKIP_MAPPING: "TRUE", CHECKOV_SKIP_DOWNLOAD: "TRUE", BC_SKIP_DOWNLOAD: "TRUE" };

/** The stack's waivers of checkov ids, as synth wrote them into its JSON (from the manifest). */
function checkovWaivers(stack) {
  return (stack.json["//"]?.waivers ?? []).filter((w) => /^CKV2?_AWS_\d+$/.test(w.rule));
}

/** A finding's Terraform address: checkov's resource checks name only `resource.<name>`; names are unique per stack. */
function addressOf(stack, resource) {
  const name = resource.replace(/^resource\./, "");
  if (name.includes(".")) return name;
  const type = Object.keys(stack.json.resource ?? {}).find((t) => name in stack.json.resource[t]);
  return type ? `${type}.${name}` : name;
}

function waived(stack, finding) {
  const address = addressOf(stack, finding.resource);
  return checkovWaivers(stack).some((w) => w.rule === finding.check_id && (!w.resources || w.resources.includes(address)));
}

/** checkov 3.3.30's terraform_json parser rejects string settings in the terraform block (required_version). */
function checkovReadable(json) {
  const terraform = Object.fromEntries(Object.entries(json.terraform ?? {}).filter(([, v]) => v && typeof v === "object" && !Array.isArray(v)));
  return { ...json, terraform };
}

/** One checkov run over a folder of stack files (one Python start); returns its failed checks, or throws one line. */
function checkov(bin, dir) {
  const args = ["-d", dir, "--framework", "terraform_json", "terraform_plan", "--skip-download", "--compact", "--quiet", "-o", "json"];
  const r = spawnSync(join(bin, "checkov"), args, { encoding: "utf8", env: OFFLINE_ENV, maxBuffer: 64 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`checkov gave no report for ${dir}: ${(r.stderr || r.error || "").toString().trim().split("\n").pop()}`);
  }
  const reports = Array.isArray(report) ? report : [report];
  const parsingErrors = reports.reduce((n, x) => n + (x.summary?.parsing_errors ?? x.parsing_errors ?? 0), 0);
  if (parsingErrors > 0) throw new Error(`checkov could not parse ${reports.flatMap((x) => x.results?.parsing_errors ?? []).join(", ") || "a stack file"}`);
  return reports.map((x) => ({ framework: x.check_type, checked: (x.summary?.passed ?? 0) + (x.summary?.failed ?? 0), failed: x.results?.failed_checks ?? [] }));
}

function offlinePlanJson(stack) {
  const offline = require(join(ROOT, "scripts", "build")).fromBuild("offline.js");
  const unavailable = offline.terraformUnavailable();
  if (unavailable) return { unavailable };
  return offline.offlinePlan(stack.dir).then((p) => ({ plan: p.plan }));
}

async function main() {
  const venv = ensureVenv("checkov", join(__dirname, "requirements.txt"));
  if (venv.unavailable) {
    console.log(`checkov lane skipped: ${venv.unavailable}`);
    return 0;
  }
  const stacks = awsStacks();
  const work = mkdtempSync(join(tmpdir(), "checkov-lane-"));
  const failures = [];
  let planSkipped;
  try {
    // checkov reads each file by its name: <stack>.tf.json (synthesized) and <stack>.plan.json (offline plan).
    for (const stack of stacks) writeFileSync(join(work, `${stack.name}.tf.json`), JSON.stringify(checkovReadable(stack.json)));
    const plans = await Promise.all(stacks.map(offlinePlanJson));
    plans.forEach((planned, i) => {
      if (planned.unavailable) planSkipped = planned.unavailable;
      else writeFileSync(join(work, `${stacks[i].name}.plan.json`), JSON.stringify(planned.plan));
    });
    const results = checkov(venv.bin, work);
    for (const framework of ["terraform_json", ...(planSkipped ? [] : ["terraform_plan"])]) {
      if (!results.some((r) => r.framework === framework && r.checked > 0)) throw new Error(`checkov checked nothing with ${framework} in ${work}`);
    }
    for (const { framework, failed } of results) {
      for (const f of failed) {
        const file = (f.file_abs_path ?? f.file_path ?? "").split("/").pop();
        const stack = stacks.find((s) => file === `${s.name}.tf.json` || file === `${s.name}.plan.json`);
        if (!stack) throw new Error(`checkov reported ${f.check_id} in ${file}, which is no stack's`);
        const where = framework === "terraform_plan" ? "offline plan" : "synthesized JSON";
        if (!waived(stack, f)) failures.push(`${stack.name}: ${f.check_id} ${addressOf(stack, f.resource)}: ${f.check_name} (${where}; fix it, or waive ${f.check_id} in policy.waivers with a reason)`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    failures.forEach((line) => console.error(line));
    return 1;
  }
  const planNote = planSkipped ? `; plan JSON skipped: ${planSkipped}` : " and their offline plan JSON";
  console.log(`checkov lane passed: ${stacks.map((s) => s.name).join(", ")}, synthesized JSON${planNote}, no unwaived finding`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`checkov lane failed: ${String(e.message || e).split("\n")[0]}`);
    process.exit(1);
  },
);
