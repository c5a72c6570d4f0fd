/**
 * State across accounts: an environment whose S3 backend assumes a role in the state account reaches its
 * own state through that role, and no one else's. Proven per layer, so that widening one policy shows:
 * - its GitHub roles that run Terraform (plan, deploy) may assume the role (their policy and its trust);
 * - the role may read, write and lock its own keys (its policy with the bucket policy);
 * - its own policy alone, and the bucket policy alone, refuse every other environment's keys and lock items;
 * - its trust refuses any other account, and no other environment's GitHub role may assume it.
 */
import { asArray, parseJson, resources } from "../policy/model";
import type { IamFinding, IamStack } from "./index";
import { githubRoles } from "./containment";
import type { NamedPolicy, Principal } from "./principals";
import { resolve } from "./resolve";
import { simulateIdentity } from "./simulate";

interface Backend {
  stack: IamStack;
  bucket: string;
  key: string;
  roleArn?: string;
  lockTable?: string;
  /** The stack's GitHub roles that run `cdktf diff` or `deploy`, and so use the backend. */
  terraformRoles: Principal[];
}

/** A stand-in for an account no environment uses. */
const STRANGER = "arn:aws:iam::999999999999:role/anyone";

const ALLOW_ALL: NamedPolicy = { source: "a policy allowing everything", document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } };

function backendsOf(stacks: IamStack[]): Backend[] {
  return stacks.flatMap((stack) => {
    const s3 = stack.ctx.config.terraform?.backend?.s3;
    if (!s3) return [];
    const terraformRoles = githubRoles(stack.principals).filter((p) => /-github-(plan|deploy)$/.test(p.name));
    return [{ stack, bucket: s3.bucket, key: s3.key, roleArn: s3.assume_role?.role_arn, lockTable: s3.dynamodb_table, terraformRoles }];
  });
}

/** Every bucket policy of every stack, by bucket name, references resolved. */
function bucketPolicies(stacks: IamStack[]): Map<string, NamedPolicy> {
  const policies = new Map<string, NamedPolicy>();
  for (const { ctx } of stacks) {
    for (const [address, p] of resources(ctx.config, "aws_s3_bucket_policy")) {
      const bucket = resolve(String(p.bucket), ctx);
      const document = parseJson(resolve(String(p.policy), ctx));
      if (document) policies.set(bucket, { source: `${ctx.stack} ${address}`, document: { ...document, Statement: asArray(document.Statement) } });
    }
  }
  return policies;
}

/** The role's `environment` tag, which the deploy roles' policies compare with their own. */
function roleTags(principal: Principal, stacks: IamStack[]): Record<string, string> {
  const stack = stacks.find((s) => s.ctx.stack === principal.stack);
  const [type, name] = principal.address.split(".");
  const tags = { ...(stack?.ctx.tags ?? {}), ...(stack?.ctx.config.resource?.[type]?.[name]?.tags ?? {}) };
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, String(v)]));
}

export async function stateAccessFindings(stacks: IamStack[]): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  const backends = backendsOf(stacks);
  const principals = new Map(stacks.flatMap((s) => s.principals.map((p) => [p.arn, p] as const)));
  const policies = bucketPolicies(stacks);
  const add = (rule: IamFinding["rule"], p: Principal, action: string, resource: string, message: string) =>
    findings.push({ rule, stack: p.stack, principal: `${p.address} (${p.name})`, action, resource, message });

  for (const backend of backends.filter((b) => b.roleArn)) {
    const roleArn = backend.roleArn!;
    const role = principals.get(roleArn);
    const env = backend.stack.ctx.stack;
    if (!role) {
      findings.push({ rule: "iam-reachable", stack: env, principal: "terraform.backend.s3", action: "sts:AssumeRole", resource: roleArn, message: `assumes ${roleArn}, which no stack creates: the bootstrap stack creates one per environment of another account` });
      continue;
    }
    const trust: NamedPolicy = { source: `trust policy of ${role.address}`, document: role.trust ?? { Statement: [] } };
    const tags = roleTags(role, stacks);
    const bucketPolicy = policies.get(backend.bucket);
    const [state, lock] = [`arn:aws:s3:::${backend.bucket}/${backend.key}`, `arn:aws:s3:::${backend.bucket}/${backend.key}.tflock`];

    // Reachable: each Terraform role of the environment assumes the role, which reaches its own state.
    for (const caller of backend.terraformRoles) {
      const verdict = await simulateIdentity(caller, { action: "sts:AssumeRole", resource: roleArn, context: tags }, { resourcePolicy: trust });
      if (!verdict.allowed) add("iam-reachable", caller, "sts:AssumeRole", roleArn, `cannot assume ${roleArn}, which the state backend assumes: ${verdict.because}`);
    }
    const own: [string, string, Record<string, string | string[]>?][] = [
      ["s3:GetObject", state],
      ["s3:PutObject", state],
      ["s3:GetObject", lock],
      ["s3:PutObject", lock],
      ["s3:DeleteObject", lock],
      ["s3:ListBucket", `arn:aws:s3:::${backend.bucket}`, { "s3:prefix": backend.key }],
    ];
    if (backend.lockTable) {
      own.push(["dynamodb:PutItem", lockTableArn(role, backend.lockTable, stacks), { "dynamodb:LeadingKeys": [`${backend.bucket}/${backend.key}`] }]);
    }
    for (const [action, resource, context] of own) {
      const verdict = await simulateIdentity(role, { action, resource, context }, { resourcePolicy: bucketPolicy });
      if (!verdict.allowed) add("iam-reachable", role, action, resource, `cannot ${action} on ${resource} (${env}'s state, through this role): ${verdict.because}`);
    }

    // Contained: no other environment's keys, by the role's policy alone and by the bucket's policy alone.
    const others = backends.filter((b) => b !== backend && b.bucket === backend.bucket);
    const otherKeys = [...others.map((b) => b.key), `${backend.key.split("/")[0]}/another-environment/terraform.tfstate`];
    for (const key of new Set(otherKeys)) {
      const object = `arn:aws:s3:::${backend.bucket}/${key}`;
      const what = `another environment's state, ${key}`;
      const requests: [string, string, Record<string, string | string[]>?][] = [
        ["s3:GetObject", object],
        ["s3:PutObject", object],
        ["s3:ListBucket", `arn:aws:s3:::${backend.bucket}`, { "s3:prefix": key }],
      ];
      if (backend.lockTable) requests.push(["dynamodb:GetItem", lockTableArn(role, backend.lockTable, stacks), { "dynamodb:LeadingKeys": [`${backend.bucket}/${key}`] }]);
      for (const [action, resource, context] of requests) {
        const byRole = await simulateIdentity(role, { action, resource, context });
        if (byRole.allowed) add("iam-contained", role, action, resource, `can ${action} on ${resource} (${what}) by its own policy: ${byRole.because}`);
        if (!action.startsWith("s3:") || !bucketPolicy) continue;
        const byBucket = await simulateIdentity({ ...role, policies: [ALLOW_ALL], boundary: undefined }, { action, resource, context }, { resourcePolicy: bucketPolicy });
        if (byBucket.allowed) add("iam-contained", role, action, resource, `can ${action} on ${resource} (${what}) if its own policy allowed it: the bucket policy does not deny it (${bucketPolicy.source})`);
      }
    }
    if (!bucketPolicy) add("iam-contained", role, "s3:GetObject", state, `the state bucket ${backend.bucket} has no policy in any stack: nothing but the role's own policy keeps it to ${env}'s keys`);

    // Trusted by the environment's account only: a stranger, and another environment's Terraform roles, are refused.
    const stranger: Principal = { stack: "-", address: "a role of another account", name: "anyone", arn: STRANGER, accountId: STRANGER.split(":")[4], policies: [ALLOW_ALL], problems: [] };
    const byStranger = await simulateIdentity(stranger, { action: "sts:AssumeRole", resource: roleArn, context: tags }, { resourcePolicy: trust });
    if (byStranger.allowed) add("iam-contained", role, "sts:AssumeRole", roleArn, `can be assumed from another account (${STRANGER}): ${byStranger.because}`);
    for (const other of others) {
      for (const caller of other.terraformRoles) {
        const verdict = await simulateIdentity(caller, { action: "sts:AssumeRole", resource: roleArn, context: tags }, { resourcePolicy: trust });
        if (verdict.allowed) add("iam-contained", caller, "sts:AssumeRole", roleArn, `can assume ${env}'s state role ${roleArn}: ${verdict.because}`);
      }
    }
  }
  return findings;
}

/** The lock table's ARN in the state account (the role's), the bucket's region. */
function lockTableArn(role: Principal, table: string, stacks: IamStack[]): string {
  const stack = stacks.find((s) => s.ctx.stack === role.stack);
  const found = stack && resources(stack.ctx.config, "aws_dynamodb_table").find(([, t]) => t.name === table);
  const region = (found && (stack!.ctx.config.provider?.aws ?? []).find((p: any) => `aws.${p.alias}` === found[1].provider)?.region) ?? stack?.ctx.region;
  return `arn:aws:dynamodb:${region}:${role.accountId}:table/${table}`;
}
