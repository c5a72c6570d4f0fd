/** Synthesizes the fixture environments (or another folder) the way `cdktf synth` does. */
import { readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { format } from "@cdktf/hcl-tools";
import { addStacks } from "../../main";
import { loadProject, Project } from "../../src/manifest/load";
import { testApp } from "./app";

/** Frozen copies of the sample manifests: what the snapshots and the name-specific tests read. */
export const FIXTURE_ENVIRONMENTS = join(__dirname, "..", "fixtures", "environments");

let fixtures: Project | undefined;
/**
 * The fixture project, loaded once per test file for the tests that only read it (parsing and planning
 * the manifests again on every call was most of some files' time). Frozen, so a test that changed it
 * would fail instead of changing what the next test sees.
 */
export function fixtureProject(): Project {
  return (fixtures ??= deepFreeze(loadProject(FIXTURE_ENVIRONMENTS)));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as any)[key]);
  }
  return value;
}

export interface SynthesizedStack {
  name: string;
  /** The stack's output folder (cdk.tf.json or cdk.tf inside). */
  dir: string;
  json?: any;
  /** HCL as `cdktf synth --hcl` writes it: rendered, then formatted. */
  hcl?: string;
}

export async function synthesizeProject(options: { hcl?: boolean; dir?: string } = {}): Promise<SynthesizedStack[]> {
  const app = testApp({ hclOutput: options.hcl });
  // A stack reads SYNTH_HCL_OUTPUT itself when constructed, ignoring the App's hclOutput.
  const previous = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = String(Boolean(options.hcl));
  try {
    addStacks(app, loadProject(options.dir ?? FIXTURE_ENVIRONMENTS), {});
  } finally {
    if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = previous;
  }
  app.synth();
  const stacksDir = join(app.outdir, "stacks");
  const stacks: SynthesizedStack[] = [];
  for (const name of readdirSync(stacksDir).sort()) {
    const dir = join(stacksDir, name);
    if (options.hcl) {
      const file = join(dir, "cdk.tf");
      const hcl = await format(readFileSync(file, "utf8"));
      writeFileSync(file, hcl);
      stacks.push({ name, dir, hcl });
    } else {
      stacks.push({ name, dir, json: JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) });
    }
  }
  return stacks;
}

/** The stacks the app makes for a folder of manifests: bootstrap when a state bucket is needed, then one per environment, sorted. */
export function expectedStackNames(dir: string = FIXTURE_ENVIRONMENTS): string[] {
  const project = loadProject(dir);
  return [...(project.bootstrap ? ["bootstrap"] : []), ...project.environments.map((e) => e.manifest.environment)].sort();
}

/** The environments of a folder that run on Docker rather than AWS. */
export function dockerEnvironmentNames(dir: string = FIXTURE_ENVIRONMENTS): string[] {
  return loadProject(dir).environments.filter((e) => e.platform === "docker").map((e) => e.manifest.environment);
}
