import { TerraformElement, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";

/** Terraform >= 1.10 reads `use_lockfile` (S3-native state locking). */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.10.0";

/**
 * The base of every stack: pins the Terraform version and gives resources
 * readable addresses (`aws_subnet.network_private-a`) in plans and HCL,
 * instead of cdktf's hashed ones.
 */
export class ProjectStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const path = node.scopes.slice(node.scopes.indexOf(this) + 1).map((c) => c.node.id);
    return path.join("_").replace(/[^A-Za-z0-9_-]/g, "_");
  }
}
