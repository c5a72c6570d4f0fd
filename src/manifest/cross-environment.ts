/**
 * Checks across environments, at synth: a manifest copied from another and only half edited must not
 * synthesize while it still claims the other's hostnames, secrets, state or address space.
 * Pure; each problem names the file, the key and the other environment.
 */
import { statSync } from "fs";
import { Cidr, overlaps, parseCidr } from "../plan/cidr";
import type { AwsEnvironment } from "./load";

export interface CrossEnvironmentProblem {
  file: string;
  path: string;
  message: string;
  /** The colliding value in `file`. */
  value: string;
}

function modified(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * What the pairwise checks read of one environment, worked out once per environment rather than once per
 * pair: with 64 environments, parsing every CIDR and walking every manifest again for each of the 2,016
 * pairs took 3 s. The claimed CIDRs are parsed on first use, when a pair shares an account and region.
 */
interface Facts {
  env: AwsEnvironment;
  /** The hostnames it serves, each with its key path. */
  hostnames: [string, string][];
  lowerHostnames: Set<string>;
  secrets: { path: string; arn: string; bare: string; segments: string[] }[];
  bareArns: Set<string>;
  state: string | undefined;
  role: string | undefined;
  claimed: () => { path: string; cidr: string; vpc: string; parsed: Cidr }[];
}

function factsOf(env: AwsEnvironment): Facts {
  const hostnames = hostnamesOf(env);
  const secrets = secretReferences(env.manifest).map(({ path, arn }) => ({ path, arn, bare: withoutSuffix(arn), segments: secretPath(arn).split("/") }));
  let claimed: ReturnType<Facts["claimed"]> | undefined;
  return {
    env,
    hostnames,
    lowerHostnames: new Set(hostnames.map(([, h]) => h.toLowerCase())),
    secrets,
    bareArns: new Set(secrets.map((s) => s.bare)),
    state: stateIdentity(env),
    role: stateRole(env),
    claimed: () => (claimed ??= claimedCidrs(env).map((c) => ({ ...c, parsed: parseCidr(c.cidr) }))),
  };
}

/** The first problem between any two AWS environments, or undefined. */
export function findCrossEnvironmentProblem(environments: AwsEnvironment[]): CrossEnvironmentProblem | undefined {
  const facts = environments.map(factsOf);
  for (let i = 0; i < environments.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [environments[i], environments[j]];
      const problems = [betweenTwo(facts[i], facts[j]), betweenTwo(facts[j], facts[i])].filter((p): p is CrossEnvironmentProblem => p !== undefined);
      if (problems.length === 0) continue;
      // Blame the copy: the manifest whose value is named after the other environment, else the newer file.
      const score = (p: CrossEnvironmentProblem) => {
        const [self, other] = p.file === a.file ? [a, b] : [b, a];
        return (p.value.includes(other.manifest.environment) ? 2 : 0) + (modified(self.file) > modified(other.file) ? 1 : 0);
      };
      return problems.sort((x, y) => score(y) - score(x))[0];
    }
  }
  return undefined;
}

function betweenTwo(mine: Facts, theirs: Facts): CrossEnvironmentProblem | undefined {
  const [env, other] = [mine.env, theirs.env];
  const name = other.manifest.environment;
  const at = (path: string, message: string, value: string) => ({ file: env.file, path, value, message: `${message} (${other.file})` });

  const shared = mine.hostnames.find(([, h]) => theirs.lowerHostnames.has(h.toLowerCase()));
  if (shared) return at(shared[0], `"${shared[1]}" is already environment ${name}'s; expected a hostname of this environment`, shared[1]);

  for (const { path, arn, bare, segments } of mine.secrets) {
    if (theirs.bareArns.has(bare)) return at(path, `${arn} is also environment ${name}'s secret; expected a secret of this environment`, arn);
    if (segments.includes(name) && !segments.includes(env.manifest.environment)) {
      return at(path, `${arn} is under environment ${name}'s path; expected a secret of this environment`, arn);
    }
  }

  const state = mine.state;
  if (state && state === theirs.state) return at("state", `the state (${state}) is also environment ${name}'s; expected a state of its own`, state);

  const role = mine.role;
  if (role && role === theirs.role) return at("state.roleName", `${role} is also environment ${name}'s state role; expected a role of its own`, role);
  // Another environment of the state account names its roles `<app>-<environment>-…`.
  if (role && other.plan.accountId === role.split(":")[4] && role.split("/").pop()!.startsWith(`${other.plan.names.prefix}-`)) {
    return at("state.roleName", `${role} is named like environment ${name}'s roles (${other.plan.names.prefix}-*) in the state account; expected a name of this environment`, role);
  }

  if (env.plan.accountId === other.plan.accountId && env.plan.region === other.plan.region) {
    const clash = cidrClash(mine, theirs);
    if (clash) return at(clash.path, clash.message, clash.value);
  }
  return undefined;
}

/** The hostnames an environment serves, with their key paths: the service's and its routed web services'. */
function hostnamesOf(env: AwsEnvironment): [string, string][] {
  const own = (env.manifest.service?.domain?.hostnames ?? []).map((h, i): [string, string] => [`service.domain.hostnames[${i}]`, h]);
  const routed = Object.entries(env.manifest.webServices).flatMap(([name, w]) => w.routing.hosts.map((h, i): [string, string] => [`webServices.${name}.routing.hosts[${i}]`, h]));
  return [...own, ...routed];
}

/** Every Secrets Manager or SSM reference in a manifest, wherever it sits, with its key path. */
export function secretReferences(value: unknown, path = ""): { path: string; arn: string }[] {
  if (typeof value === "string") return /^arn:aws[\w-]*:(secretsmanager|ssm):/.test(value) ? [{ path, arn: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => secretReferences(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => secretReferences(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Secrets Manager appends "-" and six characters to a secret's name in its ARN. */
function withoutSuffix(arn: string): string {
  return arn.replace(/^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+)-[A-Za-z0-9]{6}$/, "$1");
}

/** The secret's name or the parameter's path: what follows `secret:` or `parameter/`. */
function secretPath(arn: string): string {
  return withoutSuffix(arn).replace(/^arn:[^:]+:(secretsmanager|ssm):[^:]*:[^:]*:(secret:|parameter\/?)/, "");
}

function stateIdentity({ plan }: AwsEnvironment): string | undefined {
  const state = plan.state;
  if (state.backend === "s3") return `s3://${state.bucket}/${state.key}`;
  if (state.backend === "cloud") return `Terraform Cloud ${state.hostname}/${state.organization}/${state.workspace}`;
  return `local ${state.path}`;
}

function stateRole({ plan }: AwsEnvironment): string | undefined {
  return plan.state.backend === "s3" ? plan.state.roleArn : undefined;
}

/** The blocks an environment takes in its account and region: its VPC (new) or its new subnets (existing). */
function claimedCidrs(env: AwsEnvironment): { path: string; cidr: string; vpc: string }[] {
  const network = env.manifest.network;
  if (network.type === "new") return [{ path: "network.cidr", cidr: network.cidr, vpc: `new:${env.manifest.environment}` }];
  return env.plan.network.subnets.flatMap((s) => [s.publicCidr, s.privateCidr]).map((cidr) => ({ path: network.secondaryCidr ? "network.secondaryCidr" : "network.usedCidrs", cidr, vpc: network.vpcId }));
}

function cidrClash(envFacts: Facts, otherFacts: Facts): { path: string; message: string; value: string } | undefined {
  const [env, other] = [envFacts.env, otherFacts.env];
  const name = other.manifest.environment;
  const allowed = env.manifest.network.allowCidrOverlapWith?.includes(name) || other.manifest.network.allowCidrOverlapWith?.includes(env.manifest.environment);
  for (const mine of envFacts.claimed()) {
    for (const theirs of otherFacts.claimed()) {
      if (!overlaps(mine.parsed, theirs.parsed)) continue;
      if (mine.vpc === theirs.vpc && mine.vpc.startsWith("vpc-")) {
        return { path: mine.path, value: mine.cidr, message: `new subnet ${mine.cidr} overlaps environment ${name}'s ${theirs.cidr} in the same VPC ${mine.vpc}; expected its subnets in usedCidrs, or a secondaryCidr of this environment's own` };
      }
      if (!allowed) {
        return {
          path: mine.path,
          value: mine.cidr,
          message: `${mine.cidr} overlaps environment ${name}'s ${theirs.cidr} in the same account and region; expected a block of its own (or network.allowCidrOverlapWith: [${name}] for VPCs that will never be peered or routed together)`,
        };
      }
    }
  }
  return undefined;
}
