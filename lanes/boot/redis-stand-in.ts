/**
 * ElastiCache, stood in by a real redis-server in the task's network namespace: for every redis:// or
 * rediss:// URL a container's environment holds, one server on the task's loopback at the URL's port.
 * The URL's host resolves to it through the containers' /etc/hosts (the runtime writes that file on
 * Fargate too); for rediss://, the server speaks TLS with a certificate for that host from a CA made
 * here, which the image's CA bundle trusts. The task definition itself is not changed.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { chownSync, existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from "fs";
import { isIP } from "net";
import { join } from "path";
import { PreparedContainer } from "./containers";
import { HOST_UID_BASE, TaskNamespaces } from "./sandbox";

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

export function redisStandInUnavailable(): string | undefined {
  for (const tool of ["redis-server", "openssl"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} not found (the Redis stand-in; bash scripts/install-system-packages.sh)`;
  }
  return undefined;
}

/** The Redis servers the containers' environments point at, once each. */
export function redisEndpoints(containers: PreparedContainer[]): RedisEndpoint[] {
  const found = new Map<string, RedisEndpoint>();
  for (const value of containers.flatMap((c) => Object.values(c.process.env))) {
    const m = /^(rediss?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?]+)(?::(\d+))?/.exec(value);
    if (!m) continue;
    const endpoint = { host: m[2].replace(/^\[|\]$/g, ""), port: Number(m[3] ?? 6379), tls: m[1] === "rediss" };
    found.set(`${endpoint.host}:${endpoint.port}`, endpoint);
  }
  return [...found.values()];
}

/** Starts one stand-in per endpoint and makes the containers reach and trust it; stop() ends them. */
export async function startRedisStandIns(endpoints: RedisEndpoint[], ns: TaskNamespaces, dir: string, containers: PreparedContainer[]): Promise<{ stop(): void }> {
  const servers: ChildProcess[] = [];
  const stop = () => servers.forEach((s) => s.exitCode === null && s.kill("SIGKILL"));
  try {
    for (const endpoint of endpoints) {
      const tls = endpoint.tls ? makeCertificate(endpoint.host, join(dir, `${endpoint.host}-${endpoint.port}`)) : undefined;
      const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--port", tls ? "0" : String(endpoint.port)];
      if (tls) args.push("--tls-port", String(endpoint.port), "--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-auth-clients", "no");
      // Killed with the lane even when the lane itself dies before stop().
      const argv = ns.netArgv(["setpriv", "--pdeathsig", "KILL", "--", "redis-server", ...args]);
      const server = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
      servers.push(server);
      await ready(server, endpoint);
      for (const c of containers) {
        if (!isIP(endpoint.host) && endpoint.host !== "localhost") appendToImageFile(c.image.root, "etc/hosts", `127.0.0.1 ${endpoint.host}\n`);
        if (tls) appendToImageFile(c.image.root, "etc/ssl/certs/ca-certificates.crt", readFileSync(tls.ca, "utf8"));
      }
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { stop };
}

function ready(server: ChildProcess, endpoint: RedisEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`the Redis stand-in for ${endpoint.host}:${endpoint.port} did not start in 30 s: ${log.trim().split("\n").pop() || "it printed nothing"}`)), 30000);
    const read = (d: Buffer) => {
      log += d;
      if (log.includes("Ready to accept connections")) (clearTimeout(timer), resolve());
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
    server.once("exit", () => (clearTimeout(timer), reject(new Error(`the Redis stand-in for ${endpoint.host}:${endpoint.port} exited: ${log.trim().split("\n").pop()}`))));
  });
}

/** A CA and a server certificate for `host` (and 127.0.0.1) signed by it. */
function makeCertificate(host: string, prefix: string): { ca: string; cert: string; key: string } {
  const files = { ca: `${prefix}-ca.crt`, caKey: `${prefix}-ca.key`, cert: `${prefix}.crt`, key: `${prefix}.key`, csr: `${prefix}.csr`, ext: `${prefix}.ext` };
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const openssl = (...args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim().split("\n").pop()}`);
  };
  openssl("req", "-x509", ...curve, "-keyout", files.caKey, "-out", files.ca, "-days", "1", "-subj", "/CN=boot lane Redis CA");
  openssl("req", ...curve, "-keyout", files.key, "-out", files.csr, "-subj", `/CN=${host}`);
  writeFileSync(files.ext, `subjectAltName=${isIP(host) ? `IP:${host}` : `DNS:${host}`},IP:127.0.0.1\n`);
  openssl("x509", "-req", "-in", files.csr, "-CA", files.ca, "-CAkey", files.caKey, "-CAcreateserial", "-out", files.cert, "-days", "1", "-extfile", files.ext);
  return files;
}

/** Appends to a file of the image's private /etc, never through a symlink to the host's file. */
function appendToImageFile(imageRoot: string, path: string, text: string): void {
  const file = join(imageRoot, path);
  const before = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (existsSync(file) || isLink(file)) rmSync(file);
  writeFileSync(file, `${before}${before && !before.endsWith("\n") ? "\n" : ""}${text}`, { mode: 0o644 });
  chownSync(file, HOST_UID_BASE, HOST_UID_BASE);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
