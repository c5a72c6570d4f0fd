// A project-local Python virtual environment per lane: .venv/<name>, made from the lane's pinned
// requirements file and rebuilt only when that file changes (its hash is kept in the venv).
"use strict";
const { spawnSync } = require("child_process");
const { createHash } = require("crypto");
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require("fs");
const { join } = require("path");

const ROOT = join(__dirname, "..", "..");

/**
 * Makes (or reuses) .venv/<name> with exactly the pins of `requirementsFile`.
 * Returns { bin } on success, or { unavailable: "one line saying why" }: the caller skips with that line.
 */
function ensureVenv(name, requirementsFile, options = {}) {
  // One maker at a time: jest workers and lanes may ask for the same venv at once.
  const lock = join(ROOT, ".venv", `${name}.lock`);
  mkdirSync(join(ROOT, ".venv"), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (waited > 600000) rmSync(lock, { recursive: true, force: true }); // a maker that died
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return makeVenv(name, requirementsFile, options);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function makeVenv(name, requirementsFile, { python = process.env.PYTHON || "python3" }) {
  const dir = join(ROOT, ".venv", name);
  const bin = join(dir, "bin");
  const stamp = join(dir, ".requirements.sha256");
  const hash = createHash("sha256").update(readFileSync(requirementsFile)).digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash && existsSync(join(bin, "python"))) return { bin, dir };

  const probe = spawnSync(python, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return { unavailable: `${python} not found` };
  rmSync(dir, { recursive: true, force: true });
  const steps = [
    [python, ["-m", "venv", dir]],
    [join(bin, "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", requirementsFile]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (r.error || r.status !== 0) {
      rmSync(dir, { recursive: true, force: true }); // nothing half-installed is reused
      const last = `${r.stderr || ""}${r.error || ""}`.trim().split("\n").pop();
      return { unavailable: `could not install ${requirementsFile.replace(ROOT + "/", "")} into .venv/${name}: ${last}` };
    }
  }
  writeFileSync(stamp, hash);
  return { bin, dir };
}

module.exports = { ensureVenv, ROOT };
