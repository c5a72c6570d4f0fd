import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import type { ContainerName } from "../plan/service";

export interface ContainerRepositoriesProps {
  /** Repository name per container. */
  names: Record<ContainerName, string>;
  /** Images kept per repository; older ones expire. Default: 30. */
  keepImages?: number;
  /** Let destroy delete repositories that still hold images. */
  forceDelete?: boolean;
}

/**
 * ECR repositories for the django and nginx images: tags are immutable (a tag
 * names one image forever, so a rollback redeploys exactly what ran before),
 * every push is scanned, and only the newest images are kept.
 */
export class ContainerRepositories extends Construct {
  readonly repositories: Record<ContainerName, EcrRepository>;

  constructor(scope: Construct, id: string, props: ContainerRepositoriesProps) {
    super(scope, id);
    const repository = (name: ContainerName) => {
      const repo = new EcrRepository(this, name, {
        name: props.names[name],
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "AES256" }],
        forceDelete: props.forceDelete || undefined,
      });
      new EcrLifecyclePolicy(this, `${name}-lifecycle`, {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `Keep the newest ${props.keepImages ?? 30} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepImages ?? 30 },
              action: { type: "expire" },
            },
          ],
        }),
      });
      return repo;
    };
    this.repositories = { django: repository("django"), nginx: repository("nginx") };
  }
}
