import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { configureStateBackend } from "../src/constructs/state-backend";
import { StateBucket } from "../src/constructs/state-bucket";
import { StateRole, stateGrantStatements } from "../src/constructs/state-role";
import type { BootstrapPlan } from "../src/plan/bootstrap";
import { GITHUB_OIDC_HOST, projectRootPath } from "../src/plan/environment";
import { ProjectStack } from "./project-stack";

/** Where the bootstrap stack keeps its own state until it is moved into its bucket: the project root. */
export const BOOTSTRAP_LOCAL_STATE = projectRootPath("terraform.bootstrap.tfstate");

export interface BootstrapStackProps {
  plan: BootstrapPlan;
  /**
   * Keep this stack's own state in the first state bucket (key `bootstrap/terraform.tfstate`)
   * instead of a local file: set after the first apply, then migrate (docs/bootstrap.md).
   */
  stateInBucket?: boolean;
}

/** The bootstrap stack has no manifest of its own: the checkov checks it does not follow, and why. */
export const BOOTSTRAP_WAIVERS = [
  {
    rule: "CKV_AWS_18",
    reason: "The state bucket logs no access to another bucket: CloudTrail records who read or wrote the state, and a log bucket would need its own bootstrap.",
  },
  { rule: "CKV_AWS_144", reason: "State stays in one region; versioning (90 days) is the recovery path, and replication would copy every environment's secrets in state to a second region." },
  { rule: "CKV2_AWS_62", reason: "Nothing consumes the state bucket's events." },
];

/** Waivers for what only some plans have (a waiver must match what it waives): state roles, lock tables. */
function planWaivers(plan: BootstrapPlan): { rule: string; reason: string; resources: string[] }[] {
  const waivers = [];
  if (plan.stateRoles.length > 0) {
    waivers.push({
      rule: "CKV_AWS_61",
      resources: plan.stateRoles.map((r) => `aws_iam_role.state-role-${r.environment}_role`),
      reason:
        "Each state role trusts its environment's account (root): that account's administrators and CI roles, which do not exist before its first deploy, must reach its state; the role's policy and the bucket policy keep it to that environment's keys, and the IAM check proves it.",
    });
  }
  const tables = plan.buckets.filter((b) => b.lockTable).map((b) => `aws_dynamodb_table.state-${b.bucket}_lock-table`);
  if (tables.length > 0) {
    waivers.push({
      rule: "CKV_AWS_119",
      resources: tables,
      reason: "The lock table holds lock ids and state digests, no state: AWS-owned encryption at rest is enough, and a customer key would need a key policy for every environment's state role.",
    });
  }
  return waivers;
}

/** The S3 buckets (and lock tables) that hold every environment's state. Deployed once, first. */
export class BootstrapStack extends ProjectStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, [...BOOTSTRAP_WAIVERS, ...planWaivers(props.plan)]);
    const { plan } = props;
    const regions = [...new Set(plan.buckets.map((b) => b.region))];
    const providers = new Map(
      regions.map((region, i) => [
        region,
        new AwsProvider(this, i === 0 ? "aws" : `aws-${region}`, {
          region,
          alias: i === 0 ? undefined : region,
          allowedAccountIds: [plan.accountId],
          defaultTags: [{ tags: plan.tags }],
        }),
      ]),
    );
    for (const b of plan.buckets) {
      const provider = b.region === regions[0] ? undefined : providers.get(b.region);
      // Environments of other accounts reach their own keys through a role each (docs/bootstrap.md).
      const grants = plan.stateRoles
        .filter((r) => r.bucket === b.bucket)
        .flatMap((r) => {
          const role = new StateRole(this, `state-role-${r.environment}`, { ...r, region: b.region, accountId: plan.accountId });
          return stateGrantStatements(role.arn, r.environment, r.bucket, r.key);
        });
      new StateBucket(this, `state-${b.bucket}`, { bucket: b.bucket, lockTable: b.lockTable, provider, grants });
    }
    if (plan.githubOidc) {
      // One per account: every environment's GitHub roles trust it.
      new IamOpenidConnectProvider(this, "github-oidc", {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: ["sts.amazonaws.com"],
      });
    }
    const first = plan.buckets[0];
    configureStateBackend(
      this,
      props.stateInBucket
        ? { backend: "s3", bucket: first.bucket, region: first.region, key: "bootstrap/terraform.tfstate", accountId: plan.accountId, locking: "lockfile" }
        : { backend: "local", path: BOOTSTRAP_LOCAL_STATE },
    );
  }
}
