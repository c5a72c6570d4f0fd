#!/usr/bin/env node
// npm run bench [-- --runs 15] [--skip-full]: builds once, then measures against the targets of
// docs/benchmark.md, every command in interleaved runs (so a busy spell of the machine spreads over
// all of them), reporting medians:
//   1. `npm run synth` and `npm run synth:hcl`, as users and CI run them (wall time, peak RSS);
//   2. the synth of 1, 16 and 64 environments (copies of the sample manifests with their own names,
//      CIDRs and hostnames): the first of each with the IAM check cold, then milliseconds per
//      environment, which must not grow with their number;
//   3. the unit and snapshot tests (npm run test:unit), the IAM simulation tests and the offline plan tests;
//   4. the whole README test command (npm test), once, with the time of each lane it prints.
// Every line gives the load average: on a shared machine wall times follow it, CPU times much less.
// Exits 1 when a target is missed.
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require("fs");
const os = require("os");
const { join } = require("path");
const YAML = require("yaml");

const root = join(__dirname, "..");
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = option("--runs", 15);
const testRuns = option("--test-runs", 3);
const TARGETS = {
  synth: { seconds: 0.6, mib: 150 },
  unit: { seconds: 15 },
  // Half of the 51 s the offline plans took before they shared one provider process per stack.
  offline: { seconds: 25.5 },
  full: { seconds: 12 * 60 },
  // Growth from 16 to 64 environments at most 1.5 times the per-environment cost from 1 to 16.
  linearity: 1.5,
};
const TIME = "/usr/bin/time"; // GNU time: the peak RSS of the largest process of the command's tree
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs a command; returns wall seconds, CPU seconds (user + system, of the whole process tree) and peak
 * RSS in MiB (NaN without GNU time), and its output. CPU time moves much less than wall time when
 * other work shares the machine.
 */
function measure(command, commandArgs, env = {}, { mayFail = false } = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "bench-"));
  const rssFile = join(tmp, "rss");
  const useTime = existsSync(TIME);
  const [cmd, cmdArgs] = useTime ? [TIME, ["-f", "%M %U %S", "-o", rssFile, command, ...commandArgs]] : [command, commandArgs];
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, cmdArgs, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && !mayFail) throw new Error(`${command} ${commandArgs.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  const [kib, user, system] = existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number) : [];
  rmSync(tmp, { recursive: true, force: true });
  return { seconds, cpu: user + system, mib: kib / 1024, output: `${result.stdout}\n${result.stderr}`, failed: result.status !== 0 };
}

/** Runs each named command `times` times, round-robin; returns the samples by name. */
function interleaved(commands, times) {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < times; i++) for (const [name, run] of Object.entries(commands)) samples[name].push(run());
  return samples;
}

let allOk = true;
function report(name, samples, target) {
  const seconds = median(samples.map((s) => s.seconds));
  const mib = Math.max(...samples.map((s) => s.mib));
  const ok = seconds <= target.seconds && (target.mib === undefined || mib <= target.mib);
  allOk &&= ok;
  const limits = `target <= ${target.seconds} s${target.mib ? `, <= ${target.mib} MB` : ""}`;
  const memory = Number.isNaN(mib) ? "n/a" : `${mib.toFixed(0)} MB`;
  const cpu = median(samples.map((s) => s.cpu));
  const runsText = `${samples.length} run${samples.length > 1 ? "s" : ""}`;
  console.log(`${name.padEnd(36)} median ${seconds.toFixed(2)} s (CPU ${Number.isNaN(cpu) ? "n/a" : cpu.toFixed(2) + " s"}) over ${runsText}, peak ${memory}  (${limits}) ${ok ? "ok" : "MISSED"}; ${loadText()}`);
  return seconds;
}

/**
 * A folder of `count` environments, alternately copies of the sample staging (a new VPC) and
 * production (an existing VPC) manifests, each with its own name, CIDRs, VPC and hostnames.
 */
function environments(count) {
  const dir = mkdtempSync(join(os.tmpdir(), "bench-envs-"));
  const samples = { stg: "staging", prd: "production" };
  for (let k = 0; k < count; k++) {
    const kind = k % 2 === 0 ? "stg" : "prd";
    const name = `${kind}${k}`;
    const text = readFileSync(join(root, "environments", `${samples[kind]}.yaml`), "utf8").replace(new RegExp(`\\b${samples[kind]}\\b`, "g"), name);
    const manifest = YAML.parse(text);
    const hex = k.toString(16).padStart(17, "0");
    if (manifest.network.type === "new") {
      manifest.network.cidr = `10.${k}.0.0/16`;
    } else {
      const block = `10.${128 + k}`;
      Object.assign(manifest.network, {
        vpcId: `vpc-${hex}`,
        internetGatewayId: `igw-${hex}`,
        cidrBlocks: [`${block}.0.0/16`],
        usedCidrs: [0, 16, 32, 48].map((third) => `${block}.${third}.0/20`),
      });
    }
    Object.assign(manifest.service.domain, { hostedZoneId: `Z${hex.toUpperCase()}`, zoneName: `${name}.inpock.example`, hostnames: [`${name}.inpock.example`] });
    delete manifest.github?.promoteFrom;
    writeFileSync(join(dir, `${name}.yaml`), YAML.stringify(manifest));
  }
  return dir;
}

/** The load average now: the machine may be shared, and every wall time below depends on it. */
const loadText = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`;
console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${loadText()}`);
execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });

// 1. The synth commands, after one warm-up run each (it writes the V8 code cache).
const synthCommands = {
  "npm run synth": () => measure("npm", ["run", "--silent", "synth"]),
  "npm run synth:hcl": () => measure("npm", ["run", "--silent", "synth:hcl"]),
};
interleaved(synthCommands, 1);
const synth = interleaved(synthCommands, runs);
for (const [name, samples] of Object.entries(synth)) report(name, samples, TARGETS.synth);

// 2. Synth time per environment. The first synth of each size runs the IAM check cold (nothing in
// dist/.iam-pass for those stacks: it is emptied first) and is reported on its own; the measured runs
// after it find their verdicts remembered, as every synth of unchanged stacks does.
const sizes = [1, 16, 64];
// The Node.js flags `npm run synth` runs the script with (package.json), so that these runs measure the same.
const synthFlags = (/node ((?:--\S+ )*)scripts\/synth\.js/.exec(require(join(root, "package.json")).scripts.synth)?.[1] ?? "").split(" ").filter(Boolean);
const folders = Object.fromEntries(sizes.map((n) => [n, environments(n)]));
const outdir = mkdtempSync(join(os.tmpdir(), "bench-out-"));
rmSync(join(root, "dist", ".iam-pass"), { force: true });
for (const n of sizes) {
  const cold = measure("node", [...synthFlags, "scripts/synth.js", "--output", outdir], { ENVIRONMENTS_DIR: folders[n] });
  console.log(`synth, ${String(n).padStart(2)} environment(s), IAM cold`.padEnd(36) + ` ${cold.seconds.toFixed(2)} s (CPU ${cold.cpu.toFixed(2)} s), peak ${cold.mib.toFixed(0)} MB, one run; ${loadText()}`);
}
const scaling = interleaved(
  Object.fromEntries(sizes.map((n) => [n, () => measure("node", [...synthFlags, "scripts/synth.js", "--output", outdir], { ENVIRONMENTS_DIR: folders[n] })])),
  Math.max(3, Math.ceil(runs / 3)),
);
const ms = Object.fromEntries(sizes.map((n) => [n, median(scaling[n].map((s) => s.seconds)) * 1000]));
const perEnv = (from, to) => (ms[to] - ms[from]) / (to - from);
for (const n of sizes) {
  const cpu = median(scaling[n].map((s) => s.cpu));
  console.log(`synth, ${String(n).padStart(2)} environment(s)`.padEnd(36) + ` median ${(ms[n] / 1000).toFixed(2)} s (CPU ${cpu.toFixed(2)} s), peak ${Math.max(...scaling[n].map((s) => s.mib)).toFixed(0)} MB`);
}
const linear = perEnv(16, 64) <= TARGETS.linearity * perEnv(1, 16);
allOk &&= linear;
console.log(
  `${"synth, per added environment".padEnd(36)} ${perEnv(1, 16).toFixed(0)} ms (1 -> 16), ${perEnv(16, 64).toFixed(0)} ms (16 -> 64)  ` +
    `(target: 16 -> 64 <= ${TARGETS.linearity} x 1 -> 16) ${linear ? "ok" : "MISSED"}`,
);
for (const dir of [...Object.values(folders), outdir]) rmSync(dir, { recursive: true, force: true });

// 3. The tests users wait for.
const tests = interleaved(
  {
    unit: () => measure("npm", ["run", "--silent", "test:unit"]),
    iam: () => measure("npm", ["run", "--silent", "test:iam"]),
    offline: () => measure("npx", ["jest", "__tests__/terraform"]),
  },
  testRuns,
);
report("unit and snapshot tests", tests.unit, TARGETS.unit);
// No target of its own: the IAM simulation tests run in npm test, not in the unit command.
const iam = tests.iam;
console.log(`${"IAM simulation tests (npm test)".padEnd(36)} median ${median(iam.map((s) => s.seconds)).toFixed(2)} s (CPU ${median(iam.map((s) => s.cpu)).toFixed(2)} s) over ${iam.length} runs`);
report("offline plan tests", tests.offline, TARGETS.offline);

// 4. The README test command, with the lanes' own times (lanes/run-all.js prints `lane <name>: ok in N s`).
if (!args.includes("--skip-full")) {
  // Run to the end even when a test or lane fails, so that every lane's time is still reported.
  const full = measure("npm", ["test", "--silent"], {}, { mayFail: true });
  report("npm test (every lane)", [full], TARGETS.full);
  if (full.failed) {
    allOk = false;
    console.log("  npm test FAILED (its output is not shown here; run it on its own)");
  }
  const jest = /^Time:\s+([\d.]+) s/m.exec(full.output);
  if (jest) console.log(`  jest`.padEnd(36) + ` ${Number(jest[1]).toFixed(1)} s`);
  for (const [, lane, status, seconds] of full.output.matchAll(/^lane (\S+): (\S+) in ([\d.]+) s$/gm)) {
    console.log(`  lane ${lane}`.padEnd(36) + ` ${seconds} s ${status}`);
  }
}
process.exitCode = allOk ? 0 : 1;
