/**
 * `npm run review`: synthesizes every stack, runs the offline plan of each AWS
 * stack where Terraform can, and writes review/<stack>.md. Without Terraform
 * (or the provider mirror) a report comes from the synthesized JSON and says so.
 */
import { App } from "cdktf";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { addStacks } from "../../main";
import { environmentsDir, loadProject, ManifestError } from "../manifest/load";
import { offlinePlan, terraformUnavailable } from "../terraform/offline";
import { ProjectStack } from "../../stacks/project-stack";
import { reviewReport } from "./report";

export async function reviewCli(args: string[]): Promise<number> {
  const folder = args[0] ?? "review";
  let project;
  try {
    project = loadProject(environmentsDir());
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    console.error(e.message);
    return 1;
  }
  const outdir = mkdtempSync(join(tmpdir(), "review-synth-"));
  try {
    const app = addStacks(new App({ outdir, stackTraces: false }), project);
    app.synth();
    const unavailable = args.includes("--no-plan") ? "--no-plan was given" : terraformUnavailable();
    mkdirSync(folder, { recursive: true });
    let failed = false;
    for (const stack of app.node.children.filter((c): c is ProjectStack => c instanceof ProjectStack)) {
      const dir = join(outdir, "stacks", stack.node.id);
      const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const isAws = Boolean(config.provider?.aws);
      let plan;
      let noPlanReason = isAws ? unavailable : "this stack does not use AWS, and only AWS stacks are planned offline";
      if (isAws && !unavailable) {
        try {
          const result = await offlinePlan(dir, (config.provider.aws as { alias?: string }[]).map((p) => p.alias));
          if (result.validate.valid) plan = result.plan;
          else noPlanReason = `terraform validate failed: ${result.validate.diagnostics.map((d) => d.summary).join("; ")}`;
        } catch (e) {
          // Such as a provider the offline mirror lacks (the Docker provider of initialImages: build).
          const others = Object.entries<{ source?: string }>(config.terraform?.required_providers ?? {}).filter(([name]) => name !== "aws");
          const needs = others.length ? ` (it also needs ${others.map(([name, p]) => `the ${name} provider, ${p.source ?? name}`).join(", ")})` : "";
          noPlanReason = `this stack cannot be planned offline${needs}: ${firstLine(e)}`;
        }
      }
      failed ||= stack.policy.failures.length > 0;
      const file = join(folder, `${stack.node.id}.md`);
      writeFileSync(file, reviewReport({ stack: stack.node.id, config, plan, noPlanReason, waived: stack.policy.waived, failures: stack.policy.failures }));
      console.log(`${file}${plan ? "" : ` (from the synthesized JSON: ${noPlanReason})`}`);
    }
    return failed ? 1 : 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((l) => /error/i.test(l)) ?? text.split("\n")[0]).replace(/^[│\s]*(Error: )?/, "").trim();
}
