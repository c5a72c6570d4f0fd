/**
 * Subnet planning: where the public (load balancer, NAT) and private (service)
 * subnets of each availability zone go. Pure and deterministic: the same input
 * always gives the same CIDRs, lowest free address first.
 */
import { Cidr, firstFreeBlock, formatCidr, freeRanges, parseCidr, prefixLength, toStrings } from "./cidr";

export interface SubnetSizes {
  /** Prefix length of each private (service) subnet. */
  privatePrefix: number;
  /** Prefix length of each public (load balancer and NAT) subnet. */
  publicPrefix: number;
}

export interface SubnetPlanInput {
  /** CIDR blocks the new subnets may be carved from. */
  pool: string[];
  /** CIDRs already taken inside the pool (existing subnets). */
  used: string[];
  /** The block whose size sets the subnet sizes (the VPC's primary or secondary block). */
  sizeFrom: string;
  availabilityZones: string[];
}

export interface PlannedSubnet {
  availabilityZone: string;
  publicCidr: string;
  privateCidr: string;
}

/** Raised when the subnets cannot be planned; `message` says why and what is free. */
export class SubnetPlanError extends Error {}

/** AWS requires at least a /27 for a load balancer subnet. */
export const SMALLEST_PUBLIC_PREFIX = 27;
/** AWS subnets are at most a /16. */
const LARGEST_SUBNET_PREFIX = 16;

/**
 * Sizes follow the block and the AZ count: the private tier takes half of the
 * block, split into a power-of-two number of slots (3 AZs use 4 slots, leaving
 * one spare); each public subnet is a quarter of a private one.
 */
export function subnetSizes(blockPrefix: number, azCount: number): SubnetSizes {
  const slotBits = Math.ceil(Math.log2(azCount));
  const privatePrefix = Math.max(LARGEST_SUBNET_PREFIX, blockPrefix + 1 + slotBits);
  return { privatePrefix, publicPrefix: privatePrefix + 2 };
}

/** The longest block prefix (the smallest block) that still fits subnets for `azCount` AZs. */
export function maxBlockPrefix(azCount: number): number {
  const slotBits = Math.ceil(Math.log2(azCount));
  return SMALLEST_PUBLIC_PREFIX - 3 - slotBits;
}

export function planSubnets(input: SubnetPlanInput): PlannedSubnet[] {
  const sizeBlock = parseCidr(input.sizeFrom);
  const azCount = input.availabilityZones.length;
  if (prefixLength(sizeBlock) > maxBlockPrefix(azCount)) {
    throw new SubnetPlanError(
      `${input.sizeFrom} is too small for ${azCount} availability zones: use a /${maxBlockPrefix(azCount)} or larger`,
    );
  }
  const sizes = subnetSizes(prefixLength(sizeBlock), azCount);
  const pool = input.pool.map(parseCidr);
  const taken: Cidr[] = input.used.map(parseCidr);

  const allocate = (prefix: number): Cidr | undefined => {
    for (const block of pool) {
      const candidate = firstFreeBlock(block, prefix, taken);
      if (candidate) {
        taken.push(candidate);
        return candidate;
      }
    }
    return undefined;
  };

  const privates = input.availabilityZones.map(() => allocate(sizes.privatePrefix));
  const publics = input.availabilityZones.map(() => allocate(sizes.publicPrefix));
  if (privates.includes(undefined) || publics.includes(undefined)) {
    const free = toStrings(freeRanges(pool, input.used.map(parseCidr)));
    throw new SubnetPlanError(
      `cannot fit ${azCount} private /${sizes.privatePrefix} and ${azCount} public /${sizes.publicPrefix} subnets; ` +
        `free ranges: ${describeFree(free)}; add a secondary CIDR block (network.secondaryCidr)`,
    );
  }
  return input.availabilityZones.map((availabilityZone, i) => ({
    availabilityZone,
    publicCidr: formatCidr(publics[i]!),
    privateCidr: formatCidr(privates[i]!),
  }));
}

function describeFree(free: string[]): string {
  if (free.length === 0) return "none";
  const shown = free.slice(0, 8).join(", ");
  return free.length > 8 ? `${shown} (+${free.length - 8} more)` : shown;
}
