#!/usr/bin/env node
// cdktf.json's `app`: runs the compiled app (dist/main.js) so that synth needs no
// TypeScript compiler, and never a stale one: the build records a hash of its
// sources, and a mismatch rebuilds (type-checked) before synth, saying so.
// `node scripts/app.js --stamp` records the hash; `npm run build` calls it.
"use strict";
const { createHash } = require("crypto");
const { execFileSync } = require("child_process");
const { existsSync, readdirSync, readFileSync, writeFileSync, statSync } = require("fs");
const { join } = require("path");

const root = join(__dirname, "..");
const stampFile = join(root, "dist", ".source-hash");
const SOURCES = ["main.ts", "stacks", "src", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

function sourceHash() {
  const hash = createHash("sha256");
  for (const file of SOURCES.flatMap((s) => files(join(root, s)))) {
    hash.update(file.slice(root.length)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

if (process.argv[2] === "--stamp") {
  writeFileSync(stampFile, sourceHash() + "\n");
  process.exit(0);
}

const built = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";
if (built !== sourceHash()) {
  console.error(built ? "Sources changed since the last build: running `npm run build`." : "No build yet: running `npm run build`.");
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  } catch {
    console.error("The build failed (above); nothing was synthesized.");
    process.exit(1);
  }
}
require(join(root, "dist", "main.js")).main();
