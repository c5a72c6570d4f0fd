// Runs a lane written in TypeScript: esbuild bundles its entry (no type check here: `npm test` runs
// tsc over lanes/ first) into .cache/lanes/, then the bundle's exported main() runs.
"use strict";
const { join } = require("path");
const { ROOT } = require("./python-venv");

async function runTs(entry, name) {
  const outfile = join(ROOT, ".cache", "lanes", `${name}.js`);
  require("esbuild").buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    sourcemap: "inline",
  });
  try {
    process.exitCode = await require(outfile).main(process.argv.slice(2));
  } catch (error) {
    console.error(`${name}: ${error && error.message ? error.message : error}`);
    process.exitCode = 1;
  }
}

module.exports = { runTs };
