import { cpuSplit, cpuUnits, fargateSizeProblem, FARGATE_SIZES } from "../../src/plan/fargate";

describe("Fargate sizes", () => {
  it("accept every documented pair, from 0.25 vCPU/512 MiB to 16 vCPU/120 GiB", () => {
    expect(fargateSizeProblem(0.25, 512)).toBeUndefined();
    expect(fargateSizeProblem(0.5, 3072)).toBeUndefined();
    expect(fargateSizeProblem(4, 30720)).toBeUndefined();
    expect(fargateSizeProblem(8, 20480)).toBeUndefined();
    expect(fargateSizeProblem(16, 122880)).toBeUndefined();
    expect([...FARGATE_SIZES.values()].reduce((n, m) => n + m.length, 0)).toBe(3 + 4 + 7 + 13 + 23 + 12 + 12);
  });

  it("refuse an invalid pair, listing the memories valid for that CPU", () => {
    expect(fargateSizeProblem(0.5, 512)).toEqual({
      path: "memory",
      message: "512 MiB is not valid with 0.5 vCPU; expected one of 1024, 2048, 3072, 4096",
    });
    expect(fargateSizeProblem(8, 18432)?.message).toBe(
      "18432 MiB is not valid with 8 vCPU; expected one of 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440",
    );
  });

  it("refuse a CPU that is not a Fargate size", () => {
    expect(fargateSizeProblem(3, 8192)).toEqual({ path: "cpu", message: "3 vCPU is not a Fargate size; expected one of 0.25, 0.5, 1, 2, 4, 8, 16" });
  });
});

describe("CPU split", () => {
  it("is none by default: the containers share the task's CPU", () => {
    expect(cpuSplit(1)).toBeUndefined();
  });

  it("gives nginx its share and Django the rest, in CPU units", () => {
    expect(cpuUnits(0.25)).toBe(256);
    expect(cpuSplit(1, 0.15)).toEqual({ nginx: 153, django: 871 });
    expect(cpuSplit(0.25, 0.15)).toEqual({ nginx: 38, django: 218 });
  });
});
