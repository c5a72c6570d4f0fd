// The AWS API emulator for the apply lane: moto[server] at the version pinned in requirements.txt,
// in .venv/apply, with the lane's patches (moto-patches/) applied, one server per stack on a free
// loopback port. Every server started here is stopped by its pid when the lane exits, always.
"use strict";
const { spawn, spawnSync } = require("child_process");
const { createHash } = require("crypto");
const { existsSync, readdirSync, readFileSync, writeFileSync } = require("fs");
const http = require("http");
const net = require("net");
const { join } = require("path");
const { ensureVenv } = require("../support/python-venv");

const PATCHES = join(__dirname, "moto-patches");
const REQUIREMENTS = join(__dirname, "requirements.txt");
const servers = new Set();

function stopAll() {
  for (const child of servers) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  servers.clear();
}
process.on("exit", stopAll);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

/** The venv with moto patched; { unavailable } when it cannot be made here; throws when a patch does not apply. */
function patchedMoto() {
  const venv = ensureVenv("apply", REQUIREMENTS);
  if (venv.unavailable) return venv;
  const python = join(venv.bin, "python");
  const patches = readdirSync(PATCHES).filter((f) => f.endsWith(".patch")).sort();
  const hash = createHash("sha256");
  for (const p of patches) hash.update(p).update(readFileSync(join(PATCHES, p)));
  const digest = hash.digest("hex");
  const stamp = join(venv.dir, ".moto-patches.sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return { python, bin: venv.bin };

  // A pristine moto first, so that a changed patch set never lands on an old one.
  const pin = readFileSync(REQUIREMENTS, "utf8").match(/^moto\[server\]==(\S+)/m);
  if (!pin) throw new Error("lanes/apply/requirements.txt: expected a line moto[server]==<version>");
  const reinstall = spawnSync(python, ["-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", `moto==${pin[1]}`], { encoding: "utf8" });
  if (reinstall.status !== 0) return { unavailable: `could not reinstall moto ${pin[1]}: ${(reinstall.stderr || "").trim().split("\n").pop()}` };
  const site = spawnSync(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).stdout.trim();
  for (const p of patches) {
    const r = spawnSync("patch", ["-p1", "--forward", "--silent", "-d", site, "-i", join(PATCHES, p)], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      throw new Error(`lanes/apply/moto-patches/${p} does not apply to moto ${pin[1]}: ${`${r.stdout}${r.stderr}${r.error || ""}`.trim().split("\n")[0]}`);
    }
  }
  writeFileSync(stamp, digest);
  return { python, bin: venv.bin };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function answers(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Starts a moto server for one account; resolves to { endpoint, pid, stop }. */
async function startServer(bin, { accountId, acmWaitSeconds, log }) {
  const port = await freePort();
  const child = spawn(join(bin, "moto_server"), ["-p", String(port), "-H", "127.0.0.1"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MOTO_ACCOUNT_ID: accountId,
      // The AWS managed policies the stacks attach (AWSCodeDeployRoleForECS…) exist in every account.
      MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
      // How long ACM takes to validate a certificate through DNS.
      MOTO_ACM_VALIDATION_WAIT: String(acmWaitSeconds),
    },
    stdio: ["ignore", log, log],
  });
  servers.add(child);
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with status ${child.exitCode} (see its log)`);
    if (await answers(`${endpoint}/moto-api/`)) {
      return {
        endpoint,
        pid: child.pid,
        stop() {
          servers.delete(child);
          try {
            process.kill(child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        },
      };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 20 s`);
}

module.exports = { patchedMoto, startServer, stopAll };
