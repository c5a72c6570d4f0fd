#!/usr/bin/env node
// Lane apply: every AWS stack applied in one pass, re-planned with no changes, torn down the documented
// way and destroyed in one pass, against moto (an AWS API emulator) on loopback; then nothing may be left
// in the emulator but the fixtures. See lanes/apply/README.md.
"use strict";
const { spawnSync } = require("child_process");
const { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("fs");
const { tmpdir } = require("os");
const { join, resolve } = require("path");
const YAML = require("yaml");
const { awsStacks, outDir } = require("../support/stacks");
const { ROOT } = require("../support/python-venv");
const { patchedMoto, startServer, stopAll } = require("./emulator");
const { terraformUnavailable, prepare, terraform, firstError, refusedCalls } = require("./terraform");
const { fixtureRequest, withFixtureIds, orderingSelfTest } = require("./stacks");

// Seconds ACM takes to validate a certificate: short by default, realistic (ACM_WAIT=300) in the weekly job.
const ACM_WAIT = Number(process.env.ACM_WAIT ?? 5);
const PARALLELISM = String(process.env.APPLY_LANE_PARALLELISM ?? 30);

const say = (line) => console.log(`apply: ${line}`);
class LaneFailure extends Error {}

function skip(reason) {
  say(`skipped: ${reason}`);
  process.exit(0);
}

/** Synthesizes the project from a folder of manifests into `out`; throws the synth's own lines. */
function synth(envDir, out) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "app.js")], {
    cwd: ROOT,
    env: { ...process.env, ENVIRONMENTS_DIR: envDir, CDKTF_OUTDIR: out },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new LaneFailure(`synth of the lane's manifests (${envDir}) failed: ${(r.stderr || "").trim().split("\n").join(" | ")}`);
  return (name) => JSON.parse(readFileSync(join(out, "stacks", name, "cdk.tf.json"), "utf8"));
}

/** Copies every manifest into a fresh folder, the AWS ones changed by `edit(name, doc)`. */
function writeManifests(dir, manifests, edit) {
  mkdirSync(dir, { recursive: true });
  for (const m of manifests) {
    const doc = YAML.parse(m.text);
    writeFileSync(join(dir, m.file), m.stack ? YAML.stringify(edit(m.stack, doc)) : m.text);
  }
  return dir;
}

function python(moto, args) {
  const r = spawnSync(moto.python, [join(__dirname, "emulator.py"), ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new LaneFailure(`emulator.py ${args[0]} failed: ${(r.stderr || "").trim().split("\n").pop()}`);
  return JSON.parse(r.stdout);
}

function leftOver(before, after) {
  return Object.entries(after).flatMap(([kind, ids]) => ids.filter((id) => !(before[kind] ?? []).includes(id)).map((id) => `${kind} ${id}`));
}

async function runPhase(s, label, args, options = {}) {
  const r = await terraform(s.dir, s.server.endpoint, args, { name: label, ...options });
  s.seconds[label] = r.seconds;
  return r;
}

/** apply in one pass (a race fails it), then a plan that must find nothing to change. */
async function applyAndReplan(s, json) {
  prepare(s.dir, json);
  let r = await runPhase(s, "init", ["init", "-input=false", "-no-color"]);
  if (r.status !== 0) throw new LaneFailure(`${s.name}: terraform init failed: ${firstError(r.output)}`);
  r = await runPhase(s, "apply", ["apply", "-auto-approve", "-input=false", "-no-color", `-parallelism=${PARALLELISM}`], { debugLog: "apply-debug.log" });
  if (r.status !== 0) throw new LaneFailure(`${s.name}: apply failed: ${firstError(r.output)}`);
  s.created = (r.output.match(/: Creation complete after/g) ?? []).length;
  const hidden = refusedCalls(join(s.dir, "apply-debug.log"));
  if (hidden.length > 0) {
    const h = hidden[0];
    throw new LaneFailure(`${s.name}: apply passed only because the provider retried: ${h.type}: ${h.method} was refused ${h.count}× (${h.error}); a slower AWS fails this apply (an ordering race)`);
  }
  r = await runPhase(s, "plan", ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false", `-parallelism=${PARALLELISM}`]);
  if (r.status === 2) {
    const changes = [...r.output.matchAll(/# (\S+) (will be|must be) ([a-z -]+)/g)].map((m) => `${m[1]} ${m[3].trim()}`);
    throw new LaneFailure(`${s.name}: the re-plan after apply is not clean: ${changes.join("; ")}`);
  }
  if (r.status !== 0) throw new LaneFailure(`${s.name}: re-plan failed: ${firstError(r.output)}`);
}

/**
 * The documented teardown, destroy in one pass, then the left-over check. An environment's manifest is made
 * disposable and applied; what keeps prevent_destroy (the state bucket) is taken out of the state and
 * deleted by hand, as docs/runbook.md says.
 */
async function teardownAndDestroy(s, json) {
  prepare(s.dir, json);
  let r;
  if (s.manifest) {
    r = await runPhase(s, "teardown", ["apply", "-auto-approve", "-input=false", "-no-color", `-parallelism=${PARALLELISM}`], {
      debugLog: "teardown-debug.log",
    });
    if (r.status !== 0) throw new LaneFailure(`${s.name}: applying the teardown settings failed: ${firstError(r.output)}`);
  }
  const kept = keptResources(json);
  if (kept.addresses.length > 0) {
    r = await runPhase(s, "state-rm", ["state", "rm", "-no-color", ...kept.addresses]);
    if (r.status !== 0) throw new LaneFailure(`${s.name}: terraform state rm of the kept resources failed: ${firstError(r.output)}`);
    python(s.moto, ["delete-kept", s.server.endpoint, s.region, JSON.stringify(kept.names)]);
  }
  r = await runPhase(s, "destroy", ["destroy", "-auto-approve", "-input=false", "-no-color", `-parallelism=${PARALLELISM}`], {
    debugLog: "destroy-debug.log",
  });
  if (r.status !== 0) throw new LaneFailure(`${s.name}: destroy failed: ${firstError(r.output)}`);
  // Said, not failed: a delete AWS refuses until a dependency is gone is retried by design.
  s.notes = ["teardown", "destroy"].flatMap((phase) =>
    refusedCalls(join(s.dir, `${phase}-debug.log`)).map((c) => `${phase}: ${c.type}: ${c.method} refused ${c.count}× and retried (${c.error})`),
  );
  s.destroyed = (r.output.match(/: Destruction complete after/g) ?? []).length;
  s.left = leftOver(s.baseline, python(s.moto, ["inventory", s.server.endpoint, s.region]));
  if (s.left.length > 0) throw new LaneFailure(`${s.name}: left in the emulator after destroy: ${s.left.join(", ")}`);
}

/**
 * Resources that keep prevent_destroy, and those that configure them (they refer to them), with the names
 * the runbook deletes by hand.
 */
function keptResources(json) {
  const all = Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => [`${type}.${name}`, body]));
  const guarded = all.filter(([, body]) => body.lifecycle?.prevent_destroy === true);
  const refers = (body) => guarded.some(([address]) => JSON.stringify(body).includes(`\${${address}.`));
  const kept = all.filter(([address, body]) => guarded.some(([a]) => a === address) || refers(body));
  return {
    addresses: kept.map(([address]) => address),
    names: {
      buckets: guarded.filter(([a]) => a.startsWith("aws_s3_bucket.")).map(([, body]) => body.bucket),
      tables: guarded.filter(([a]) => a.startsWith("aws_dynamodb_table.")).map(([, body]) => body.name),
    },
  };
}

async function main() {
  let stacks;
  try {
    stacks = awsStacks();
  } catch (e) {
    skip(e.message);
  }
  if (stacks.length === 0) skip(`no AWS stack in ${outDir()}`);
  const noTerraform = terraformUnavailable();
  if (noTerraform) skip(noTerraform);
  const moto = patchedMoto();
  if (moto.unavailable) skip(moto.unavailable);

  // The manifests behind the synthesized stacks; a stack with none (bootstrap) is listed, never dropped silently.
  const envDir = resolve(ROOT, process.env.ENVIRONMENTS_DIR || "environments");
  const manifests = readdirSync(envDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((file) => {
      const text = readFileSync(join(envDir, file), "utf8");
      const doc = YAML.parse(text) ?? {};
      const stack = stacks.find((s) => s.name === doc.environment);
      return { file, text, doc, stack: stack?.name };
    });
  const work = mkdtempSync(join(tmpdir(), "apply-lane-"));
  const lane = [];
  for (const stack of stacks) {
    const manifest = manifests.find((m) => m.stack === stack.name);
    const dir = join(work, stack.name);
    mkdirSync(dir);
    // A stack no manifest makes (bootstrap) has no fixtures; its provider names its account and region.
    const provider = stack.json.provider.aws[0];
    lane.push({
      name: stack.name,
      dir,
      manifest,
      region: manifest?.doc.aws.region ?? provider.region,
      accountId: String(manifest?.doc.aws.accountId ?? provider.allowed_account_ids?.[0] ?? "123456789012"),
      seconds: {},
      moto,
    });
  }

  const started = Date.now();
  try {
    // One emulator per stack: stacks run side by side and each left-over check sees only its own stack.
    await Promise.all(
      lane.map(async (s) => {
        s.server = await startServer(moto.bin, { accountId: s.accountId, acmWaitSeconds: ACM_WAIT, log: openSync(join(s.dir, "moto.log"), "w") });
        const requestFile = join(s.dir, "fixtures.json");
        writeFileSync(requestFile, JSON.stringify(s.manifest ? fixtureRequest(s.manifest.doc) : { region: s.region }));
        s.fixtures = python(moto, ["fixtures", s.server.endpoint, requestFile]);
        s.baseline = python(moto, ["inventory", s.server.endpoint, s.region]);
      }),
    );
    const byName = Object.fromEntries(lane.map((s) => [s.name, s]));
    const teardownOf = (name) => (byName[name].manifest ? disposable(name) : guarded(name));
    const guarded = synth(
      writeManifests(join(work, "manifests"), manifests, (name, doc) => withFixtureIds(doc, byName[name].fixtures)),
      join(work, "out"),
    );
    // The teardown the runbook gives: the manifest marked disposable, synthesized and applied before destroy.
    const disposable = synth(
      writeManifests(join(work, "manifests-teardown"), manifests, (name, doc) => ({ ...withFixtureIds(doc, byName[name].fixtures), disposable: true })),
      join(work, "out-teardown"),
    );
    const failures = [];
    await Promise.all(
      lane.map(async (s) => {
        const t0 = Date.now();
        try {
          await applyAndReplan(s, guarded(s.name));
          await teardownAndDestroy(s, teardownOf(s.name));
          s.total = (Date.now() - t0) / 1000;
          if (s === lane.find((x) => orderingSelfTest.applies(guarded(x.name)))) {
            s.selfTest = await orderingSelfTest.run(s, guarded(s.name), { terraform, prepare, refusedCalls, LaneFailure });
          }
        } catch (e) {
          if (!(e instanceof LaneFailure)) throw e;
          failures.push(e.message);
          s.failed = e.message;
        }
      }),
    );
    for (const s of lane) {
      if (s.failed) continue;
      const phases = ["apply", "plan", "teardown", "state-rm", "destroy"].filter((p) => s.seconds[p] !== undefined);
      say(
        `${s.name}: created ${s.created}, clean re-plan, destroyed ${s.destroyed}, left over ${s.left.length}, ${Math.round(s.total)} s ` +
          `(${phases.map((p) => `${p} ${Math.round(s.seconds[p])} s`).join(", ")})`,
      );
      for (const note of s.notes ?? []) say(`${s.name}: note: ${note}`);
      if (s.selfTest) say(`${s.name}: ${s.selfTest}`);
    }
    for (const line of failures) console.error(`apply: FAILED: ${line} (work folder ${work})`);
    say(`${lane.length} stack(s) in ${Math.round((Date.now() - started) / 1000)} s, ACM validation delay ${ACM_WAIT} s`);
    if (failures.length > 0) process.exitCode = 1;
    else rmSync(work, { recursive: true, force: true });
  } catch (e) {
    if (!(e instanceof LaneFailure)) throw e;
    console.error(`apply: FAILED: ${e.message}`);
    process.exitCode = 1;
  } finally {
    stopAll();
  }
}

main().catch((e) => {
  console.error(`apply: FAILED: ${e.message}`);
  stopAll();
  process.exit(1);
});
