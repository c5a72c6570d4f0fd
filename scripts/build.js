#!/usr/bin/env node
// The build: `npm run build` type-checks (tsc) and then runs `node scripts/build.js --bundle`,
// which bundles each entry point with esbuild into dist/ and records a hash of the sources.
// fromBuild() never runs a stale build: a hash mismatch rebuilds first, saying so. It loads a
// bundle with a V8 code cache beside it, so a synth does not compile 5 MB of JavaScript again.
// V8 rejects a cache made under other V8 flags (`cdktf synth` sets --max-old-space-size, direct
// runs do not), so there is one cache per Node.js version and set of V8 flags.
"use strict";
const { createHash } = require("crypto");
const { execFileSync } = require("child_process");
const { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } = require("fs");
const { dirname, join } = require("path");
const Module = require("module");
const vm = require("vm");

const root = join(__dirname, "..");
const dist = join(root, "dist");
const stampFile = join(dist, ".source-hash");
/** V8's own flags (name -> whether boolean), listed at build time by `node --v8-options`. */
const v8FlagsFile = join(dist, ".v8-flags.json");
/** Bundle name -> entry point. */
const ENTRIES = {
  "main.js": "main.ts",
  "release-cli.js": "src/release/cli.ts",
  "review-cli.js": "src/review/cli.ts",
  "new-environment-cli.js": "src/environments/cli.ts",
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
  // Information, so stdout: the cdktf CLI shows an app's stdout as it is, but its stderr as [ERROR].
  console.log(built ? "Sources changed since the last build: running `npm run build`." : "No build yet: running `npm run build`.");
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  } catch {
    console.error("The build failed (above); nothing was done.");
    process.exit(1);
  }
}

/**
 * The V8 flags among Node's command-line and NODE_OPTIONS flags, normalized and sorted. Node's own
 * flags (--require, --enable-source-maps, --no-warnings…) leave a code cache valid; V8's do not.
 */
function v8Flags(args, known) {
  const flags = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--(no-)?([^=]+)(=.*)?$/.exec(args[i]);
    if (!match) continue;
    const name = match[2].replace(/_/g, "-");
    if (!(name in known)) continue;
    let value = match[3] ?? "";
    if (!value && !known[name] && i + 1 < args.length && !args[i + 1].startsWith("-")) value = `=${args[++i]}`;
    flags.push(`--${match[1] ?? ""}${name}${value}`);
  }
  return flags.sort();
}

/** The code cache file for this Node.js version and these V8 flags. */
function codeCacheFile(file, env = process.env, execArgv = process.execArgv) {
  const known = existsSync(v8FlagsFile) ? JSON.parse(readFileSync(v8FlagsFile, "utf8")) : {};
  const args = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/).filter(Boolean)];
  const key = [process.version, process.arch, ...v8Flags(args, known)].join(" ");
  return `${file}.${createHash("sha256").update(key).digest("hex").slice(0, 12)}.v8-cache`;
}

/** `node --v8-options`: "  --name (description)" then "        type: bool  default: …". */
function listV8Flags() {
  const lines = execFileSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).split("\n");
  const flags = {};
  lines.forEach((line, i) => {
    const match = /^ {2}--([a-z0-9-]+) \(/.exec(line);
    if (match) flags[match[1]] = /type: bool/.test(lines[i + 1] ?? "");
  });
  return flags;
}

/** Loads a bundle of the fresh build ("main.js"), compiled from its code cache when there is one. */
function fromBuild(name) {
  ensureBuild();
  const file = join(dist, name);
  const cacheFile = codeCacheFile(file);
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

/**
 * cdktf loads archiver (and readable-stream, glob, async… with it: about 10 ms at every start) for
 * assets, which no stack has; the require moves into the one function that zips, so it runs only then.
 */
const lazyArchiver = {
  name: "lazy-archiver",
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/ }, ({ path }) => {
      const eager = 'const archiver = require("archiver");';
      const source = readFileSync(path, "utf8");
      if (!source.includes(eager)) throw new Error(`${path} no longer holds ${eager}: update lazyArchiver in scripts/build.js`);
      return { contents: source.replace(eager, 'const archiver = (...args) => require("archiver")(...args);'), loader: "js", resolveDir: dirname(path) };
    });
  },
};

/** Bundles every entry point (no type check: `npm run build` runs tsc first). */
async function bundle() {
  const esbuild = require("esbuild");
  for (const [name, entry] of Object.entries(ENTRIES)) {
    await esbuild.build({
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
      plugins: [lazyArchiver],
    });
    for (const old of readdirSync(dist)) if (old.startsWith(`${name}.`) && old.endsWith(".v8-cache")) rmSync(join(dist, old));
  }
  writeFileSync(v8FlagsFile, JSON.stringify(listV8Flags()));
  writeFileSync(stampFile, sourceHash() + "\n");
}

module.exports = { fromBuild, codeCacheFile, v8Flags };

if (require.main === module && process.argv[2] === "--bundle") {
  bundle().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
