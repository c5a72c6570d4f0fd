#!/usr/bin/env node
// npm run synth [-- --output <dir>] and npm run synth:hcl (--hcl, then terraform fmt): write exactly
// what `cdktf synth` (and `cdktf synth --hcl` + `terraform fmt`) write, by running the
// app in this process. The cdktf CLI costs about 3 s and 180 MB before it even starts the app (35 MB of
// JavaScript, `terraform version` four times); synth needs none of it. What the CLI does around the
// app is repeated here: its environment for the app, removing the folders of stacks that no longer
// exist, and failing on error annotations. __tests__/project/app-command.test.ts proves the two
// outputs identical. `cdktf deploy` and `diff` still run cdktf.json's `app` through the CLI.
// With --fmt (npm run synth:hcl), the HCL is then formatted by `terraform fmt`, which gives the same files
// as the CLI's own formatter followed by `terraform fmt`, without loading that formatter (0.4 s). Each
// formatted file is kept in dist/.hcl-fmt/ by a hash of the terraform binary and the unformatted text, so
// a stack that did not change is not formatted again (terraform fmt costs a 0.1-0.3 s process).
"use strict";
const { spawnSync } = require("child_process");
const { createHash } = require("crypto");
const { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } = require("fs");
const { delimiter, join, resolve } = require("path");

const root = join(__dirname, "..");

function parseArgs(argv) {
  const options = { hcl: false, fmt: false, output: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--hcl") options.hcl = true;
    else if (argv[i] === "--fmt") options.fmt = true;
    else if ((argv[i] === "--output" || argv[i] === "-o") && argv[i + 1]) options.output = argv[++i];
    else if (argv[i].startsWith("--output=")) options.output = argv[i].slice("--output=".length);
    else {
      console.error(`synth: unknown argument ${argv[i]} (expected --hcl, --fmt or --output <dir>)`);
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
  if (options.hcl && options.fmt && !formatHcl(outdir)) return;
  if (names.length === 0) console.error("ERROR: No Terraform code synthesized.");
  else console.log(`Generated Terraform code for the stacks: ${names.join(", ")}`);
}

/** The first `name` on PATH, or undefined. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const file = join(dir || ".", name);
    try {
      if (statSync(file).isFile()) return realpathSync(file);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function tfFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tfFiles(join(dir, e.name)) : e.name.endsWith(".tf") ? [join(dir, e.name)] : []));
}

/** `terraform fmt` over every .tf file of the output, but each text formatted once (dist/.hcl-fmt/). */
function formatHcl(outdir) {
  const terraform = onPath("terraform");
  if (!terraform) {
    console.error("synth: --fmt formats the HCL with terraform fmt, but terraform is not on PATH (Terraform 1.10 or newer)");
    process.exitCode = 1;
    return false;
  }
  const { size, mtimeMs } = statSync(terraform);
  const cacheDir = join(root, "dist", ".hcl-fmt");
  mkdirSync(cacheDir, { recursive: true });
  const misses = [];
  for (const file of tfFiles(outdir)) {
    const key = createHash("sha256").update(`${terraform}:${size}:${mtimeMs}\0`).update(readFileSync(file)).digest("hex");
    const formatted = join(cacheDir, `${key}.tf`);
    if (existsSync(formatted)) copyFileSync(formatted, file);
    else misses.push({ file, formatted });
  }
  if (misses.length === 0) return true;
  const result = spawnSync(terraform, ["fmt", ...misses.map((m) => m.file)], { stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) {
    console.error(`synth: terraform fmt failed${result.error ? `: ${result.error.message}` : " (above)"}`);
    process.exitCode = 1;
    return false;
  }
  for (const { file, formatted } of misses) {
    writeFileSync(`${formatted}.${process.pid}`, readFileSync(file));
    renameSync(`${formatted}.${process.pid}`, formatted);
  }
  // Old entries go once there are many: a few per stack and terraform version is all that is ever read.
  const entries = readdirSync(cacheDir).map((name) => ({ name, time: statSync(join(cacheDir, name)).mtimeMs }));
  if (entries.length > 500) entries.sort((a, b) => a.time - b.time).slice(0, entries.length - 250).forEach((e) => rmSync(join(cacheDir, e.name), { force: true }));
  return true;
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
