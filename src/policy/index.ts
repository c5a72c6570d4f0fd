/**
 * The rule set, and how a stack's findings are split into failures and
 * waivers. Runs while each stack is synthesized (ProjectStack.toTerraform).
 */
import type { Finding, PolicyRule, TerraformConfig } from "./model";
import { accessRules } from "./rules/access";
import { containerRules } from "./rules/containers";
import { backgroundRules } from "./rules/background";
import { dataRules } from "./rules/data";
import { loadBalancerRules } from "./rules/load-balancer";
import { sharedLoadBalancerRules } from "./rules/shared-load-balancer";
import { networkRules } from "./rules/network";

export type { Finding, PolicyRule, TerraformConfig } from "./model";

export const RULES: readonly PolicyRule[] = [...networkRules, ...loadBalancerRules, ...sharedLoadBalancerRules, ...containerRules, ...backgroundRules, ...dataRules, ...accessRules];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

/** A checkov check id, which a manifest may waive too (the checkov lane reads the waivers from the stack's JSON). */
export const CHECKOV_ID = /^CKV2?_AWS_\d+$/;

export interface Waiver {
  rule: string;
  /** Why the rule does not apply here; shown in the review report. */
  reason: string;
  /** Terraform addresses the waiver is limited to; every resource when absent. */
  resources?: string[];
}

export interface PolicyResult {
  /** Findings no waiver covers: these fail synth. */
  failures: Finding[];
  /** Findings a waiver covers, with its reason. */
  waived: (Finding & { reason: string })[];
}

export function checkPolicies(config: TerraformConfig, waivers: readonly Waiver[] = [], rules: readonly PolicyRule[] = RULES): PolicyResult {
  const findings = rules.flatMap((rule) => rule.check(config));
  const reasonFor = (f: Finding) => waivers.find((w) => w.rule === f.rule && (!w.resources || w.resources.includes(f.resource)))?.reason;
  return {
    failures: findings.filter((f) => reasonFor(f) === undefined),
    waived: findings.flatMap((f) => {
      const reason = reasonFor(f);
      return reason === undefined ? [] : [{ ...f, reason }];
    }),
  };
}

/** One line: the stack, the rule, the resource, what is wrong and how to fix it. */
export function describeFinding(stack: string, finding: Finding): string {
  const rule = RULES.find((r) => r.id === finding.rule);
  return `${stack}: ${finding.rule} ${finding.resource}: ${finding.message}. Fix: ${rule?.fix ?? ""} (or waive ${finding.rule} in policy.waivers with a reason)`;
}
