#!/usr/bin/env node
// Runs every lane (lanes/<name>/run.js) in order over cdktf.out and prints one summary line per lane.
// A lane exits 0 when it passed or skipped (it says which, in one line), non-zero when it failed.
"use strict";
const { spawnSync } = require("child_process");
const { existsSync, readdirSync } = require("fs");
const { join } = require("path");

const only = process.argv.slice(2);
const lanes = readdirSync(__dirname)
  .filter((name) => name !== "support" && existsSync(join(__dirname, name, "run.js")))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();
const results = [];
for (const lane of lanes) {
  console.log(`\n=== lane ${lane} ===`);
  const start = Date.now();
  const r = spawnSync(process.execPath, [join(__dirname, lane, "run.js")], { stdio: "inherit" });
  results.push({ lane, ok: r.status === 0, seconds: (Date.now() - start) / 1000 });
}
console.log("");
for (const { lane, ok, seconds } of results) console.log(`lane ${lane}: ${ok ? "ok" : "FAILED"} in ${seconds.toFixed(1)} s`);
// The closing line CI reads (a lane that skipped said so above, in one line).
const failed = results.filter((r) => !r.ok).length;
console.log(`lanes: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
