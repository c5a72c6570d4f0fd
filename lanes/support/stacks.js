// Discovers the synthesized stacks in cdktf.out: lanes read the Terraform JSON, never the manifests,
// and never list environments by name.
"use strict";
const { existsSync, readdirSync, readFileSync } = require("fs");
const { join } = require("path");
const { ROOT } = require("./python-venv");

/** The folder `npm run synth` writes (CDKTF_OUTDIR overrides, as for cdktf). */
function outDir() {
  return process.env.CDKTF_OUTDIR || join(ROOT, "cdktf.out");
}

/** Every synthesized stack: { name, dir, json }. Throws one line when nothing was synthesized. */
function synthesizedStacks(dir = outDir()) {
  const stacksDir = join(dir, "stacks");
  if (!existsSync(stacksDir)) throw new Error(`${stacksDir} does not exist: run npm run synth first`);
  return readdirSync(stacksDir)
    .sort()
    .filter((name) => existsSync(join(stacksDir, name, "cdk.tf.json")))
    .map((name) => ({ name, dir: join(stacksDir, name), json: JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8")) }));
}

/** Stacks that deploy to AWS (an aws provider) and not to a local Docker engine. */
function awsStacks(dir) {
  return synthesizedStacks(dir).filter((s) => s.json.provider?.aws && !s.json.provider?.docker);
}

module.exports = { outDir, synthesizedStacks, awsStacks };
