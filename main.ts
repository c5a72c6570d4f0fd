/**
 * The cdktf app: environments/*.yaml -> manifests -> plans -> one stack per
 * environment, plus the bootstrap stack for the state buckets.
 * A bad manifest stops here with one line on stderr, before anything is written.
 */
import { App } from "cdktf";
import { environmentsDir, loadProject, ManifestError, Project } from "./src/manifest/load";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { EnvironmentStack } from "./stacks/environment-stack";
import { LocalStack } from "./stacks/local-stack";

/** Set to `s3` once the state bucket exists, to keep the bootstrap stack's own state in it. */
export const BOOTSTRAP_STATE_VARIABLE = "BOOTSTRAP_STATE";

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
export function main(): void {
  let project: Project;
  try {
    project = loadProject(environmentsDir());
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    console.error(e.message);
    process.exitCode = 1;
    return;
  }
  // new App() creates the output folder: only once every manifest is known to be good.
  addStacks(new App(), project).synth();
}

if (require.main === module) main();
