#!/usr/bin/env node
// The build: `npm run build` type-checks (tsc) and then runs `node scripts/build.js --bundle`,
// which bundles each entry point with esbuild into dist/ and records a hash of the sources.
// fromBuild() never runs a stale build: a hash mismatch rebuilds first, saying so. It loads a
// bundle with a V8 code cache beside it, so a synth does not compile 5 MB of JavaScript again.
"use strict";
const { createHash } = require("crypto");
const { execFileSync } = require("child_process");
const { existsSync, readdirSync, readFileSync, writeFileSync, statSync } = require("fs");
const { dirname, join } = require("path");
const Module = require("module");
const vm = require("vm");

const root = join(__dirname, "..");
const dist = join(root, "dist");
const stampFile = join(dist, ".source-hash");
/** Bundle name -> entry point. */
const ENTRIES = {
  "main.js": "main.ts",
  "release-cli.js": "src/release/cli.ts",
  "review-cli.js": "src/review/cli.ts",
  // The offline terraform runner, for lanes that need a stack's plan JSON (lanes/checkov).
  "offline.js": "src/terraform/offline.ts",
};
const SOURCES = ["main.ts", "stacks", "src", "tsconfig.json", "package-lock.json", "patches", "scripts/build.js"];

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

/** Loads a bundle of the fresh build ("main.js"), compiled from its code cache when there is one. */
function fromBuild(name) {
  ensureBuild();
  const file = join(dist, name);
  const cacheFile = `${file}.v8-cache`;
  const wrapper = Module.wrap(readFileSync(file, "utf8"));
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    // Written at exit, so the cache also holds the functions this run compiled lazily.
    process.once("exit", () => {
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // A read-only checkout only loses the speed-up.
      }
    });
  }
  return module.exports;
}

/** Bundles every entry point (no type check: `npm run build` runs tsc first). */
function bundle() {
  const esbuild = require("esbuild");
  for (const [name, entry] of Object.entries(ENTRIES)) {
    esbuild.buildSync({
      entryPoints: [join(root, entry)],
      outfile: join(dist, name),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      logLevel: "warning",
      legalComments: "none",
      // The IAM simulator reads its data files relative to its own folder: it stays in node_modules.
      external: ["@cloud-copilot/*"],
      // Less source to read and hash on every synth; names stay readable in stack traces.
      minifyWhitespace: true,
      minifySyntax: true,
    });
    const cache = join(dist, `${name}.v8-cache`);
    if (existsSync(cache)) require("fs").rmSync(cache);
  }
  writeFileSync(stampFile, sourceHash() + "\n");
}

module.exports = { fromBuild };

if (require.main === module && process.argv[2] === "--bundle") bundle();
