#!/usr/bin/env node
// npm run synth [-- --output <dir>] and npm run synth:hcl (--hcl, then terraform fmt): write exactly
// what `cdktf synth` (and `cdktf synth --hcl` + `terraform fmt`) write, by running the
// app in this process. The cdktf CLI costs about 3 s and 180 MB before it even starts the app (35 MB of
// JavaScript, `terraform version` four times); synth needs none of it. What the CLI does around the
// app is repeated here: its environment for the app, removing the folders of stacks that no longer
// exist, and failing on error annotations. __tests__/project/app-command.test.ts proves the two
// outputs identical. `cdktf deploy` and `diff` still run cdktf.json's `app` through the CLI.
// HCL is formatted by `terraform fmt` afterwards (package.json), which gives the same files as the
// CLI's own formatter followed by `terraform fmt`, without loading that formatter (0.4 s).
"use strict";
const { existsSync, readdirSync, readFileSync, rmSync, statSync } = require("fs");
const { join, resolve } = require("path");

const root = join(__dirname, "..");

function parseArgs(argv) {
  const options = { hcl: false, output: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--hcl") options.hcl = true;
    else if ((argv[i] === "--output" || argv[i] === "-o") && argv[i + 1]) options.output = argv[++i];
    else if (argv[i].startsWith("--output=")) options.output = argv[i].slice("--output=".length);
    else {
      console.error(`synth: unknown argument ${argv[i]} (expected --hcl or --output <dir>)`);
      process.exit(1);
    }
  }
  return options;
}

/** Stack folders already in the output: the CLI removes the ones the app no longer writes. */
function stackFolders(outdir) {
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks).filter((name) => statSync(join(stacks, name)).isDirectory());
}

/** The environment cdktf-cli 0.21 gives the app (SynthStack.synth and its config loader). */
function cliEnvironment(config, outdir, hcl) {
  for (const key of Object.keys(process.env)) if (key.startsWith("TF_VAR_")) delete process.env[key];
  process.env.NODE_ENV = process.env.NODE_ENV || "production";
  // The CLI replaces the context with cdktf.json's when it has one, then adds the relative modules.
  const context = config.context ?? (process.env.CDKTF_CONTEXT_JSON ? JSON.parse(process.env.CDKTF_CONTEXT_JSON) : {});
  const relativeModules = (config.terraformModules ?? []).filter((m) => /^\.\.?\//.test(typeof m === "string" ? m : m.source));
  process.env.CDKTF_CONTEXT_JSON = JSON.stringify({ ...context, cdktfRelativeModules: relativeModules });
  process.env.CDKTF_OUTDIR = outdir;
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
  process.env.SYNTH_HCL_OUTPUT = String(hcl);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const config = JSON.parse(readFileSync(join(root, "cdktf.json"), "utf8"));
  const outdir = resolve(root, options.output ?? config.output ?? "cdktf.out");
  const existing = stackFolders(outdir);
  cliEnvironment(config, outdir, options.hcl);

  // The app checks IAM after writing the stacks (asynchronously); its verdict decides, not the files.
  await require("./build").fromBuild("main.js").main();
  if (process.exitCode) return; // the app has said why, in one line per problem

  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  const stacks = Object.values(manifest.stacks);
  const names = stacks.map((s) => s.name);
  for (const name of existing) if (!names.includes(name)) rmSync(join(outdir, "stacks", name), { recursive: true });

  let errors = 0;
  for (const stack of stacks) {
    for (const a of stack.annotations ?? []) {
      const level = { "@cdktf/info": "INFO", "@cdktf/warn": "WARN", "@cdktf/error": "ERROR" }[a.level] ?? a.level;
      if (level === "ERROR") errors++;
      console.log(`${level} [${a.constructPath}]: ${a.message}`);
    }
  }
  if (errors > 0) {
    console.error(`synth: ${errors} error annotation(s), above`);
    process.exitCode = 1;
    return;
  }
  if (names.length === 0) console.error("ERROR: No Terraform code synthesized.");
  else console.log(`Generated Terraform code for the stacks: ${names.join(", ")}`);
}

main().then(
  // Everything is written by now: exiting here skips about 40 ms of Node.js winding down.
  // The V8 code cache, when it needs writing, is written by the "exit" handler all the same.
  () => process.exit(),
  (error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exit(1);
  },
);
