/**
 * How the sample app's two images are built, shared by the local stack and by
 * the initial images of an AWS stack. Paths are as a synthesized stack sees
 * them: stacks run in cdktf.out/stacks/<stack>/, three levels below the
 * project root; relative, so the output is the same on every machine.
 */
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { parseDockerfile, walkStage } from "../plan/dockerfile";
import type { ContainerName, ContainerSpec } from "../plan/service";

export function appPath(...parts: string[]): string {
  return ["../../../app", ...parts].join("/");
}

export interface ImageBuild {
  context: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
}

/** The build of each container's image; nginx's config takes the ports as build arguments. */
export function imageBuilds(containers: ContainerSpec[]): Record<ContainerName, ImageBuild> {
  const port = (name: ContainerName) => containers.find((c) => c.name === name)!.port;
  return {
    django: { context: appPath("django") },
    nginx: {
      context: appPath(),
      dockerfile: "nginx/Dockerfile",
      buildArgs: { NGINX_PORT: String(port("nginx")), DJANGO_UPSTREAM: `127.0.0.1:${port("django")}` },
    },
  };
}

/**
 * The paths an image's Dockerfile declares as VOLUME (final stage). Read from the project root that
 * synth runs in; an image that cannot be read declares none, the stricter case.
 */
export function declaredVolumes(build: ImageBuild, projectRoot = process.cwd()): string[] {
  const file = join(projectRoot, "cdktf.out", "stacks", "stack", build.context, build.dockerfile ?? "Dockerfile");
  if (!existsSync(file)) return [];
  const stages = parseDockerfile(readFileSync(file, "utf8"));
  return walkStage(stages[stages.length - 1], build.buildArgs).volumes;
}

/**
 * Docker tmpfs options for a scratch folder that give it the owner and mode a Fargate bind volume
 * has: root's, mode 0755, unless the image declares the path a VOLUME (then the image's folder,
 * 1777 for /tmp). Docker's default tmpfs mode, 1777, would hide a container user that cannot write.
 */
export function fargateLikeTmpfs(path: string, volumes: string[]): string {
  return volumes.includes(path) ? "rw,size=64m" : "rw,size=64m,mode=0755";
}
