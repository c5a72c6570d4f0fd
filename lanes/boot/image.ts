/**
 * What a container's Dockerfile builds, assembled on the host without Docker: the final stage's
 * run-time settings (USER, WORKDIR, ENV, ENTRYPOINT/CMD, VOLUME, STOPSIGNAL) and its files.
 *
 * The base image's userland is the host's (/usr, read-only) with a private copy of /etc; Python
 * packages come from a virtual environment made from the very requirements file the Dockerfile
 * installs. COPY is done here; `pip install -r <that file>` is satisfied by the virtual environment;
 * `useradd` needs nothing (the uid comes from USER); every other RUN runs literally, as root, in a
 * sandbox of the stage. A RUN this cannot reproduce fails the lane, naming the Dockerfile line.
 */
import { spawnSync } from "child_process";
import { chmodSync, chownSync, closeSync, cpSync, fchmodSync, lchownSync, openSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "fs";
import { basename, dirname, join, posix, relative, resolve } from "path";
import { DockerInstruction, DockerStage, ImageConfig, expand, parseDockerfile, walkStage } from "../../src/plan/dockerfile";
import { ContainerRoot, HOST_UID_BASE, TaskNamespaces, bwrapArgs } from "./sandbox";

export interface ImageBuildInput {
  /** Folder of the build context. */
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
}

export interface BuiltImage {
  dockerfile: string;
  config: ImageConfig;
  /** Host folder holding the image's own top-level folders. */
  root: string;
  nestedBinds: [string, string][];
}

export interface PythonEnv {
  /** The virtual environment's folder; bound into every container at the same path. */
  dir: string;
  /** The requirements file it was made from. */
  requirements: string;
}

/** Folders every base image has, with their owner (container uid) and mode. */
const BASE_SKELETON: [string, number][] = [
  ["tmp", 0o1777],
  ["var/tmp", 0o1777],
  ["var/log", 0o755],
  ["var/cache", 0o755],
  ["root", 0o700],
  ["home", 0o755],
];

export function hostBinds(python: PythonEnv): string[] {
  return ["/usr", python.dir];
}

export function buildImage(input: ImageBuildInput, workDir: string, python: PythonEnv, ns: TaskNamespaces): BuiltImage {
  const text = readFileSync(input.dockerfile, "utf8");
  const stages = parseDockerfile(text);
  const built = new Map<number, BuiltImage>();
  const stageIndex = (ref: string) => {
    const i = stages.findIndex((s, n) => s.name === ref || String(n) === ref);
    if (i < 0) throw new Error(`${input.dockerfile}: COPY --from=${ref} names no stage (an external image cannot be reproduced here)`);
    return i;
  };
  const build = (index: number): BuiltImage => {
    if (!built.has(index)) built.set(index, buildStage(stages[index], index, input, workDir, python, ns, (ref) => build(stageIndex(ref))));
    return built.get(index)!;
  };
  return build(stages.length - 1);
}

function buildStage(
  stage: DockerStage,
  index: number,
  input: ImageBuildInput,
  workDir: string,
  python: PythonEnv,
  ns: TaskNamespaces,
  fromStage: (ref: string) => BuiltImage,
): BuiltImage {
  const root = join(workDir, `stage-${index}`);
  mkdirSync(root, { recursive: true });
  chownSync(root, HOST_UID_BASE, HOST_UID_BASE); // the image's / belongs to its root user
  cpSync("/etc", join(root, "etc"), { recursive: true, verbatimSymlinks: true });
  shiftOwnership(join(root, "etc"));
  for (const [path, mode] of BASE_SKELETON) {
    mkdirSync(join(root, path), { recursive: true });
    chownSync(join(root, path), HOST_UID_BASE, HOST_UID_BASE);
    chmodSync(join(root, path), mode);
  }
  const image: BuiltImage = { dockerfile: input.dockerfile, config: undefined as unknown as ImageConfig, root, nestedBinds: [] };
  const where = (i: DockerInstruction) => `${relative(process.cwd(), input.dockerfile)}:${i.line}`;
  image.config = walkStage(stage, input.buildArgs, (instruction, scope) => {
    if (instruction.keyword === "WORKDIR") mkdirSync(inImage(image, scope.workdir), { recursive: true });
    if (instruction.keyword === "COPY" || instruction.keyword === "ADD") copyInto(image, instruction, scope, input.context, fromStage, where(instruction));
    if (instruction.keyword === "RUN") run(image, instruction.args, scope, python, ns, where(instruction), input.context);
  });
  return image;
}

/** A path of the image, on the host: top-level folders live in the image root; /usr paths are bound in. */
function inImage(image: BuiltImage, path: string): string {
  const normal = posix.normalize(path);
  if (normal === "/usr" || normal.startsWith("/usr/")) {
    // The base userland is the host's /usr, read-only: image files under it are bound over it.
    const extra = join(image.root, "..", `usr-${basename(image.root)}`, normal);
    return extra;
  }
  return join(image.root, normal);
}

function copyInto(
  image: BuiltImage,
  instruction: DockerInstruction,
  scope: { vars: Record<string, string>; workdir: string },
  context: string,
  fromStage: (ref: string) => BuiltImage,
  where: string,
): void {
  const words = instruction.args.split(/\s+/).map((w) => expand(w, scope.vars));
  const flags = words.filter((w) => w.startsWith("--"));
  const paths = words.filter((w) => !w.startsWith("--"));
  const from = flags.find((f) => f.startsWith("--from="))?.slice(7);
  const chown = flags.find((f) => f.startsWith("--chown="))?.slice(8);
  const dest = paths.pop()!;
  const target = dest.startsWith("/") ? dest : posix.join(scope.workdir, dest);
  const source = from ? fromStage(from) : undefined;
  const ignored = source ? [] : dockerignore(context);
  for (const src of paths) {
    const hostSource = source ? inImage(source, src) : resolve(context, src);
    if (!existsSync(hostSource)) throw new Error(`${where}: COPY source ${src} does not exist`);
    const isDir = statSync(hostSource).isDirectory();
    const intoFolder = dest.endsWith("/") || dest === "." || paths.length > 1 || (existsSync(inImage(image, target)) && statSync(inImage(image, target)).isDirectory());
    const hostTarget = isDir || !intoFolder ? inImage(image, target) : join(inImage(image, target), basename(src));
    mkdirSync(isDir ? hostTarget : dirname(hostTarget), { recursive: true });
    cpSync(hostSource, hostTarget, {
      recursive: true,
      filter: (file) => !ignored.some((pattern) => pattern.test(relative(context, file))),
    });
    chownTree(hostTarget, chown ?? "0:0", image); // COPY writes root-owned files unless --chown says otherwise
  }
  if (target.startsWith("/usr/")) image.nestedBinds.push(...usrBinds(join(image.root, "..", `usr-${basename(image.root)}`), target));
}

/**
 * Binds that lay image files under /usr over the host's read-only /usr: the deepest folder that
 * exists on the host is replaced by a merged copy (host entries bound back in, image files beside them).
 */
function usrBinds(usrRoot: string, target: string): [string, string][] {
  let anchor = target;
  while (!existsSync(anchor)) anchor = posix.dirname(anchor);
  const merged = join(usrRoot, anchor);
  const binds: [string, string][] = [[merged, anchor]];
  for (const entry of readdirSync(anchor)) {
    const hostPath = posix.join(anchor, entry);
    const placeholder = join(merged, entry);
    if (existsSync(placeholder)) continue; // the image's own file wins
    const stat = lstatSync(hostPath);
    if (stat.isSymbolicLink()) cpSync(hostPath, placeholder, { verbatimSymlinks: true });
    else {
      if (stat.isDirectory()) mkdirSync(placeholder);
      else writeFileSync(placeholder, "");
      binds.push([hostPath, hostPath]);
    }
  }
  return binds;
}

/** .dockerignore patterns of the context, as regular expressions over context-relative paths. */
function dockerignore(context: string): RegExp[] {
  const file = join(context, ".dockerignore");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))
    .map((pattern) => {
      const body = pattern
        .replace(/\/$/, "")
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\//g, "(.*/)?")
        .replace(/\*/g, "[^/]*");
      return new RegExp(`^${body}(/.*)?$`);
    });
}

function chownTree(path: string, owner: string, image: BuiltImage): void {
  const [user, group] = owner.split(":");
  const uid = HOST_UID_BASE + resolveId(user, join(image.root, "etc/passwd"));
  const gid = HOST_UID_BASE + resolveId(group ?? user, join(image.root, "etc/group"));
  walkTree(path, (p) => lchownSync(p, uid, gid));
}

/** Host ownership moved into the task's uid range: host root's files become the image root's. */
function shiftOwnership(path: string): void {
  walkTree(path, (p) => {
    const stat = lstatSync(p);
    lchownSync(p, HOST_UID_BASE + stat.uid, HOST_UID_BASE + stat.gid);
  });
}

function walkTree(path: string, visit: (path: string) => void): void {
  visit(path);
  if (lstatSync(path).isDirectory()) readdirSync(path).forEach((e) => walkTree(join(path, e), visit));
}

/** A user or group, by number or by name in the image's passwd/group file. */
export function resolveId(nameOrId: string, file: string): number {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.split(":")[0] === nameOrId);
  if (!line) throw new Error(`user or group ${nameOrId} is not in the image's ${basename(file)}`);
  return Number(line.split(":")[2]);
}

function run(image: BuiltImage, command: string, scope: { vars: Record<string, string>; workdir: string }, python: PythonEnv, ns: TaskNamespaces, where: string, context: string): void {
  const pip = /^(?:python3? -m )?pip3? install\b(.*)$/.exec(command);
  if (pip) {
    const requirement = /(?:-r|--requirement)\s+(\S+)/.exec(pip[1])?.[1];
    const file = requirement && inImage(image, requirement.startsWith("/") ? requirement : posix.join(scope.workdir, requirement));
    if (!file || !existsSync(file) || readFileSync(file, "utf8") !== readFileSync(python.requirements, "utf8")) {
      throw new Error(`${where}: cannot reproduce \`RUN ${command}\`: the lane installs exactly ${relative(context, python.requirements)} and nothing else`);
    }
    return; // the virtual environment holds exactly these pins
  }
  if (/^(useradd|adduser|groupadd|addgroup)\b/.test(command)) return; // the uid comes from USER at run time
  const root: ContainerRoot = { imageRoot: image.root, hostBinds: hostBinds(python), nestedBinds: image.nestedBinds, volumes: [], readonlyRoot: false };
  const env = { PATH: `${python.dir}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: "/root", ...scope.vars };
  const argv = ns.sandboxArgv(bwrapArgs(root, { argv: ["/bin/sh", "-c", command], env, uid: 0, gid: 0, cwd: scope.workdir }));
  const userns = ns.userNsFd();
  // A file, not a pipe: Node's pipes are sockets, and nginx cannot open /dev/stderr on a socket.
  const logFile = join(image.root, "..", `run-${basename(image.root)}.log`);
  const log = openSync(logFile, "w"); // writable by any container uid (below), like Docker's stdout pipe
  fchmodSync(log, 0o666);
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", log, log, userns], timeout: 120000 });
  closeSync(log);
  if (result.status !== 0) {
    const output = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join(" | ");
    throw new Error(`${where}: \`RUN ${command}\` failed (exit ${result.status}): ${output}`);
  }
}
