/**
 * The cdktf app: environments/*.yaml -> manifests -> plans -> one stack per
 * environment, plus the bootstrap stack for the state buckets.
 * A bad manifest stops here with one line on stderr, before anything is written;
 * a policy failure stops with one line per finding, and the output is removed.
 */
// First: before any manifest schema is built (src/zod-jitless.ts says why).
import "./src/zod-jitless";
import { App } from "cdktf";
import { existsSync, readFileSync, rmSync } from "fs";
import { join } from "path";
import { environmentsDir, loadProject, ManifestError, Project } from "./src/manifest/load";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { EnvironmentStack } from "./stacks/environment-stack";
import { LocalStack } from "./stacks/local-stack";
import { ProjectStack } from "./stacks/project-stack";
import { describeFinding } from "./src/policy";
import { checkIam, describeIamFinding } from "./src/iam";
import { FileVerdictCache } from "./src/iam/cache";
import { loadWorkflowCalls } from "./src/iam/workflow-calls";
import { HclMemo } from "./src/terraform/hcl-memo";

/** Set to `s3` once the state bucket exists, to keep the bootstrap stack's own state in it. */
export const BOOTSTRAP_STATE_VARIABLE = "BOOTSTRAP_STATE";
const BOOTSTRAP_STATES = ["local", "s3"];

/** One line when BOOTSTRAP_STATE holds anything but `local` (the default) or `s3`. */
export function environmentProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[BOOTSTRAP_STATE_VARIABLE];
  if (value === undefined || value === "" || BOOTSTRAP_STATES.includes(value)) return undefined;
  return `${BOOTSTRAP_STATE_VARIABLE}=${JSON.stringify(value).slice(0, 40)}: expected "local" (the default: the bootstrap stack's state in a local file) or "s3" (in the state bucket, once it exists)`;
}

/** Adds the bootstrap stack (when a state bucket is needed) and one stack per environment. */
export function addStacks(app: App, project: Project, env: NodeJS.ProcessEnv = process.env): App {
  if (project.bootstrap) {
    new BootstrapStack(app, "bootstrap", { plan: project.bootstrap, stateInBucket: env[BOOTSTRAP_STATE_VARIABLE] === "s3" });
  }
  for (const env of project.environments) {
    if (env.platform === "aws") new EnvironmentStack(app, env.plan.environment, env.plan);
    else new LocalStack(app, env.plan.environment, env.plan);
  }
  return app;
}

/** Loads every manifest, then synthesizes; a manifest error is one line on stderr and exit status 1. */
export async function main(): Promise<void> {
  const problem = environmentProblem();
  if (problem) {
    console.error(problem);
    process.exitCode = 1;
    return;
  }
  let project: Project;
  try {
    project = loadProject(environmentsDir());
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    console.error(e.message);
    process.exitCode = 1;
    return;
  }
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const outdirExisted = existsSync(outdir);
  // new App() creates the output folder: only once every manifest is known to be good.
  const app = addStacks(new App({ stackTraces: false }), project);
  const build = join(__dirname, ".source-hash");
  ProjectStack.hclMemo = app.hclOutput && existsSync(build) ? new HclMemo(join(__dirname, ".hcl-memo"), readFileSync(build, "utf8").trim()) : undefined;
  app.synth();
  const stacks = app.node.children.filter((c): c is ProjectStack => c instanceof ProjectStack);
  // Each finding names the manifest it comes from, so the user knows which file to change.
  const manifestOf = (stack: string) => project.environments.find((e) => e.manifest.environment === stack)?.file;
  const failures = stacks.flatMap((stack) => stack.policy.failures.map((f) => `${manifestOf(stack.node.id) ?? environmentsDir()}: ${describeFinding(stack.node.id, f)}`));
  failures.push(...(await iamFailures(stacks)));
  if (failures.length > 0) {
    failures.forEach((line) => console.error(line));
    discardOutput(app.outdir, stacks, outdirExisted);
    process.exitCode = 1;
  }
}

/**
 * The IAM check over every synthesized stack at once (containment compares stacks of one account); not
 * waivable. Passes are remembered beside the build (dist/.iam-pass) per stack, per pair of stacks and for
 * this build's source hash (src/iam/cache.ts), so a synth simulates only the stacks that changed.
 */
export async function iamFailures(stacks: ProjectStack[]): Promise<string[]> {
  const inputs = stacks.flatMap((s) => (s.synthesized ? [{ name: s.node.id, config: s.synthesized }] : []));
  const build = join(__dirname, ".source-hash");
  const cache = existsSync(build) ? new FileVerdictCache(join(__dirname, ".iam-pass"), readFileSync(build, "utf8").trim()) : undefined;
  const failures = (await checkIam(inputs, loadWorkflowCalls(process.cwd()), cache)).map(describeIamFinding);
  cache?.save();
  return failures;
}

/** A stack that breaks a policy rule is not left behind for `cdktf deploy` to pick up. */
function discardOutput(outdir: string, stacks: ProjectStack[], outdirExisted: boolean): void {
  if (!outdirExisted) {
    rmSync(outdir, { recursive: true, force: true });
    return;
  }
  for (const stack of stacks) rmSync(join(outdir, "stacks", stack.node.id), { recursive: true, force: true });
  rmSync(join(outdir, "manifest.json"), { force: true });
}

if (require.main === module) void main();
