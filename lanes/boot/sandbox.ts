/**
 * Fargate's isolation, from bubblewrap and Linux namespaces, without root inside or Docker:
 * - one user namespace per task mapping container uids 0..65535 to unprivileged host uids, so a
 *   container's user owns nothing it should not (a root-owned 0755 volume really refuses uid 10001);
 * - one network namespace per task (awsvpc): containers share its loopback and nothing else;
 * - per container: its own mount and pid namespaces, a root built from the image, read-only when the
 *   definition says so, and each volume bound where its mount point says.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "fs";
import { join } from "path";

/** Container uid 0 is this host uid; container uid N is HOST_UID_BASE + N. */
export const HOST_UID_BASE = 100000;
const UID_COUNT = 65536;
/** bwrap runs as the namespace's owner (host uid HOST_UID_BASE), so it may enter it and be root there. */
const AS_OWNER = ["setpriv", `--reuid=${HOST_UID_BASE}`, `--regid=${HOST_UID_BASE}`, "--clear-groups", "--"];
/** The capabilities Docker, and so Fargate, gives a root container. */
const DOCKER_DEFAULT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE", "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP"];

export interface TaskNamespaces {
  /** pid of the process holding the user and network namespaces. */
  holder: number;
  /** Runs `argv` inside the task's network namespace (as the load balancer's side of the ENI). */
  netArgv(argv: string[]): string[];
  /** Runs bwrap with `bwrapArgs` inside the task's user and network namespaces. */
  sandboxArgv(bwrapArgs: string[]): string[];
  userNsFd(): number;
  close(): void;
}

/** Why the lane cannot run here, or undefined when it can. */
export function sandboxUnavailable(): string | undefined {
  for (const tool of ["bwrap", "unshare", "nsenter"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} not found (Debian package ${tool === "bwrap" ? "bubblewrap" : "util-linux"})`;
  }
  if (process.getuid?.() !== 0) return "the boot lane maps a range of host uids, which needs root (CI and this machine run as root)";
  return undefined;
}

export async function createTaskNamespaces(): Promise<TaskNamespaces> {
  const holder = spawn(AS_OWNER[0], [...AS_OWNER.slice(1), "unshare", "--user", "--net", "sleep", "infinity"], { stdio: "ignore" });
  const pid = holder.pid!;
  // The holder has unshared once its user namespace differs from ours.
  const ours = readLink("/proc/self/ns/user");
  for (let i = 0; i < 200 && readLink(`/proc/${pid}/ns/user`) === ours; i++) await sleep(10);
  for (const map of ["uid_map", "gid_map"]) writeMap(`/proc/${pid}/${map}`, `0 ${HOST_UID_BASE} ${UID_COUNT}\n`);
  const up = spawnSync("nsenter", ["--target", String(pid), "--net", "ip", "link", "set", "lo", "up"], { encoding: "utf8" });
  if (up.status !== 0) throw new Error(`could not bring up the task's loopback: ${up.stderr.trim()}`);
  const fds: number[] = [];
  return {
    holder: pid,
    netArgv: (argv) => ["nsenter", "--target", String(pid), "--net", "--", ...argv],
    sandboxArgv: (argv) => ["nsenter", "--target", String(pid), "--net", "--", ...AS_OWNER, "bwrap", ...argv],
    userNsFd: () => {
      const fd = openSync(`/proc/${pid}/ns/user`, "r");
      fds.push(fd);
      return fd;
    },
    close: () => {
      fds.splice(0).forEach((fd) => closeSync(fd));
      holder.kill("SIGKILL");
    },
  };
}

export interface ContainerRoot {
  /** The image's file system on the host (the container's /), with empty mount points for the rest. */
  imageRoot: string;
  /** Host folders bound read-only at the same path (the base image's userland: /usr, the venv). */
  hostBinds: string[];
  /** Extra binds of image content into host-bound trees: [hostSource, sandboxPath]. */
  nestedBinds: [string, string][];
  /** Volumes: [hostDir, containerPath, readOnly]. */
  volumes: [string, string, boolean][];
  readonlyRoot: boolean;
}

/** Makes the mount points and the merged-/usr symlinks that bwrap needs inside an image root. */
export function prepareImageRoot(root: ContainerRoot): void {
  for (const dir of ["dev", "proc", ...root.hostBinds.map((d) => d.slice(1)), ...root.volumes.map(([, path]) => path.slice(1))]) {
    mkdirSync(join(root.imageRoot, dir), { recursive: true });
  }
  // A host folder under a volume's path (a checkout under /tmp) needs its mount point inside that volume,
  // made here with mode 0755: bwrap would make it 0700, which the container's user could not cross.
  for (const dir of root.hostBinds) {
    for (const [volumeDir, path] of root.volumes) {
      if (!dir.startsWith(`${path}/`)) continue;
      let at = volumeDir;
      for (const part of dir.slice(path.length + 1).split("/")) {
        at = join(at, part);
        if (!existsSync(at)) mkdirSync(at, { mode: 0o755 });
      }
    }
  }
  for (const link of ["bin", "sbin", "lib", "lib64"]) {
    const path = join(root.imageRoot, link);
    if (existsSync(`/usr/${link}`) && !isLink(path)) symlinkSync(`usr/${link}`, path);
  }
}

export interface SandboxedProcess {
  argv: string[];
  env: Record<string, string>;
  uid: number;
  gid: number;
  cwd: string;
}

/** bwrap arguments for one process of one container; fd 3 carries the task's user namespace. */
export function bwrapArgs(root: ContainerRoot, proc: SandboxedProcess, infoFd?: number): string[] {
  // bwrap cannot switch to a non-root uid when it runs unprivileged: it starts as root of the
  // namespace and setpriv becomes the container's user, with no capabilities, as Docker does.
  const caps = proc.uid === 0 ? DOCKER_DEFAULT_CAPS : ["SETUID", "SETGID"];
  const args = ["--userns", "3", "--uid", "0", "--gid", "0", ...caps.flatMap((c) => ["--cap-add", `CAP_${c}`])];
  args.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "task", "--die-with-parent");
  prepareImageRoot(root);
  args.push("--bind", root.imageRoot, "/");
  for (const [dir, path, readOnly] of root.volumes) args.push(readOnly ? "--ro-bind" : "--bind", dir, path);
  // Host folders after the volumes: a checkout under /tmp keeps its venv visible under the task's /tmp.
  for (const dir of root.hostBinds) args.push("--ro-bind", dir, dir);
  for (const [source, target] of root.nestedBinds) args.push("--ro-bind", source, target);
  args.push("--dev", "/dev", "--proc", "/proc");
  // The container runtime's /dev/shm: a 64 MiB tmpfs anyone may write (sticky), as runc mounts it on
  // Fargate; POSIX semaphores live there (Celery's prefork pool cannot start without them).
  args.push("--perms", "01777", "--size", String(64 * 1024 * 1024), "--tmpfs", "/dev/shm");
  if (root.readonlyRoot) args.push("--remount-ro", "/");
  args.push("--clearenv");
  for (const [k, v] of Object.entries(proc.env)) args.push("--setenv", k, v);
  args.push("--chdir", proc.cwd);
  if (infoFd !== undefined) args.push("--info-fd", String(infoFd));
  const become = proc.uid === 0 ? [] : ["setpriv", `--reuid=${proc.uid}`, `--regid=${proc.gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"];
  return [...args, "--", ...become, ...proc.argv];
}

/** Starts a process in the task: network namespace by nsenter, the rest by bwrap. */
export function startInTask(ns: TaskNamespaces, root: ContainerRoot, proc: SandboxedProcess, log: number): ChildProcess {
  const userns = ns.userNsFd();
  const argv = ns.sandboxArgv(bwrapArgs(root, proc, 4));
  return spawn(argv[0], argv.slice(1), { stdio: ["ignore", log, log, userns, "pipe"] });
}

/** The host pid of the sandbox's init (bwrap's child in the new pid namespace), from bwrap's --info-fd. */
export async function sandboxInitPid(child: ChildProcess): Promise<number | undefined> {
  const info = await new Promise<string>((resolve) => {
    let text = "";
    const stream = child.stdio[4] as NodeJS.ReadableStream | null;
    if (!stream) return resolve("");
    stream.on("data", (d) => {
      text += d;
      if (/"child-pid":\s*\d+/.test(text)) resolve(text);
    });
    stream.on("end", () => resolve(text));
  });
  const init = /"child-pid":\s*(\d+)/.exec(info)?.[1];
  return init ? Number(init) : undefined;
}

/** The container's command: the only child of the sandbox's init (as under Docker's init process). */
export function commandPid(initPid: number): number | undefined {
  const children = readIfExists(`/proc/${initPid}/task/${initPid}/children`).trim();
  return children ? Number(children.split(/\s+/)[0]) : undefined;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeMap(file: string, content: string): void {
  writeFileSync(file, content);
}

function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
