/**
 * One request through @cloud-copilot/iam-simulate, and a verdict that names the statements that
 * decided it. Identity requests go through the validating `runSimulation` (it checks the action exists
 * and the resource ARN has a shape the action accepts); trust policies go through `runUnsafeSimulation`,
 * since the validating path drops OIDC context keys (`token.actions.githubusercontent.com:sub`), which
 * are exactly what a GitHub trust policy must be judged on.
 */
import { createValidatedPolicy, validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import type { NamedPolicy, PolicyDocument, Principal } from "./principals";

export interface Verdict {
  allowed: boolean;
  /** The statements that decided, as `<source> statement <Sid or #index>`; or why nothing matched. */
  because: string;
  /** Set when the simulator could not run the request (an action or ARN shape it does not accept). */
  error?: string;
}

function statementName(s: { policyId?: string; statement?: any }): string {
  const sid = s.statement?.sid?.() ?? `#${s.statement?.index?.() ?? "?"}`;
  return `${s.policyId ?? "?"} statement ${sid}`;
}

function summarize(analysis: any, label = ""): string {
  const named = (list: any[]) => list.map((s) => `${label}${statementName(s)}`).join(", ");
  if (analysis?.denyStatements?.length) return `denied by ${named(analysis.denyStatements)}`;
  if (analysis?.allowStatements?.length) return `allowed by ${named(analysis.allowStatements)}`;
  const near = (analysis?.unmatchedStatements ?? []).filter((s: any) => s.actionMatch);
  if (near.length === 0) return `no ${label || "identity "}statement allows the action`;
  return `no ${label || "identity "}statement allows it (${near
    .map((s: any) => `${statementName(s)}: ${!s.resourceMatch ? "resource does not match" : s.conditionMatch !== "Match" ? "condition does not match" : "no match"}`)
    .join("; ")})`;
}

/**
 * Each identity or boundary document validated once, not once per request: the simulator reuses a
 * validated policy as it is (validation was a tenth of a request's time). Keyed by the document object,
 * which a principal keeps for the whole check.
 */
const validatedDocuments = new WeakMap<PolicyDocument, ReturnType<typeof createValidatedPolicy>>();
function validated(document: PolicyDocument): ReturnType<typeof createValidatedPolicy> {
  let policy = validatedDocuments.get(document);
  if (!policy) validatedDocuments.set(document, (policy = createValidatedPolicy(document, validateIdentityPolicy)));
  return policy;
}

export async function simulateIdentity(
  principal: Principal,
  request: { action: string; resource: string; context?: Record<string, string | string[]> },
  /** `resourcePolicy`: the resource's own policy (a bucket policy, a role's trust), evaluated with the identity's. */
  extra: { policies?: NamedPolicy[]; resourcePolicy?: NamedPolicy } = {},
): Promise<Verdict> {
  const policies = [...principal.policies, ...(extra.policies ?? [])];
  const boundary = principal.boundary ? [principal.boundary] : [];
  const result = await runSimulation(
    {
      identityPolicies: policies.map((p) => ({ name: p.source, policy: validated(p.forAction?.(request.action) ?? p.document) })),
      permissionBoundaryPolicies: boundary.length ? boundary.map((p) => ({ name: p.source, policy: validated(p.forAction?.(request.action) ?? p.document) })) : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: extra.resourcePolicy?.document,
      request: {
        principal: principal.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount(request.resource, principal.accountId) },
        contextVariables: request.context ?? {},
      },
    },
    {},
  );
  if (result.resultType === "error") return { allowed: false, because: "", error: result.errors.message };
  const analyses = result.resultType === "single" ? [result.result.analysis] : result.results.map((r) => r.analysis);
  const allowed = result.overallResult === "Allowed";
  const analysis = analyses[0];
  let because = summarize(analysis?.identityAnalysis);
  if (!allowed && analysis?.identityAnalysis?.result === "Allowed" && analysis?.permissionBoundaryAnalysis?.result !== "Allowed" && analysis?.permissionBoundaryAnalysis) {
    because = summarize(analysis.permissionBoundaryAnalysis, "boundary ");
  } else if (!allowed && analysis?.identityAnalysis?.result === "Allowed" && analysis?.sameAccount === false) {
    because = `the resource is in account ${resourceAccount(request.resource, principal.accountId)}, another account: its resource policy must allow the role too (the role's own policy does: ${because.replace(/^allowed by /, "")})`;
  }
  // The resource's own policy (bucket policy, trust) decides too: name its statements.
  const resource = extra.resourcePolicy && analysis?.resourceAnalysis;
  if (resource) {
    const named = summarize(resource, "").replace(/\? statement/g, `${extra.resourcePolicy!.source} statement`);
    const identityAllows = Boolean(analysis?.identityAnalysis?.allowStatements?.length);
    if (resource.denyStatements?.length) because = named;
    else if (resource.allowStatements?.length && allowed) because = identityAllows ? `${because}, and ${named}` : named;
    else if (resource.allowStatements?.length && !identityAllows) because = `${because} (on the resource's side, ${named})`;
  }
  return { allowed, because };
}

const globs = new Map<string, RegExp>();
/** IAM's action wildcards: `*` any run of characters, `?` one; case-insensitive. */
function actionGlob(pattern: string): RegExp {
  let glob = globs.get(pattern);
  if (!glob) globs.set(pattern, (glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i")));
  return glob;
}

/**
 * False when no Allow statement of the principal's own policies can match `action`: then the simulator
 * would deny any request of it (the boundary only takes away), so a request that must be denied need not
 * be simulated. True whenever unsure: a NotAction statement, a policy the simulator would not accept.
 */
export function mayAllowAction(principal: Principal, action: string): boolean {
  for (const policy of principal.policies) {
    const document = policy.forAction?.(action) ?? policy.document;
    if (validated(document).errors.length > 0) return true;
    for (const statement of document.Statement) {
      if (statement.Effect !== "Allow") continue;
      if (statement.NotAction !== undefined || statement.Action === undefined) return true;
      const patterns: unknown[] = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      if (patterns.some((pattern) => typeof pattern !== "string" || actionGlob(pattern).test(action))) return true;
    }
  }
  return false;
}

/** Whether `caller` (a service principal or an OIDC provider ARN) may assume the role, by its trust policy. */
export function simulateTrust(
  principal: Principal,
  caller: string,
  action: string,
  context: Record<string, string | string[]>,
): Verdict {
  if (!principal.trust) return { allowed: false, because: "the role has no readable trust policy" };
  const trust: PolicyDocument = principal.trust;
  // Validated first: a malformed trust policy is a finding, not a silent deny.
  const validated = createValidatedPolicy(trust, validateTrustPolicy, { name: `trust policy of ${principal.address}` });
  if (validated.errors.length > 0) return { allowed: false, because: "", error: validated.errors.map((e) => e.message).join("; ") };
  const analysis: any = runUnsafeSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: validated as any,
      request: { principal: caller, action, resource: { resource: principal.arn, accountId: principal.accountId }, contextVariables: context },
    },
    {},
  );
  const result = typeof analysis === "string" ? analysis : analysis?.result;
  return { allowed: result === "Allowed", because: `trust policy of ${principal.address}` };
}

function resourceAccount(arn: string, fallback: string): string {
  const account = arn.split(":")[4];
  return /^\d{12}$/.test(account ?? "") ? account : fallback;
}
