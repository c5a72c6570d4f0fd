/**
 * The IAM roles of a synthesized stack, each with the policies that apply to it: inline policies,
 * attached customer and AWS-managed policies, and its permissions boundary, references resolved.
 */
import { asArray, parseJson, resources } from "../policy/model";
import { MANAGED_POLICIES, readOnlyAccessForAction, readOnlyAccessUpperBound } from "./managed-policies";
import { resolve, StackContext } from "./resolve";

export interface PolicyDocument {
  Version?: string;
  Statement: any[];
}

export interface NamedPolicy {
  /** Where the policy comes from: a Terraform address, or an AWS managed policy's name. */
  source: string;
  document: PolicyDocument;
  /** The part of `document` that decides a request of `action` exactly as the whole does (a large policy, cut). */
  forAction?: (action: string) => PolicyDocument;
}

export interface Principal {
  stack: string;
  /** Terraform address of the role, or a description of an AWS-owned role. */
  address: string;
  name: string;
  arn: string;
  accountId: string;
  trust?: PolicyDocument;
  policies: NamedPolicy[];
  boundary?: NamedPolicy;
  /** Problems building it (a managed policy this check does not know): each one is a finding. */
  problems: string[];
}

function document(text: unknown, ctx: StackContext): PolicyDocument | undefined {
  if (typeof text !== "string") return undefined;
  const parsed = parseJson(resolve(text, ctx));
  return parsed ? { ...parsed, Statement: asArray(parsed.Statement) } : undefined;
}

/** `${aws_iam_role.x.id}` or `.name` -> `aws_iam_role.x`; a plain role name -> the role with that name. */
function roleAddress(value: unknown, ctx: StackContext): string | undefined {
  if (typeof value !== "string") return undefined;
  const ref = /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.(?:id|name|arn)\}$/.exec(value);
  if (ref) return ref[1];
  return resources(ctx.config, "aws_iam_role").find(([, r]) => r.name === value)?.[0];
}

/** An attached or boundary policy by ARN: a policy of this stack, or a known AWS managed one. */
async function policyByArn(arnValue: string, ctx: StackContext): Promise<NamedPolicy | string> {
  const ref = /^\$\{(aws_iam_policy\.[A-Za-z0-9_-]+)\.arn\}$/.exec(arnValue);
  if (ref) {
    const [type, name] = ref[1].split(".");
    const doc = document(ctx.config.resource?.[type]?.[name]?.policy, ctx);
    return doc ? { source: ref[1], document: doc } : `${ref[1]} has no readable policy`;
  }
  const own = resources(ctx.config, "aws_iam_policy").find(([, p]) => `arn:aws:iam::${ctx.accountId}:policy/${p.name}` === arnValue);
  if (own) {
    const doc = document(own[1].policy, ctx);
    return doc ? { source: own[0], document: doc } : `${own[0]} has no readable policy`;
  }
  const managed = /^arn:aws:iam::aws:policy\/(?:.*\/)?([A-Za-z0-9_+=,.@-]+)$/.exec(arnValue);
  if (managed?.[1] === "ReadOnlyAccess") {
    const document = await readOnlyAccessUpperBound();
    return { source: "AWS managed ReadOnlyAccess (upper bound)", document, forAction: (action) => readOnlyAccessForAction(document, action) };
  }
  if (managed && MANAGED_POLICIES[managed[1]]) return { source: `AWS managed ${managed[1]}`, document: MANAGED_POLICIES[managed[1]] };
  return `${arnValue} is a policy this check does not know; add its document to src/iam/managed-policies.ts`;
}

export async function principalsOf(ctx: StackContext): Promise<Principal[]> {
  const roles = new Map<string, Principal>();
  for (const [address, role] of resources(ctx.config, "aws_iam_role")) {
    const name = resolve(String(role.name ?? address), ctx);
    const principal: Principal = {
      stack: ctx.stack,
      address,
      name,
      arn: `arn:aws:iam::${ctx.accountId}:role/${(role.path ?? "/").replace(/^\/|\/$/g, "")}${role.path && role.path !== "/" ? "/" : ""}${name}`,
      accountId: ctx.accountId,
      trust: document(role.assume_role_policy, ctx),
      policies: [],
      problems: [],
    };
    if (role.permissions_boundary) {
      const boundary = await policyByArn(String(role.permissions_boundary), ctx);
      if (typeof boundary === "string") principal.problems.push(boundary);
      else principal.boundary = boundary;
    }
    for (const inline of asArray(role.inline_policy)) {
      const doc = document((inline as any).policy, ctx);
      if (doc) principal.policies.push({ source: `${address} inline ${(inline as any).name}`, document: doc });
    }
    roles.set(address, principal);
  }
  for (const [address, p] of resources(ctx.config, "aws_iam_role_policy")) {
    const role = roles.get(roleAddress(p.role, ctx) ?? "");
    const doc = document(p.policy, ctx);
    if (role && doc) role.policies.push({ source: address, document: doc });
  }
  for (const [address, a] of resources(ctx.config, "aws_iam_role_policy_attachment")) {
    const role = roles.get(roleAddress(a.role, ctx) ?? "");
    if (!role) continue;
    const policy = await policyByArn(String(a.policy_arn), ctx);
    if (typeof policy === "string") role.problems.push(`${address}: ${policy}`);
    else role.policies.push({ ...policy, source: `${address} (${policy.source})` });
  }
  return [...roles.values()];
}
