/**
 * The bootstrap stack's plan: the S3 buckets (and lock tables) that hold the
 * environments' state. Built from every manifest whose state backend is S3.
 */
import { EnvironmentPlan, PlanError } from "./environment";

export interface StateBucketPlan {
  bucket: string;
  region: string;
  /** A DynamoDB lock table to create beside the bucket. */
  lockTable?: string;
  /** The environments whose state lives here. */
  environments: string[];
}

/** A role through which an environment of another account reaches its own state keys, and nothing else. */
export interface StateRolePlan {
  name: string;
  environment: string;
  /** The environment's account: the only one the role trusts. */
  trustedAccountId: string;
  bucket: string;
  key: string;
  /** The lock table (DynamoDB locking), whose items for `key` the role may take. */
  lockTable?: string;
}

export interface BootstrapPlan {
  accountId: string;
  buckets: StateBucketPlan[];
  /** One per environment whose stacks are in another account than the state. */
  stateRoles: StateRolePlan[];
  /** Create GitHub Actions' OIDC provider: an environment in this account uses GitHub. */
  githubOidc: boolean;
  tags: Record<string, string>;
}

/** Undefined when no environment keeps its state in S3. */
export function planBootstrap(envs: { file: string; plan: EnvironmentPlan }[]): BootstrapPlan | undefined {
  const s3 = envs.flatMap(({ file, plan }) => (plan.state.backend === "s3" ? [{ file, plan, state: plan.state }] : []));
  if (s3.length === 0) return undefined;
  const accountId = s3[0].state.accountId;
  const buckets = new Map<string, StateBucketPlan>();
  for (const { file, plan, state } of s3) {
    if (state.accountId !== accountId) {
      throw new PlanError(
        "state.accountId",
        `expected ${accountId} like ${s3[0].file}: the bootstrap stack creates every state bucket in one account, got ${state.accountId}`,
        file,
      );
    }
    const known = buckets.get(state.bucket);
    if (!known) {
      buckets.set(state.bucket, { bucket: state.bucket, region: state.region, lockTable: state.lockTable, environments: [plan.environment] });
      continue;
    }
    if (known.region !== state.region) {
      throw new PlanError("state.region", `expected ${known.region}: bucket ${state.bucket} is in that region for ${known.environments[0]}`, file);
    }
    if (state.lockTable && known.lockTable && state.lockTable !== known.lockTable) {
      throw new PlanError("state.lockTable", `expected ${known.lockTable}: environments sharing a bucket share its lock table`, file);
    }
    known.lockTable ??= state.lockTable;
    known.environments.push(plan.environment);
  }
  const stateRoles = s3.flatMap(({ plan, state }) =>
    state.roleArn
      ? [{ name: state.roleArn.split("/").pop()!, environment: plan.environment, trustedAccountId: plan.accountId, bucket: state.bucket, key: state.key, lockTable: state.locking === "dynamodb" ? state.lockTable : undefined }]
      : [],
  );
  return {
    accountId,
    buckets: [...buckets.values()],
    stateRoles,
    githubOidc: envs.some(({ plan }) => plan.github?.oidcProvider === "create" && plan.accountId === accountId),
    tags: { app: s3[0].plan.app, component: "terraform-state", "managed-by": "cdktf" },
  };
}
