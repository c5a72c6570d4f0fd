/**
 * A real redis-server on loopback for the app tests: a free port, nothing saved to disk, stopped by stop().
 * With `tls`, it serves TLS only, with a certificate from a CA made here (caFile: what a client must trust).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { writeFileSync } from "fs";
import { connect } from "net";
import { join } from "path";
import { tempDir } from "./app";
import { freePort, which } from "./app-pair";

export interface RedisServer {
  url: string;
  caFile?: string;
  stop(): Promise<void>;
}

export function redisUnavailable(): string | undefined {
  if (!which("redis-server")) return "redis-server not found (bash scripts/install-system-packages.sh)";
  if (!which("openssl")) return "openssl not found (bash scripts/install-system-packages.sh)";
  return undefined;
}

/** A CA and a server certificate for 127.0.0.1 signed by it, in `dir`. */
export function makeTlsFiles(dir: string): { ca: string; cert: string; key: string } {
  const openssl = (...args: string[]) => execFileSync(which("openssl")!, args, { cwd: dir, stdio: "pipe" });
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test-ca");
  openssl("req", ...curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "ext");
  return { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

export async function startRedis(options: { tls?: boolean } = {}): Promise<RedisServer> {
  const dir = tempDir("redis-");
  const port = await freePort();
  const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  let caFile: string | undefined;
  if (options.tls) {
    const files = makeTlsFiles(dir);
    caFile = files.ca;
    args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", files.cert, "--tls-key-file", files.key, "--tls-auth-clients", "no");
  } else {
    args.push("--port", String(port));
  }
  let log = "";
  const child: ChildProcess = spawn(which("redis-server")!, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  for (const deadline = Date.now() + 10000; !(await listening(port)); ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `${options.tls ? "rediss" : "redis"}://127.0.0.1:${port}/0`, caFile, stop };
}
