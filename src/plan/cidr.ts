/**
 * IPv4 CIDR primitives over ip-num. Pure: no cdktf, no I/O.
 */
import { IPv4CidrRange, IPv4Prefix, Validator } from "ip-num";

export type Cidr = IPv4CidrRange;

/** Why `text` is not a usable IPv4 network CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const [valid] = Validator.isValidIPv4CidrNotation(text);
  if (!valid || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(text)) {
    return `expected an IPv4 CIDR such as 10.0.0.0/16, got "${text}"`;
  }
  const [isNetworkAddress] = Validator.isValidIPv4CidrRange(text);
  if (!isNetworkAddress) {
    const network = IPv4CidrRange.fromCidr(text);
    const aligned = new IPv4CidrRange(network.getFirst(), network.getPrefix());
    return `"${text}" has host bits set; did you mean ${aligned.toCidrString()}?`;
  }
  return undefined;
}

export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem) throw new Error(problem);
  return IPv4CidrRange.fromCidr(text);
}

export function prefixLength(cidr: Cidr): number {
  return Number(cidr.getPrefix().getValue());
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.isOverlapping(b);
}

/** True when `inner` lies wholly inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.inside(outer) || inner.isEquals(outer);
}

/** Every aligned block of the given prefix length inside `cidr`, lowest first. */
export function blocksOf(cidr: Cidr, prefix: number): Cidr[] {
  if (prefix === prefixLength(cidr)) return [cidr];
  return cidr.splitInto(IPv4Prefix.fromNumber(BigInt(prefix)));
}

/**
 * The parts of `pool` that overlap none of `used`, as the fewest CIDRs,
 * ignoring pieces smaller than `smallestPrefix` (AWS subnets stop at /28).
 */
export function freeRanges(pool: Cidr[], used: Cidr[], smallestPrefix = 28): Cidr[] {
  const free: Cidr[] = [];
  const visit = (block: Cidr): void => {
    const clashing = used.filter((u) => overlaps(u, block));
    if (clashing.length === 0) {
      free.push(block);
    } else if (!clashing.some((u) => within(block, u)) && prefixLength(block) < smallestPrefix) {
      block.split().forEach(visit);
    }
  };
  pool.forEach(visit);
  return free;
}

export function toStrings(cidrs: Cidr[]): string[] {
  return cidrs.map((c) => c.toCidrString());
}
