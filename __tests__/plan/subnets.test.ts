import fc from "fast-check";
import { IPv6 } from "ip-num";
import { formatCidr, freeRanges, overlaps, parseCidr, prefixLength, toStrings, within } from "../../src/plan/cidr";
import { maxBlockPrefix, planSubnets, SubnetPlanError, subnetSizes } from "../../src/plan/subnets";

const ZONES3 = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"];

describe("subnet sizes", () => {
  it("follow the block size and the AZ count", () => {
    expect(subnetSizes(16, 2)).toEqual({ privatePrefix: 18, publicPrefix: 20 });
    expect(subnetSizes(16, 3)).toEqual({ privatePrefix: 19, publicPrefix: 21 });
    expect(subnetSizes(20, 3)).toEqual({ privatePrefix: 23, publicPrefix: 25 });
  });

  it("leave load balancer subnets of at least /27 at the smallest block allowed", () => {
    expect(subnetSizes(maxBlockPrefix(2), 2).publicPrefix).toBe(27);
    expect(subnetSizes(maxBlockPrefix(3), 3).publicPrefix).toBe(27);
  });
});

describe("planSubnets", () => {
  it("carves a new VPC from its lowest addresses, private tier first", () => {
    expect(planSubnets({ pool: ["10.0.0.0/16"], used: [], sizeFrom: "10.0.0.0/16", availabilityZones: ZONES3 })).toEqual([
      { availabilityZone: "ap-northeast-2a", privateCidr: "10.0.0.0/19", publicCidr: "10.0.96.0/21" },
      { availabilityZone: "ap-northeast-2b", privateCidr: "10.0.32.0/19", publicCidr: "10.0.104.0/21" },
      { availabilityZone: "ap-northeast-2c", privateCidr: "10.0.64.0/19", publicCidr: "10.0.112.0/21" },
    ]);
  });

  it("avoids the subnets of an existing VPC (the seed's collision)", () => {
    const used = ["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20", "172.31.48.0/20"];
    const subnets = planSubnets({ pool: ["172.31.0.0/16"], used, sizeFrom: "172.31.0.0/16", availabilityZones: ZONES3 });
    expect(subnets.map((s) => [s.privateCidr, s.publicCidr])).toEqual([
      ["172.31.64.0/19", "172.31.160.0/21"],
      ["172.31.96.0/19", "172.31.168.0/21"],
      ["172.31.128.0/19", "172.31.176.0/21"],
    ]);
  });

  it("keeps planned subnets where they are when an unrelated used range is added", () => {
    const input = { pool: ["172.31.0.0/16"], used: ["172.31.0.0/20"], sizeFrom: "172.31.0.0/16", availabilityZones: ZONES3 };
    const before = planSubnets(input);
    const after = planSubnets({ ...input, used: [...input.used, "172.31.240.0/20"] });
    expect(after).toEqual(before);
  });

  it("fails naming the free ranges when the subnets cannot fit", () => {
    const plan = () =>
      planSubnets({ pool: ["10.0.0.0/20"], used: ["10.0.0.0/21", "10.0.8.0/22"], sizeFrom: "10.0.0.0/20", availabilityZones: ZONES3 });
    expect(plan).toThrow(SubnetPlanError);
    expect(plan).toThrow(
      "cannot fit 3 private /23 and 3 public /25 subnets; free ranges: 10.0.12.0/22; add a secondary CIDR block (network.secondaryCidr)",
    );
  });
});

describe("freeRanges", () => {
  it("is what the pool holds besides the used ranges, as few CIDRs as possible", () => {
    expect(toStrings(freeRanges([parseCidr("10.0.0.0/16")], [parseCidr("10.0.0.0/18"), parseCidr("10.0.128.0/24")]))).toEqual([
      "10.0.64.0/18",
      "10.0.129.0/24",
      "10.0.130.0/23",
      "10.0.132.0/22",
      "10.0.136.0/21",
      "10.0.144.0/20",
      "10.0.160.0/19",
      "10.0.192.0/18",
    ]);
  });
});

/** A random VPC block and a set of non-overlapping used subnets inside it. */
const existingVpc = fc
  .record({
    octet2: fc.integer({ min: 0, max: 255 }),
    vpcPrefix: fc.integer({ min: 16, max: 22 }),
    azCount: fc.integer({ min: 2, max: 3 }),
    usedSlots: fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 40 }),
    usedPrefixBits: fc.integer({ min: 6, max: 8 }),
  })
  .map(({ octet2, vpcPrefix, azCount, usedSlots, usedPrefixBits }) => {
    const vpc = { start: parseCidr(`10.${octet2}.0.0/16`).start, prefix: vpcPrefix };
    const usedPrefix = Math.min(28, vpcPrefix + usedPrefixBits);
    const slotCount = 2 ** (usedPrefix - vpcPrefix);
    const used = usedSlots
      .filter((i) => i < slotCount)
      .map((i) => formatCidr({ start: vpc.start + i * 2 ** (32 - usedPrefix), prefix: usedPrefix }));
    return { vpc: formatCidr(vpc), used, zones: ZONES3.slice(0, azCount) };
  });

describe("planSubnets, over random existing VPCs", () => {
  it("never overlaps a used range or another planned subnet, and stays inside the VPC", () => {
    fc.assert(
      fc.property(existingVpc, ({ vpc, used, zones }) => {
        let subnets;
        try {
          subnets = planSubnets({ pool: [vpc], used, sizeFrom: vpc, availabilityZones: zones });
        } catch (e) {
          if (e instanceof SubnetPlanError) return; // a clear refusal is an allowed answer
          throw e;
        }
        const planned = subnets.flatMap((s) => [s.privateCidr, s.publicCidr]).map(parseCidr);
        expect(planned).toHaveLength(zones.length * 2);
        // Every broken rule of the run, asserted once: an expect() per pair cost a second of the file's time.
        const block = parseCidr(vpc);
        const usedRanges = used.map(parseCidr);
        const broken: string[] = [];
        planned.forEach((a, i) => {
          if (!within(a, block)) broken.push(`${formatCidr(a)} outside ${vpc}`);
          usedRanges.forEach((u) => overlaps(a, u) && broken.push(`${formatCidr(a)} overlaps used ${formatCidr(u)}`));
          planned.slice(i + 1).forEach((b) => overlaps(a, b) && broken.push(`${formatCidr(a)} overlaps ${formatCidr(b)}`));
        });
        expect(broken).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses only when the free space really lacks a block of the private size", () => {
    fc.assert(
      fc.property(existingVpc, ({ vpc, used, zones }) => {
        try {
          planSubnets({ pool: [vpc], used, sizeFrom: vpc, availabilityZones: zones });
        } catch (e) {
          if (!(e instanceof SubnetPlanError)) throw e;
          const { privatePrefix, publicPrefix } = subnetSizes(prefixLength(parseCidr(vpc)), zones.length);
          const free = freeRanges([parseCidr(vpc)], used.map(parseCidr));
          const blocks = (prefix: number) =>
            free.reduce((n, f) => n + (prefixLength(f) <= prefix ? 2 ** (prefix - prefixLength(f)) : 0), 0);
          // Not enough whole private blocks, or not enough room left for the public ones.
          expect(blocks(privatePrefix) < zones.length || blocks(publicPrefix) < zones.length * 5).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("ip-num, patched (patches/README.md)", () => {
  it("still classifies IPv6 addresses by its ranges, now parsed on first use instead of at load", () => {
    const v6 = (address: string) => IPv6.fromString(address);
    expect([v6("fd00::1").isPrivate(), v6("2001:4860::1").isPrivate()]).toEqual([true, false]);
    expect([v6("2001:db8::1").isDocumentation(), v6("3fff::1").isDocumentation(), v6("2001:4860::1").isDocumentation()]).toEqual([true, true, false]);
    expect([v6("ff02::1").isMulticast(), v6("::").isUnspecified(), v6("::1").isLoopback()]).toEqual([true, true, true]);
    expect([v6("fe80::1").isLinkLocal(), v6("100::1").isDiscardOnly(), v6("2001:4860::1").isGlobalUnicast()]).toEqual([true, true, true]);
    // Read twice: the second read gets the same, kept value.
    expect([v6("fd00::2").isPrivate(), v6("::2").isLoopback()]).toEqual([true, false]);
  });
});
