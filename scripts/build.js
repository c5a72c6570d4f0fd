#!/usr/bin/env node
// The compiled build (dist/), never a stale one: the build records a hash of its
// sources, and a mismatch rebuilds (type-checked) first, saying so.
// `node scripts/build.js --stamp` records the hash; `npm run build` calls it.
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

/** Rebuilds when the sources changed since the last build; exits 1 when the build fails. */
function ensureBuild() {
  const built = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";
  if (built === sourceHash()) return;
  console.error(built ? "Sources changed since the last build: running `npm run build`." : "No build yet: running `npm run build`.");
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  } catch {
    console.error("The build failed (above); nothing was done.");
    process.exit(1);
  }
}

/** Requires a module of the fresh build, such as "main.js". */
function fromBuild(path) {
  ensureBuild();
  return require(join(root, "dist", path));
}

module.exports = { fromBuild };

if (require.main === module && process.argv[2] === "--stamp") {
  writeFileSync(stampFile, sourceHash() + "\n");
}
