/**
 * `npm run review` against the real state: whether AWS credentials are there (decided without a network
 * call: the environment variables and the shared files the AWS SDKs read), and the plan of one synthesized
 * stack with its real backend and credentials (`terraform init`, `terraform plan -lock=false`, `terraform
 * show -json`). Without credentials, or when the real plan fails, the review plans from empty state instead
 * and says which it did.
 */
import { execFile } from "child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { basename, join, resolve } from "path";
import { promisify } from "util";
import { TERRAFORM } from "../terraform/offline";

/** Where the credentials come from, for the report; undefined when there are none to be seen. */
export function awsCredentials(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return `access key ${env.AWS_ACCESS_KEY_ID.slice(0, 4)}… in the environment`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return `web identity for ${env.AWS_ROLE_ARN}`;
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return "the container's credentials endpoint";
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || "default";
  const files = [env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), env.AWS_CONFIG_FILE || join(home, ".aws", "config")];
  for (const file of files) {
    if (!existsSync(file)) continue;
    // ~/.aws/credentials names sections [name]; ~/.aws/config names them [profile name], but [default].
    const sections = [...readFileSync(file, "utf8").matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map((m) => m[1]);
    if (sections.includes(profile)) return `profile ${profile} (${file})`;
  }
  // An EC2 instance profile is only found by asking the metadata service: that is a network call.
  return undefined;
}

export type PlanJson = { resource_changes?: { address: string; type: string; change: { actions: string[] } }[] };

/**
 * A local backend's state, where `cdktf deploy` keeps it: its path is relative to cdktf.out/stacks/<stack>
 * of the project, not to the review's temporary synth. Undefined for any other backend.
 */
export function localStatePath(config: any, stack: string, projectRoot: string = process.cwd()): string | undefined {
  const path = config?.terraform?.backend?.local?.path;
  return typeof path === "string" ? resolve(projectRoot, "cdktf.out", "stacks", stack, path) : undefined;
}

/** The stack's plan against its real state, with the credentials of the environment. Throws with one line. */
export async function realStatePlan(stackDir: string): Promise<PlanJson> {
  const local = localStatePath(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")), basename(stackDir));
  if (local && !existsSync(local)) throw new Error(`no state at ${local}: this stack was not deployed from here`);
  const dir = mkdtempSync(join(tmpdir(), "review-real-"));
  const run = promisify(execFile);
  const env = { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
  const tf = async (...args: string[]) => {
    try {
      return (await run(TERRAFORM, args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 })).stdout;
    } catch (e: any) {
      const text = String(e.stderr || e.stdout || e.message);
      const line = text.split("\n").find((l) => /error/i.test(l)) ?? text.split("\n")[0];
      throw new Error(`terraform ${args[0]}: ${line.replace(/^[│\s]*(Error: )?/, "").trim()}`);
    }
  };
  try {
    cpSync(stackDir, dir, { recursive: true });
    if (local) writeFileSync(join(dir, "zz_review_override.tf.json"), JSON.stringify({ terraform: { backend: { local: { path: local } } } }));
    await tf("init", "-input=false", "-no-color");
    // A review never takes the state lock: it must not hold up an apply.
    await tf("plan", "-input=false", "-lock=false", "-no-color", "-out=review.plan");
    return JSON.parse(await tf("show", "-json", "review.plan"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
