/**
 * HCL synth builds every stack twice: its JSON (the policy rules and the IAM check read it) and its HCL.
 * A stack's HCL is a function of its JSON and the build (which attribute is a block, and of what type, is
 * the provider classes' code), so the HCL that cdktf rendered is remembered beside the build
 * (dist/.hcl-memo/) under a hash of the build's source hash and the stack's JSON: a stack whose JSON this
 * build has seen before skips its second build. The app-command test compares remembered HCL with
 * `cdktf synth --hcl`, and a changed stack with its fresh build.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { digest } from "../iam/cache";

/** What cdktf's TerraformStack.toHclTerraform returns. */
export interface StackHcl {
  hcl: string;
  metadata: unknown;
}

export class HclMemo {
  constructor(
    private readonly dir: string,
    private readonly build: string,
    /** Enough for every stack of a few projects; older entries go. */
    private readonly limit = 400,
  ) {}

  key(config: unknown): string {
    return digest(this.build, JSON.stringify(config));
  }

  get(key: string): StackHcl | undefined {
    const file = join(this.dir, `${key}.json`);
    if (!existsSync(file)) return undefined;
    try {
      const value = JSON.parse(readFileSync(file, "utf8"));
      return typeof value?.hcl === "string" ? value : undefined;
    } catch {
      return undefined; // unreadable: built again
    }
  }

  /** Through a temporary file, so that a parallel synth never reads half an entry. */
  set(key: string, value: StackHcl): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = join(this.dir, `${key}.json`);
      writeFileSync(`${file}.${process.pid}`, JSON.stringify(value));
      renameSync(`${file}.${process.pid}`, file);
      const entries = readdirSync(this.dir);
      if (entries.length > this.limit) {
        const byAge = entries.map((name) => ({ name, time: statSync(join(this.dir, name)).mtimeMs })).sort((a, b) => a.time - b.time);
        byAge.slice(0, entries.length - this.limit / 2).forEach((e) => rmSync(join(this.dir, e.name), { force: true }));
      }
    } catch {
      // A read-only checkout only loses the speed-up.
    }
  }
}
