/**
 * The IAM check over synthesized stacks: every principal can do what the system needs (reachability)
 * and nothing that lets it escalate or cross into another environment (containment). Evaluated by
 * @cloud-copilot/iam-simulate over the policies as synthesized, references resolved to real ARN shapes.
 * Runs on every synth (main.ts) and in the tests; findings fail synth like the policy rules do.
 */
import type { TerraformConfig } from "../policy/model";
import type { VerdictCache } from "./cache";
import type { Principal } from "./principals";
import type { StackContext } from "./resolve";
import type { WorkflowStep } from "./workflow-calls";

export interface IamFinding {
  rule: "iam-reachable" | "iam-contained";
  stack: string;
  /** `<address> (<role name>)`. */
  principal: string;
  action: string;
  resource: string;
  message: string;
}

export interface StackInput {
  name: string;
  config: TerraformConfig;
}

export interface IamStack {
  ctx: StackContext;
  principals: Principal[];
}

export function describeIamFinding(f: IamFinding): string {
  return `${f.stack}: ${f.rule} ${f.principal} ${f.message}`;
}

export const label = (p: Principal) => `${p.address} (${p.name})`;

const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";

/**
 * Every account with a GitHub role has GitHub's OIDC provider exactly once: one stack of the account
 * creates it, or the stack reads the one that exists (github.oidcProvider: existing).
 */
function oidcProviderFindings(stacks: IamStack[], githubRoles: (p: Principal[]) => Principal[]): IamFinding[] {
  const creators = (accountId: string) =>
    stacks.filter((s) => s.ctx.accountId === accountId && Object.values<any>(s.ctx.config.resource?.aws_iam_openid_connect_provider ?? {}).some((p) => p.url === GITHUB_OIDC_URL));
  return stacks.flatMap(({ ctx, principals }) => {
    const roles = githubRoles(principals);
    if (roles.length === 0) return [];
    const made = creators(ctx.accountId).map((s) => s.ctx.stack);
    const read = Object.values<any>((ctx.config as any).data?.aws_iam_openid_connect_provider ?? {}).some((d) => d.url === GITHUB_OIDC_URL);
    const finding = (message: string): IamFinding => ({ rule: "iam-reachable", stack: ctx.stack, principal: label(roles[0]), action: "sts:AssumeRoleWithWebIdentity", resource: `arn:aws:iam::${ctx.accountId}:oidc-provider/token.actions.githubusercontent.com`, message });
    if (made.length === 0 && !read) {
      return [finding(`trusts GitHub's OIDC provider, which no stack of account ${ctx.accountId} creates and this stack does not read: no job can assume it (set github.oidcProvider)`)];
    }
    if (made.length > 1) return [finding(`trusts GitHub's OIDC provider, which ${made.length} stacks of account ${ctx.accountId} create (${made.join(", ")}): the second apply fails with EntityAlreadyExists`)];
    if (made.length === 1 && read) return [finding(`reads GitHub's OIDC provider as existing while ${made[0]} creates it in account ${ctx.accountId}`)];
    return [];
  });
}

/**
 * @param workflowSteps the AWS calls of the GitHub workflows (.github/workflows/aws-calls.json).
 * @param cache passing verdicts of earlier runs (./cache): a part of the check whose inputs are unchanged
 *   since it last passed is not simulated again. Findings come out in the same order either way.
 */
export async function checkIam(stacks: readonly StackInput[], workflowSteps: readonly WorkflowStep[] = [], cache?: VerdictCache): Promise<IamFinding[]> {
  const { digest } = await import("./cache");
  const { sharesAccount, stackContext } = await import("./resolve");
  const contexts = stacks.flatMap((s) => {
    const ctx = stackContext(s.name, s.config);
    return ctx ? [{ ctx, digest: digest(s.name, JSON.stringify(s.config)) }] : [];
  });
  const steps = digest(JSON.stringify(workflowSteps));
  const ownKeys = contexts.map((c) => cache?.key("stack", c.digest, steps));
  const oidcKey = cache?.key("oidc", ...contexts.map((c) => c.digest));
  const pairKey = (i: number, j: number) => cache?.key("pair", contexts[i].digest, contexts[j].digest);
  // State across accounts and Terraform Cloud's trust compare every stack with every other: one key for all.
  const accountsKey = cache?.key("accounts", ...contexts.map((c) => c.digest));
  const known = (key: string | undefined) => key !== undefined && cache!.has(key);
  const pairsPending = contexts.some((a, i) => contexts.some((b, j) => sharesAccount(a.ctx, b.ctx) && !known(pairKey(i, j))));
  // Loaded only when something is to be simulated: a synth whose verdicts are all remembered never loads the simulator.
  if (!pairsPending && ownKeys.every(known) && known(oidcKey) && known(accountsKey)) return [];
  const [{ crossContainmentFindings, githubRoles, ownContainmentFindings }, { principalsOf }] = await Promise.all([import("./containment"), import("./principals")]);
  const analyzed: IamStack[] = [];
  for (const { ctx } of contexts) analyzed.push({ ctx, principals: await principalsOf(ctx) });

  const reachable: IamFinding[][] = [];
  const called: IamFinding[][] = [];
  const contained: IamFinding[][] = [];
  for (const [i, stack] of analyzed.entries()) {
    if (known(ownKeys[i])) {
      [reachable[i], called[i], contained[i]] = [[], [], []];
      continue;
    }
    reachable[i] = await reachabilityFindings(stack);
    called[i] = await workflowFindings(stack, workflowSteps);
    contained[i] = await ownContainmentFindings(stack);
    if (ownKeys[i] && reachable[i].length + called[i].length + contained[i].length === 0) cache!.add(ownKeys[i]!);
  }
  const oidc = known(oidcKey) ? [] : oidcProviderFindings(analyzed, githubRoles);
  if (oidcKey && !known(oidcKey) && oidc.length === 0) cache!.add(oidcKey);
  for (const [i, stack] of analyzed.entries()) {
    for (const [j, other] of analyzed.entries()) {
      if (!sharesAccount(stack.ctx, other.ctx) || known(pairKey(i, j))) continue;
      const crossing = await crossContainmentFindings(stack, other);
      contained[i].push(...crossing);
      if (cache && crossing.length === 0) cache.add(pairKey(i, j)!);
    }
  }
  const accounts: IamFinding[] = [];
  if (!known(accountsKey)) {
    const [{ stateAccessFindings }, { terraformCloudFindings }] = await Promise.all([import("./state-access"), import("./terraform-cloud")]);
    accounts.push(...(await stateAccessFindings(analyzed)), ...(await terraformCloudFindings(analyzed)));
    if (accountsKey && accounts.length === 0) cache!.add(accountsKey);
  }
  return [...reachable.flat(), ...called.flat(), ...oidc, ...contained.flat(), ...accounts];
}

/** What the system needs of each role of one stack: its trust, then its permissions. */
async function reachabilityFindings({ ctx, principals }: IamStack): Promise<IamFinding[]> {
  const [{ needsOf }, { simulateIdentity, simulateTrust }] = await Promise.all([import("./needs"), import("./simulate")]);
  const findings: IamFinding[] = [];
  const unreachable = (p: Principal, action: string, resource: string, message: string) =>
    findings.push({ rule: "iam-reachable", stack: ctx.stack, principal: label(p), action, resource, message });
  for (const p of principals) for (const problem of p.problems) unreachable(p, "-", "-", `cannot be evaluated: ${problem}`);
  const { needs, trust } = needsOf(ctx, principals);
  for (const need of trust) {
    const p = principals.find((x) => x.address === need.principal);
    if (!p) continue;
    const verdict = simulateTrust(p, need.caller, need.action, need.context);
    if (!verdict.allowed) unreachable(p, need.action, p.arn, `cannot be assumed by ${need.caller} (${need.why}): its trust policy does not allow ${need.action} for it`);
  }
  const verdicts = await Promise.all(
    needs.map(async (need) => {
      const p = principals.find((x) => x.address === need.principal);
      return p ? { need, p, verdict: await simulateIdentity(p, need) } : undefined;
    }),
  );
  for (const { need, p, verdict } of verdicts.flatMap((v) => (v ? [v] : []))) {
    if (!verdict.allowed) {
      unreachable(p, need.action, need.resource, `cannot ${need.action} on ${need.resource} (${need.why}): ${verdict.error ? `the simulator refused the request: ${verdict.error}` : verdict.because}`);
    }
  }
  return findings;
}

/** What each workflow step's AWS calls need of the stack's GitHub roles. */
async function workflowFindings({ ctx, principals }: IamStack, workflowSteps: readonly WorkflowStep[]): Promise<IamFinding[]> {
  const [{ workflowRequests }, { simulateIdentity }] = await Promise.all([import("./workflow-calls"), import("./simulate")]);
  const findings: IamFinding[] = [];
  const { requests, unknown } = workflowRequests(ctx, principals, [...workflowSteps]);
  for (const u of new Set(unknown)) {
    findings.push({ rule: "iam-reachable", stack: ctx.stack, principal: "-", action: "-", resource: "-", message: `names a placeholder the check does not know: ${u} (.github/workflows/aws-calls.json)` });
  }
  for (const r of requests) {
    const verdict = await simulateIdentity(r.principal, r);
    if (!verdict.allowed) {
      findings.push({
        rule: "iam-reachable",
        stack: ctx.stack,
        principal: label(r.principal),
        action: r.action,
        resource: r.resource,
        message: `cannot ${r.action} on ${r.resource} (${r.step.workflow} job ${r.step.job}, step "${r.step.step}": ${r.step.what}): ${verdict.error ? `the simulator refused the request: ${verdict.error}` : verdict.because}`,
      });
    }
  }
  return findings;
}
