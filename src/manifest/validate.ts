/**
 * Checks that need more than one key at a time: regions and zones, CIDR
 * overlaps, name limits. Runs after the schema, on a well-typed manifest.
 */
import { findLimitProblem } from "./validate-limits";
import { formatCidr, overlaps, parseCidr, prefixLength, sameCidr, within } from "../plan/cidr";
import { nameTooLong, resourceNames } from "../plan/names";
import { AWS_REGIONS, zoneIsInRegion } from "./regions";
import type { AwsManifest, DockerManifest, Manifest } from "./schema";
import { findServiceProblem } from "./validate-service";
import { findBackgroundProblem } from "./validate-background";
import { findWebServicesProblem } from "./validate-web-services";

/** A problem with one key of a manifest. */
export interface ManifestProblem {
  /** Dotted key path, such as `network.usedCidrs[2]`. */
  path: string;
  message: string;
}

export function findProblem(manifest: Manifest): ManifestProblem | undefined {
  if (manifest.platform === "docker") return checkDocker(manifest) ?? findLimitProblem(manifest);
  const checkService = (m: AwsManifest) => (m.service ? findServiceProblem(m.service, "aws") : undefined);
  for (const check of [checkAws, checkNetwork, checkState, checkNames, checkTags, checkService, findWebServicesProblem, findBackgroundProblem, findLimitProblem]) {
    const problem = check(manifest);
    if (problem) return problem;
  }
  return undefined;
}

function checkDocker(manifest: DockerManifest): ManifestProblem | undefined {
  const secret = Object.keys(manifest.service.django.secrets)[0];
  if (secret) {
    return {
      path: `service.django.secrets.${secret}`,
      message: "secret ARNs cannot be read by a local environment; expected the local value under docker.environment",
    };
  }
  const local = [...Object.entries(manifest.workers), ...Object.entries(manifest.scheduled)].find(([, spec]) => Object.keys(spec.secrets).length > 0);
  if (local) {
    const at = `${local[0] in manifest.workers ? "workers" : "scheduled"}.${local[0]}.secrets`;
    return { path: at, message: "secret ARNs cannot be read by a local environment; expected the local value under docker.environment" };
  }
  return findServiceProblem(manifest.service, "docker") ?? findBackgroundProblem(manifest);
}

function checkAws({ aws }: AwsManifest): ManifestProblem | undefined {
  if (!AWS_REGIONS.includes(aws.region)) {
    return { path: "aws.region", message: `unknown region "${aws.region}"; expected one of: ${AWS_REGIONS.join(", ")}` };
  }
  for (const [i, zone] of aws.availabilityZones.entries()) {
    if (!zoneIsInRegion(zone, aws.region)) {
      return {
        path: `aws.availabilityZones[${i}]`,
        message: `"${zone}" is not a zone of ${aws.region}; expected ${aws.region} followed by a letter, such as ${aws.region}a`,
      };
    }
    if (aws.availabilityZones.indexOf(zone) !== i) {
      return { path: `aws.availabilityZones[${i}]`, message: `"${zone}" is listed twice; expected distinct zones` };
    }
  }
  return undefined;
}

/** Overlapping pairs in a list, reported at the later entry. */
function firstOverlap(key: string, cidrs: string[]): ManifestProblem | undefined {
  for (let j = 1; j < cidrs.length; j++) {
    for (let i = 0; i < j; i++) {
      if (overlaps(parseCidr(cidrs[i]), parseCidr(cidrs[j]))) {
        return { path: `${key}[${j}]`, message: `${cidrs[j]} overlaps ${cidrs[i]} (${key}[${i}]); expected CIDRs that do not overlap` };
      }
    }
  }
  return undefined;
}

const VPC_BLOCK = "expected a VPC block between /16 and /28";

/** AWS refuses a secondary block from another RFC 1918 range than the primary's. */
const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseCidr);

function checkNetwork({ network, aws }: AwsManifest): ManifestProblem | undefined {
  if (network.type === "new") {
    const p = prefixLength(parseCidr(network.cidr));
    return p < 16 || p > 28 ? { path: "network.cidr", message: `${network.cidr}: ${VPC_BLOCK}` } : undefined;
  }
  const blocks = network.cidrBlocks.map(parseCidr);
  for (const [i, block] of blocks.entries()) {
    const p = prefixLength(block);
    if (p < 16 || p > 28) return { path: `network.cidrBlocks[${i}]`, message: `${network.cidrBlocks[i]}: ${VPC_BLOCK}` };
  }
  const problem = firstOverlap("network.cidrBlocks", network.cidrBlocks) ?? firstOverlap("network.usedCidrs", network.usedCidrs);
  if (problem) return problem;
  for (const [i, used] of network.usedCidrs.entries()) {
    if (!blocks.some((b) => within(parseCidr(used), b))) {
      return {
        path: `network.usedCidrs[${i}]`,
        message: `${used} is outside the VPC's blocks (${network.cidrBlocks.join(", ")}); expected a CIDR inside them`,
      };
    }
  }
  if (network.secondaryCidr) {
    const secondary = parseCidr(network.secondaryCidr);
    const p = prefixLength(secondary);
    if (p < 16 || p > 28) return { path: "network.secondaryCidr", message: `${network.secondaryCidr}: ${VPC_BLOCK}` };
    const clash = network.cidrBlocks.find((b) => overlaps(parseCidr(b), secondary));
    if (clash) {
      return { path: "network.secondaryCidr", message: `${network.secondaryCidr} overlaps the VPC's block ${clash}; expected a new block` };
    }
    const primaryRange = RFC1918.find((r) => within(blocks[0], r));
    const secondaryRange = RFC1918.find((r) => within(secondary, r));
    if (primaryRange && secondaryRange && !sameCidr(primaryRange, secondaryRange)) {
      return {
        path: "network.secondaryCidr",
        message: `AWS does not allow ${network.secondaryCidr} beside a primary block in ${formatCidr(primaryRange)}; expected a block in ${formatCidr(primaryRange)} or 100.64.0.0/10`,
      };
    }
  }
  const ids = network.natGatewayIds;
  if (ids && ids.length !== 1 && ids.length !== aws.availabilityZones.length) {
    return {
      path: "network.natGatewayIds",
      message: `expected 1 NAT gateway id or one per availability zone (${aws.availabilityZones.length}), got ${ids.length}`,
    };
  }
  return undefined;
}

function checkState({ state, aws }: AwsManifest): ManifestProblem | undefined {
  if (state.backend !== "s3") return undefined;
  if (state.region !== undefined && !AWS_REGIONS.includes(state.region)) {
    return { path: "state.region", message: `unknown region "${state.region}"; expected an AWS region such as ap-northeast-2` };
  }
  if (state.locking === "dynamodb" && !state.lockTable) {
    return { path: "state.lockTable", message: 'expected a DynamoDB table name when state.locking is "dynamodb"' };
  }
  if (state.roleName !== undefined && (state.accountId ?? aws.accountId) === aws.accountId) {
    return { path: "state.roleName", message: `the state is in this environment's own account (${aws.accountId}); expected a roleName only with a state.accountId of another account` };
  }
  if (state.locking !== "dynamodb" && state.lockTable) {
    return { path: "state.lockTable", message: 'a lock table is only used with state.locking: "dynamodb"; expected no lockTable' };
  }
  return undefined;
}

function checkNames({ app, environment }: AwsManifest): ManifestProblem | undefined {
  if (app.startsWith("internal")) {
    return { path: "app", message: `"${app}" would start the load balancer's name with "internal", which AWS refuses; expected another name` };
  }
  const tooLong = nameTooLong(resourceNames(app, environment));
  if (!tooLong) return undefined;
  return {
    path: "app",
    message: `app "${app}" with environment "${environment}" makes the ${tooLong.what} "${tooLong.name}" ${tooLong.name.length} characters; AWS allows ${tooLong.limit}: shorten app or environment`,
  };
}

function checkTags({ tags }: AwsManifest): ManifestProblem | undefined {
  const reserved = Object.keys(tags).find((k) => k.toLowerCase().startsWith("aws:"));
  return reserved ? { path: `tags.${reserved}`, message: 'tag keys starting with "aws:" are reserved by AWS; expected another key' } : undefined;
}
