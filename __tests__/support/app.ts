/**
 * Test apps whose output folders are removed after each test file
 * (cdktf's Testing.app() leaves one temp folder per call behind).
 */
import { App, Testing } from "cdktf";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

export function tempDir(prefix = "fargate-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

export function testApp(options: { hclOutput?: boolean } = {}): App {
  return new App({ outdir: tempDir("cdktf-out-"), stackTraces: false, hclOutput: options.hclOutput ?? false });
}

/** A stack's Terraform JSON as an object. */
export function synthJson(stack: import("cdktf").TerraformStack): any {
  return JSON.parse(Testing.synth(stack));
}

/** Every resource of one type in a synthesized stack, by logical id. */
export function resourcesOf(json: any, type: string): Record<string, any> {
  return json.resource?.[type] ?? {};
}

/** `describe` when `unavailable` is undefined, else `describe.skip` after one line saying why. */
export function describeUnless(unavailable: string | undefined, name: string, fn: () => void): void {
  if (unavailable) {
    process.stderr.write(`SKIPPED ${name}: ${unavailable}\n`);
    describe.skip(name, fn);
  } else {
    describe(name, fn);
  }
}
