/**
 * The IAM check's passing verdicts, remembered beside the build (dist/.iam-pass) so that a synth simulates
 * only what changed: one verdict per stack (its content, the workflows' AWS calls), per pair of stacks
 * that containment compares (both contents) and for the OIDC provider rule (every stack). Every key
 * hashes the build's source hash in, so a change to the check or a dependency runs everything again.
 * Only passes are remembered: a part with findings runs, and reports, on every synth.
 */
import { createHash } from "crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "fs";

export interface VerdictCache {
  /** The key of a verdict computed from `parts`, for this build. */
  key(...parts: string[]): string;
  has(key: string): boolean;
  add(key: string): void;
}

/** 128 bits of SHA-256 over the parts, separated so that ("ab", "c") and ("a", "bc") differ. */
export function digest(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex").slice(0, 32);
}

/**
 * One key per line, oldest first. It keeps the `limit` most recently used keys, enough for every stack
 * and pair of a few projects of 64 environments; a lost or unreadable file only means simulating again.
 */
export class FileVerdictCache implements VerdictCache {
  private readonly keys: Set<string>;
  private readonly used = new Set<string>();
  private added = false;

  constructor(
    private readonly file: string,
    private readonly build: string,
    private readonly limit = 50_000,
  ) {
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    this.keys = new Set(text.split("\n").filter((line) => /^[0-9a-f]{32}$/.test(line)));
  }

  key(...parts: string[]): string {
    return digest(this.build, ...parts);
  }

  has(key: string): boolean {
    const hit = this.keys.has(key);
    if (hit) this.used.add(key);
    return hit;
  }

  add(key: string): void {
    this.used.add(key);
    this.added = true;
  }

  /** Writes the file when a verdict was added (through a temporary file: a parallel synth never reads half of it). */
  save(): void {
    if (!this.added) return;
    const kept = [...[...this.keys].filter((k) => !this.used.has(k)), ...this.used].slice(-this.limit);
    const temporary = `${this.file}.${process.pid}`;
    writeFileSync(temporary, kept.join("\n") + "\n");
    renameSync(temporary, this.file);
  }
}

/** Verdicts for one process only: the tests share it between checks of mostly unchanged stacks. */
export class MemoryVerdictCache implements VerdictCache {
  private readonly keys = new Set<string>();
  key(...parts: string[]): string {
    return digest(...parts);
  }
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.add(key);
  }
}
