/**
 * The IAM check over synthesized stacks: every principal can do what the system needs (reachability)
 * and nothing that lets it escalate or cross into another environment (containment). Evaluated by
 * @cloud-copilot/iam-simulate over the policies as synthesized, references resolved to real ARN shapes.
 * Runs on every synth (main.ts) and in the tests; findings fail synth like the policy rules do.
 */
import type { TerraformConfig } from "../policy/model";
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

/** @param workflowSteps the AWS calls of the GitHub workflows (.github/workflows/aws-calls.json). */
export async function checkIam(stacks: readonly StackInput[], workflowSteps: readonly WorkflowStep[] = []): Promise<IamFinding[]> {
  // Loaded on first use: a synth whose verdict is remembered (main.ts) never loads the simulator.
  const [{ containmentFindings }, { needsOf }, { principalsOf }, { stackContext }, { simulateIdentity, simulateTrust }] = await Promise.all([
    import("./containment"),
    import("./needs"),
    import("./principals"),
    import("./resolve"),
    import("./simulate"),
  ]);
  const { workflowRequests } = await import("./workflow-calls");
  const analyzed: IamStack[] = [];
  for (const s of stacks) {
    const ctx = stackContext(s.name, s.config);
    if (ctx) analyzed.push({ ctx, principals: await principalsOf(ctx) });
  }
  const findings: IamFinding[] = [];
  for (const { ctx, principals } of analyzed) {
    for (const p of principals) {
      for (const problem of p.problems) {
        findings.push({ rule: "iam-reachable", stack: ctx.stack, principal: label(p), action: "-", resource: "-", message: `cannot be evaluated: ${problem}` });
      }
    }
    const { needs, trust } = needsOf(ctx, principals);
    for (const need of trust) {
      const p = principals.find((x) => x.address === need.principal);
      if (!p) continue;
      const verdict = simulateTrust(p, need.caller, need.action, need.context);
      if (!verdict.allowed) {
        findings.push({
          rule: "iam-reachable",
          stack: ctx.stack,
          principal: label(p),
          action: need.action,
          resource: p.arn,
          message: `cannot be assumed by ${need.caller} (${need.why}): its trust policy does not allow ${need.action} for it`,
        });
      }
    }
    const verdicts = await Promise.all(
      needs.map(async (need) => {
        const p = principals.find((x) => x.address === need.principal);
        return p ? { need, p, verdict: await simulateIdentity(p, need) } : undefined;
      }),
    );
    for (const { need, p, verdict } of verdicts.flatMap((v) => (v ? [v] : []))) {
      if (!verdict.allowed) {
        findings.push({
          rule: "iam-reachable",
          stack: ctx.stack,
          principal: label(p),
          action: need.action,
          resource: need.resource,
          message: `cannot ${need.action} on ${need.resource} (${need.why}): ${verdict.error ? `the simulator refused the request: ${verdict.error}` : verdict.because}`,
        });
      }
    }
  }
  for (const { ctx, principals } of analyzed) {
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
  }
  findings.push(...(await containmentFindings(analyzed)));
  return findings;
}
