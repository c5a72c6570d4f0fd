import { TerraformElement, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { checkPolicies, PolicyResult, TerraformConfig, Waiver } from "../src/policy";
import { HclMemo, StackHcl } from "../src/terraform/hcl-memo";

/** Terraform >= 1.10 reads `use_lockfile` (S3-native state locking). */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.10.0";

/**
 * The base of every stack: pins the Terraform version, gives resources
 * readable addresses (`aws_subnet.network_private-a`) in plans and HCL
 * instead of cdktf's hashed ones, and checks the policy rules on synth.
 */
export class ProjectStack extends TerraformStack {
  /** Set by the app when it runs from the build: HCL remembered by JSON (src/terraform/hcl-memo.ts). */
  static hclMemo?: HclMemo;
  /** The policy rules' verdict on this stack, set each time it is synthesized. */
  policy: PolicyResult = { failures: [], waived: [] };
  /** The Terraform config last synthesized, for the IAM check (which needs every stack at once). */
  synthesized?: TerraformConfig;

  /** @param waivers policy rules this stack does not follow, with reasons (from the manifest). */
  constructor(
    scope: Construct,
    id: string,
    private readonly waivers: readonly Waiver[] = [],
  ) {
    super(scope, id);
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
  }

  /** The Terraform config, checked against the policy rules on the way (main.ts fails synth on failures). */
  toTerraform(): any {
    const config = super.toTerraform();
    this.policy = checkPolicies(config, this.waivers);
    // The waivers travel with the stack: the checkov lane and the review report read them from its JSON.
    if (this.waivers.length > 0) config["//"] = { ...config["//"], waivers: this.waivers };
    this.synthesized = config;
    return config;
  }

  /**
   * cdktf resolves every token once before synthesizing, only to find references between stacks; ours
   * never reference each other (each stack plans on its own, without terraform_remote_state), so that pass
   * is skipped: it was a third of the synth's time. Every stack sets its backend, so none needs the default.
   * A reference to another stack's resource would now synthesize as-is and fail terraform validate,
   * which the offline plan test runs on every stack.
   */
  prepareStack(): void {}

  /**
   * HCL synth (`--hcl`) does not go through toTerraform: check the same config. That JSON build also
   * keys the HCL this build rendered before for it, which spares the second build.
   */
  toHclTerraform(): any {
    const config = this.toTerraform();
    const memo = ProjectStack.hclMemo;
    const key = memo?.key(config);
    const known = key ? memo?.get(key) : undefined;
    if (known) return known;
    const hcl = super.toHclTerraform();
    if (key) memo?.set(key, hcl as StackHcl);
    return hcl;
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(element) ? element.node : element;
    const path = node.scopes.slice(node.scopes.indexOf(this) + 1).map((c) => c.node.id);
    return path.join("_").replace(/[^A-Za-z0-9_-]/g, "_");
  }
}
