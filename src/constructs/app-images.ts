/**
 * How the sample app's two images are built, shared by the local stack and by
 * the initial images of an AWS stack. Paths are as a synthesized stack sees
 * them: stacks run in cdktf.out/stacks/<stack>/, three levels below the
 * project root; relative, so the output is the same on every machine.
 */
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
