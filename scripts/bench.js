#!/usr/bin/env node
// npm run bench [-- --runs 9] [--skip-full]: builds once, then times
//   1. the synth of every sample stack, as cdktf.json's `app` runs it (node scripts/app.js), 15 runs;
//   2. the unit and snapshot tests (npm run test:unit);
//   3. the whole README test command (npm test), once, unless --skip-full.
// Prints median wall time and peak memory of each against the targets; exits 1 when one is missed.
"use strict";
const { spawnSync, execFileSync } = require("child_process");
const { existsSync, mkdtempSync, readFileSync, rmSync } = require("fs");
const os = require("os");
const { join } = require("path");

const root = join(__dirname, "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 15;
const TARGETS = { synth: { seconds: 0.5, mib: 150 }, unit: { seconds: 15 }, full: { seconds: 90 } };
const TIME = "/usr/bin/time"; // GNU time: peak RSS of a command's process tree

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a command; returns wall seconds and peak RSS in MiB (from rssFile, or GNU time when given). */
function measure(command, commandArgs, env = {}) {
  const tmp = mkdtempSync(join(os.tmpdir(), "bench-"));
  const rssFile = join(tmp, "rss");
  const useTime = existsSync(TIME) && !env.BENCH_RSS_FILE;
  const [cmd, cmdArgs] = useTime ? [TIME, ["-f", "%M", "-o", rssFile, command, ...commandArgs]] : [command, commandArgs];
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, cmdArgs, { cwd: root, env: { ...process.env, CI: "true", ...env, CDKTF_OUTDIR: join(tmp, "out") }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(" ")} failed:\n${result.stderr}`);
  const file = env.BENCH_RSS_FILE ?? rssFile;
  const mib = existsSync(file) ? Number(readFileSync(file, "utf8").trim().split("\n").pop()) / 1024 : NaN;
  rmSync(tmp, { recursive: true, force: true });
  return { seconds, mib };
}

function report(name, samples, target) {
  const seconds = median(samples.map((s) => s.seconds));
  const mib = Math.max(...samples.map((s) => s.mib));
  const ok = seconds <= target.seconds && (target.mib === undefined || mib <= target.mib);
  const limits = `target <= ${target.seconds} s${target.mib ? `, <= ${target.mib} MB` : ""}`;
  console.log(`${name.padEnd(34)} median ${seconds.toFixed(2)} s over ${samples.length} runs, peak ${Number.isNaN(mib) ? "n/a" : mib.toFixed(0) + " MB"}  (${limits}) ${ok ? "ok" : "MISSED"}`);
  return ok;
}

console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });

const rssTmp = mkdtempSync(join(os.tmpdir(), "bench-rss-"));
const synth = [];
for (let i = 0; i < runs + 1; i++) {
  const sample = measure("node", ["-r", "./scripts/bench-rss.js", "scripts/app.js"], { BENCH_RSS_FILE: join(rssTmp, `rss-${i}`) });
  if (i > 0) synth.push(sample); // the first run writes the V8 code cache
}
rmSync(rssTmp, { recursive: true, force: true });
let ok = report("synth, all sample stacks", synth, TARGETS.synth);

const unit = [];
for (let i = 0; i < Math.min(runs, 3); i++) unit.push(measure("npm", ["run", "--silent", "test:unit"]));
ok = report("unit and snapshot tests", unit, TARGETS.unit) && ok;

if (!args.includes("--skip-full")) ok = report("npm test (terraform included)", [measure("npm", ["test", "--silent"])], TARGETS.full) && ok;
process.exitCode = ok ? 0 : 1;
