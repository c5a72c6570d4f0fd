/**
 * Names of AWS resources, derived from the app and environment names, and the
 * AWS length limits they must respect. Checked when the manifest is loaded, so
 * that a long name fails before synth instead of at `terraform apply`.
 */

export interface NamedResource {
  /** What the name is for, as the error message says it. */
  what: string;
  name: string;
  /** The AWS limit on this name's length. */
  limit: number;
}

export interface ResourceNames {
  /** `<app>-<environment>`: the prefix of every name. */
  prefix: string;
  loadBalancer: string;
  targetGroupBlue: string;
  targetGroupGreen: string;
  flowLogsRole: string;
  flowLogsGroup: string;
}

export function resourceNames(app: string, environment: string): ResourceNames {
  const prefix = `${app}-${environment}`;
  return {
    prefix,
    loadBalancer: prefix,
    targetGroupBlue: `${prefix}-blue`,
    targetGroupGreen: `${prefix}-green`,
    flowLogsRole: `${prefix}-vpc-flow-logs`,
    flowLogsGroup: `/${app}/${environment}/vpc-flow-logs`,
  };
}

/** Every limited name with its AWS limit, longest-constrained first. */
export function limitedNames(names: ResourceNames): NamedResource[] {
  return [
    { what: "load balancer name", name: names.loadBalancer, limit: 32 },
    { what: "target group name", name: names.targetGroupBlue, limit: 32 },
    { what: "target group name", name: names.targetGroupGreen, limit: 32 },
    { what: "IAM role name", name: names.flowLogsRole, limit: 64 },
    { what: "log group name", name: names.flowLogsGroup, limit: 512 },
  ];
}

/** The first name that breaks its limit, or undefined. */
export function nameTooLong(names: ResourceNames): NamedResource | undefined {
  return limitedNames(names).find((n) => n.name.length > n.limit);
}
