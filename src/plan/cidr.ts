/**
 * IPv4 CIDR primitives. ip-num parses and validates the text; the arithmetic
 * runs on plain numbers, because planning walks thousands of candidate blocks
 * and ip-num's BigInt ranges made that take ~100 ms per environment.
 */
import { IPv4, IPv4CidrRange, Validator } from "ip-num";

/** A network as its first address (an unsigned 32-bit number) and prefix length. */
export interface Cidr {
  readonly start: number;
  readonly prefix: number;
}

/**
 * What each CIDR text parses to: ip-num's checks work on BigInts and binary strings (about 0.1 ms a
 * CIDR), and the same few texts are checked again and again (each pair of environments, each subnet
 * plan, each property-test run). Both functions are pure; the results are frozen.
 */
const problems = new Map<string, string | undefined>();
const parsed = new Map<string, Cidr>();

function remember<V>(memo: Map<string, V>, text: string, value: V): V {
  if (memo.size >= 10_000) memo.clear(); // a bound for long-running callers; the samples use a few dozen
  memo.set(text, value);
  return value;
}

/** Why `text` is not a usable IPv4 network CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  return problems.has(text) ? problems.get(text) : remember(problems, text, findCidrProblem(text));
}

function findCidrProblem(text: string): string | undefined {
  const [valid] = Validator.isValidIPv4CidrNotation(text);
  if (!valid || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(text)) {
    return `expected an IPv4 CIDR such as 10.0.0.0/16, got "${text}"`;
  }
  const [isNetworkAddress] = Validator.isValidIPv4CidrRange(text);
  if (!isNetworkAddress) {
    const range = IPv4CidrRange.fromCidr(text);
    const aligned = new IPv4CidrRange(range.getFirst(), range.getPrefix());
    return `"${text}" has host bits set; did you mean ${aligned.toCidrString()}?`;
  }
  return undefined;
}

export function parseCidr(text: string): Cidr {
  const known = parsed.get(text);
  if (known) return known;
  const problem = cidrProblem(text);
  if (problem) throw new Error(problem);
  const range = IPv4CidrRange.fromCidr(text);
  return remember(parsed, text, Object.freeze({ start: Number(range.getFirst().getValue()), prefix: Number(range.getPrefix().getValue()) }));
}

export function formatCidr(cidr: Cidr): string {
  return `${IPv4.fromNumber(BigInt(cidr.start)).toString()}/${cidr.prefix}`;
}

export function toStrings(cidrs: Cidr[]): string[] {
  return cidrs.map(formatCidr);
}

export function prefixLength(cidr: Cidr): number {
  return cidr.prefix;
}

export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The last address of the block. */
export function end(cidr: Cidr): number {
  return cidr.start + size(cidr) - 1;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= end(b) && b.start <= end(a);
}

/** True when `inner` lies wholly inside `outer` (or is it). */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.start >= outer.start && end(inner) <= end(outer);
}

export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.start === b.start && a.prefix === b.prefix;
}

export function halves(cidr: Cidr): [Cidr, Cidr] {
  const prefix = cidr.prefix + 1;
  return [
    { start: cidr.start, prefix },
    { start: cidr.start + 2 ** (32 - prefix), prefix },
  ];
}

/**
 * The lowest aligned block of `prefix` length inside `pool` that overlaps none
 * of `taken`, skipping past each clash instead of testing every block.
 */
export function firstFreeBlock(pool: Cidr, prefix: number, taken: Cidr[]): Cidr | undefined {
  if (prefix < pool.prefix) return undefined;
  const step = 2 ** (32 - prefix);
  let start = pool.start;
  while (start + step - 1 <= end(pool)) {
    const candidate = { start, prefix };
    const clash = taken.find((t) => overlaps(t, candidate));
    if (!clash) return candidate;
    start = Math.ceil((end(clash) + 1) / step) * step;
  }
  return undefined;
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
    } else if (!clashing.some((u) => within(block, u)) && block.prefix < smallestPrefix) {
      halves(block).forEach(visit);
    }
  };
  pool.forEach(visit);
  return free;
}
