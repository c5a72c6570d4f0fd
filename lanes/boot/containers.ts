/**
 * One container of the task, as the Fargate agent sets it up from its definition and its image:
 * user, working directory, environment (image ENV, then the definition's, then secrets), command,
 * and volumes with the ownership Fargate gives them.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, statSync } from "fs";
import { join } from "path";
import { BuiltImage, PythonEnv, hostBinds, resolveId } from "./image";
import { ContainerRoot, HOST_UID_BASE, SandboxedProcess } from "./sandbox";
import { ContainerDefinition, TaskDefinition, resolveReferences, secretStandIn } from "./task-definitions";

export interface PreparedContainer {
  definition: ContainerDefinition;
  image: BuiltImage;
  root: ContainerRoot;
  process: SandboxedProcess;
  stopSignal: string;
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Environment variables the Fargate agent adds to every container. */
function agentEnvironment(region: string): Record<string, string> {
  return { AWS_EXECUTION_ENV: "AWS_ECS_FARGATE", AWS_REGION: region, AWS_DEFAULT_REGION: region, ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/boot-lane" };
}

export function prepareContainer(task: TaskDefinition, definition: ContainerDefinition, image: BuiltImage, python: PythonEnv, volumesDir: string, region: string): PreparedContainer {
  const config = image.config;
  const user = definition.user ?? config.user ?? "0";
  const [userPart, groupPart] = user.split(":");
  const uid = resolveId(userPart, join(image.root, "etc/passwd"));
  const gid = groupPart !== undefined ? resolveId(groupPart, join(image.root, "etc/group")) : /^\d+$/.test(userPart) ? uid : resolveId(userPart, join(image.root, "etc/group"));

  const env: Record<string, string> = { PATH: `${python.dir}/bin:${DEFAULT_PATH}`, HOSTNAME: "task", HOME: uid === 0 ? "/root" : "/", ...agentEnvironment(region) };
  Object.assign(env, config.env);
  if (config.env.PATH) env.PATH = `${python.dir}/bin:${config.env.PATH}`; // the venv stands in for the base image's Python
  for (const { name, value } of definition.environment ?? []) env[name] = resolveReferences(value);
  for (const { name, valueFrom } of definition.secrets ?? []) {
    const value = secretStandIn(name);
    if (value === undefined) throw new Error(`container ${definition.name}: secret ${name} (${valueFrom}) has no stand-in; add one to lanes/boot/task-definitions.ts`);
    env[name] = value;
  }

  const entrypoint = definition.entryPoint ?? config.entrypoint;
  const command = definition.command ?? config.cmd;
  const argv = [...entrypoint, ...command];
  if (argv.length === 0) throw new Error(`container ${definition.name}: neither the definition nor ${image.dockerfile} gives a command`);

  const volumes: [string, string, boolean][] = (definition.mountPoints ?? []).map((mount) => {
    const volume = task.volumes.find((v) => v.name === mount.sourceVolume);
    if (!volume) throw new Error(`container ${definition.name}: mount point ${mount.containerPath} names volume ${mount.sourceVolume}, which the task does not define`);
    if (volume.host || volume.efs_volume_configuration) throw new Error(`volume ${volume.name}: only Fargate's task-storage bind volumes are reproduced here`);
    return [fargateVolume(join(volumesDir, mount.sourceVolume), mount.containerPath, image), mount.containerPath, Boolean(mount.readOnly)];
  });

  return {
    definition,
    image,
    root: { imageRoot: image.root, hostBinds: hostBinds(python), nestedBinds: image.nestedBinds, volumes, readonlyRoot: Boolean(definition.readonlyRootFilesystem) },
    process: { argv, env, uid, gid, cwd: definition.workingDirectory ?? config.workdir },
    stopSignal: config.stopSignal,
  };
}

/**
 * A task-storage bind volume as Fargate makes it: an empty folder owned by root with mode 0755,
 * unless the image declares the mount path a VOLUME; then it starts as a copy of the image's
 * folder, with that folder's owner and mode.
 */
export function fargateVolume(dir: string, containerPath: string, image: BuiltImage): string {
  if (existsSync(dir)) return dir; // shared by several containers: made once, by the first
  const declared = image.config.volumes.some((v) => v.replace(/\/$/, "") === containerPath.replace(/\/$/, ""));
  const source = join(image.root, containerPath);
  if (declared && existsSync(source)) {
    cpSync(source, dir, { recursive: true, verbatimSymlinks: true });
    const stat = statSync(source);
    chownSync(dir, stat.uid, stat.gid);
    chmodSync(dir, stat.mode & 0o7777);
  } else {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, HOST_UID_BASE, HOST_UID_BASE);
    chmodSync(dir, 0o755);
  }
  return dir;
}
