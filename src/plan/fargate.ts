/**
 * Fargate task sizes: the CPU and memory pairs AWS accepts, and an optional
 * split of the task's CPU between nginx and Django. Pure.
 */

/** vCPU -> the memory sizes (MiB) Fargate accepts with it. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, steps(1024, 4096, 1024)],
  [1, steps(2048, 8192, 1024)],
  [2, steps(4096, 16384, 1024)],
  [4, steps(8192, 30720, 1024)],
  [8, steps(16384, 61440, 4096)],
  [16, steps(32768, 122880, 8192)],
]);

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let m = from; m <= to; m += step) out.push(m);
  return out;
}

/** Why a CPU/memory pair is not a Fargate size, or undefined when it is one. */
export function fargateSizeProblem(vcpu: number, memory: number): { path: "cpu" | "memory"; message: string } | undefined {
  const memories = FARGATE_SIZES.get(vcpu);
  if (!memories) {
    return { path: "cpu", message: `${vcpu} vCPU is not a Fargate size; expected one of ${[...FARGATE_SIZES.keys()].join(", ")}` };
  }
  if (!memories.includes(memory)) {
    return {
      path: "memory",
      message: `${memory} MiB is not valid with ${vcpu} vCPU; expected one of ${memories.join(", ")}`,
    };
  }
  return undefined;
}

/** CPU units (1 vCPU = 1024) of the task. */
export function cpuUnits(vcpu: number): number {
  return Math.round(vcpu * 1024);
}

/**
 * Container CPU units when the task's CPU is split: nginx gets its share
 * (rounded down, at least 1 unit for ECS to accept it), Django the rest.
 * Undefined split: no container-level CPU, so both share the task's CPU.
 */
export function cpuSplit(vcpu: number, nginxShare?: number): { nginx: number; django: number } | undefined {
  if (nginxShare === undefined) return undefined;
  const total = cpuUnits(vcpu);
  const nginx = Math.max(1, Math.floor(total * nginxShare));
  return { nginx, django: total - nginx };
}
