import { Fn, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { DataAwsEcrAuthorizationToken } from "@cdktf/provider-aws/lib/data-aws-ecr-authorization-token";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { RegistryImage } from "@cdktf/provider-docker/lib/registry-image";
import type { ContainerName, ContainerSpec } from "../plan/service";
import { imageBuilds } from "./app-images";

export interface InitialImagesProps {
  /** The containers whose images come from this stack's repositories. */
  containers: ContainerSpec[];
  /** Repository URL per container. */
  repositoryUrls: Record<ContainerName, string>;
  /** The tag the first task definition runs. */
  tag: string;
}

/**
 * Builds app/ and pushes the first images during `cdktf deploy`, through the
 * Docker provider logged in to ECR with an authorization token, so the
 * service starts without a manual push. Built once: later releases push their
 * own tags through the release workflow, and destroying the stack leaves the
 * pushed images alone.
 */
export class InitialImages extends Construct {
  /** The pushes the service must wait for. */
  readonly pushed: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: InitialImagesProps) {
    super(scope, id);
    const token = new DataAwsEcrAuthorizationToken(this, "registry-token", {});
    const docker = new DockerProvider(this, "docker", {
      alias: "ecr",
      registryAuth: [{ address: Fn.replace(token.proxyEndpoint, "https://", ""), username: token.userName, password: token.password }],
    });
    const builds = imageBuilds(props.containers);
    for (const spec of props.containers) {
      if ("uri" in spec.image) continue;
      const image = new Image(this, `${spec.name}-image`, {
        provider: docker,
        name: `${props.repositoryUrls[spec.name]}:${props.tag}`,
        // Fargate runs linux/amd64 (the task definition's runtime platform), whatever the laptop is.
        buildAttribute: { ...builds[spec.name], platform: "linux/amd64" },
      });
      this.pushed.push(new RegistryImage(this, `${spec.name}-push`, { provider: docker, name: image.name, keepRemotely: true }));
    }
  }
}
