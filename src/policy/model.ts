/**
 * Policy rules run over a stack's synthesized Terraform JSON. Pure: a rule
 * reads the config and returns findings; nothing here knows cdktf.
 */

/** The parts of a Terraform JSON config that rules read. */
export interface TerraformConfig {
  resource?: Record<string, Record<string, any>>;
  provider?: Record<string, any[]>;
  terraform?: { backend?: Record<string, any>; cloud?: unknown };
}

export interface Finding {
  rule: string;
  /** Terraform address, such as aws_lb.web_load-balancer_load-balancer. */
  resource: string;
  message: string;
}

export interface PolicyRule {
  /** Kebab-case id, used to waive the rule in a manifest. */
  id: string;
  title: string;
  /** The checkov or trivy checks this rule mirrors, where one exists. */
  mirrors: string[];
  /** How to fix a finding. */
  fix: string;
  check(config: TerraformConfig): Finding[];
}

/** Every resource of the given types, as [address, attributes]. */
export function resources(config: TerraformConfig, ...types: string[]): [string, any][] {
  return types.flatMap((type) => Object.entries(config.resource?.[type] ?? {}).map(([name, attrs]) => [`${type}.${name}`, attrs] as [string, any]));
}

/** The `${type.name...}` reference to a resource, as it appears in other resources' attributes. */
export function refersTo(value: unknown, address: string): boolean {
  return typeof value === "string" && value.includes(`\${${address}.`);
}

/** A rule that checks each resource of some types on its own. */
export function perResource(
  rule: Omit<PolicyRule, "check">,
  types: string[],
  problem: (attrs: any, address: string, config: TerraformConfig) => string | undefined,
): PolicyRule {
  return {
    ...rule,
    check: (config) =>
      resources(config, ...types).flatMap(([address, attrs]) => {
        const message = problem(attrs, address, config);
        return message ? [{ rule: rule.id, resource: address, message }] : [];
      }),
  };
}

/** A stack of a manifest marked `disposable: true`: its provider tags every resource disposable = "true". */
export function isDisposable(config: TerraformConfig): boolean {
  return (config.provider?.aws ?? []).some((p: any) => p.default_tags?.some?.((d: any) => d.tags?.disposable === "true"));
}

/** A JSON attribute (policy, container definitions) parsed, or undefined when it is not JSON. */
export function parseJson(text: unknown): any {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
