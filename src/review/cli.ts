/**
 * `npm run review`: synthesizes every stack, plans each AWS stack — against its real state when there are
 * AWS credentials, else (or when that fails, or with --empty-state) offline from empty state — and writes
 * review/<stack>.md saying which. Without Terraform (or the provider mirror) a report comes from the
 * synthesized JSON and says so.
 */
import { App } from "cdktf";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { addStacks } from "../../main";
import { environmentsDir, loadProject, ManifestError, Project } from "../manifest/load";
import { offlinePlan, terraformUnavailable } from "../terraform/offline";
import { ProjectStack } from "../../stacks/project-stack";
import { awsCredentials, PlanJson, realStatePlan } from "./real-state";
import { reviewReport } from "./report";

/** What the review runs; the tests swap in their own so that they never call AWS. */
export interface ReviewDeps {
  credentials: () => string | undefined;
  realPlan: (stackDir: string) => Promise<PlanJson>;
  offlinePlan: typeof offlinePlan;
  terraformUnavailable: () => string | undefined;
  /** synthesize() unless given: tests that review one project several times synthesize it once. */
  synthesize?: (project: Project) => Synthesized;
}

const DEPS: ReviewDeps = { credentials: awsCredentials, realPlan: realStatePlan, offlinePlan, terraformUnavailable };

/** Every stack of a project, synthesized into `outdir`; `done()` removes the folder. */
export interface Synthesized {
  outdir: string;
  stacks: ProjectStack[];
  done: () => void;
}

export function synthesize(project: Project): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "review-synth-"));
  const done = () => rmSync(outdir, { recursive: true, force: true });
  try {
    const app = addStacks(new App({ outdir, stackTraces: false }), project);
    app.synth();
    return { outdir, stacks: app.node.children.filter((c): c is ProjectStack => c instanceof ProjectStack), done };
  } catch (e) {
    done();
    throw e;
  }
}

const EMPTY = "From the offline `terraform plan` of the synthesized stack, from empty state";

/** Which state to plan against: the real one when there are credentials and `--empty-state` was not given. */
export function stateChoice(args: string[], credentials: string | undefined): { real: true; credentials: string } | { real: false; why: string } {
  if (args.includes("--empty-state")) return { real: false, why: "--empty-state was given" };
  if (!credentials) return { real: false, why: "no AWS credentials were found (environment variables, ~/.aws/credentials, ~/.aws/config; an instance profile is not looked for)" };
  return { real: true, credentials };
}

/** `[folder] [--stack <name> [--plan-json <file>]] [--no-plan] [--empty-state]`. */
function options(args: string[]): { folder: string; stack?: string; planJson?: string } {
  const valued = ["--stack", "--plan-json"];
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const folder = args.find((a, i) => !a.startsWith("--") && !valued.includes(args[i - 1]));
  return { folder: folder ?? "review", stack: value("--stack"), planJson: value("--plan-json") };
}

export async function reviewCli(args: string[], deps: ReviewDeps = DEPS): Promise<number> {
  const { folder, stack: only, planJson } = options(args);
  if (planJson && !only) {
    console.error("--plan-json needs --stack <name>: the stack the saved plan is of");
    return 1;
  }
  const choice = stateChoice(args, deps.credentials());
  let project;
  try {
    project = loadProject(environmentsDir());
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    console.error(e.message);
    return 1;
  }
  const { outdir, stacks, done } = (deps.synthesize ?? synthesize)(project);
  try {
    const unavailable = args.includes("--no-plan") ? "--no-plan was given" : deps.terraformUnavailable();
    mkdirSync(folder, { recursive: true });
    let failed = false;
    if (only && !stacks.some((st) => st.node.id === only)) {
      console.error(`--stack ${only}: no such stack; expected one of: ${stacks.map((st) => st.node.id).join(", ")}`);
      return 1;
    }
    for (const stack of stacks.filter((st) => !only || st.node.id === only)) {
      const dir = join(outdir, "stacks", stack.node.id);
      const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const isAws = Boolean(config.provider?.aws);
      let plan;
      let noPlanReason = isAws ? unavailable : "this stack does not use AWS, and only AWS stacks are planned offline";
      let realFailure: string | undefined;
      let against = "empty state";
      let planSource = choice.real ? "" : `${EMPTY}, because ${choice.why} (fake credentials; nothing was read from AWS): every resource shows as created.`;
      if (planJson) {
        // The infra workflow's saved plan, made against the real state: the report of what the apply job applies.
        plan = JSON.parse(readFileSync(planJson, "utf8"));
        planSource = `From the saved plan ${planJson} (\`terraform plan\` against the real state): exactly what the apply job applies once approved.`;
        against = "the saved plan";
      } else if (isAws && choice.real && !args.includes("--no-plan")) {
        try {
          plan = await deps.realPlan(dir);
          planSource = `From \`terraform plan\` against the real state, with ${choice.credentials} (no lock taken): each action is what an apply would do now.`;
          against = "real state";
        } catch (e) {
          realFailure = `the plan against the real state failed (${firstLine(e)}, with ${choice.credentials})`;
          planSource = `${EMPTY}, because ${realFailure}; this plan used fake credentials: every resource shows as created.`;
        }
      }
      if (isAws && !plan && !unavailable) {
        try {
          const result = await deps.offlinePlan(dir, (config.provider.aws as { alias?: string }[]).map((p) => p.alias));
          if (result.validate.valid) plan = result.plan;
          else noPlanReason = `terraform validate failed: ${result.validate.diagnostics.map((d) => d.summary).join("; ")}`;
        } catch (e) {
          // Such as a provider the offline mirror lacks (the Docker provider of initialImages: build).
          const others = Object.entries<{ source?: string }>(config.terraform?.required_providers ?? {}).filter(([name]) => name !== "aws");
          const needs = others.length ? ` (it also needs ${others.map(([name, p]) => `the ${name} provider, ${p.source ?? name}`).join(", ")})` : "";
          noPlanReason = `this stack cannot be planned offline${needs}: ${firstLine(e)}`;
        }
      }
      if (!plan && realFailure) noPlanReason = `${realFailure}, and no offline plan either: ${noPlanReason}`;
      failed ||= stack.policy.failures.length > 0;
      const file = join(folder, `${stack.node.id}.md`);
      writeFileSync(file, reviewReport({ stack: stack.node.id, config, plan, noPlanReason, planSource, waived: stack.policy.waived, failures: stack.policy.failures }));
      console.log(`${file}${plan ? ` (${against})` : ` (from the synthesized JSON: ${noPlanReason})`}`);
    }
    return failed ? 1 : 0;
  } finally {
    done();
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((l) => /error/i.test(l)) ?? text.split("\n")[0]).replace(/^[│\s]*(Error: )?/, "").trim();
}
