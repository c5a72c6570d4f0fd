/**
 * The real Terraform, offline: the AWS provider comes from a filesystem
 * mirror when there is one, credentials are fake, the provider is told not to
 * call AWS, and the backend is swapped for a local one by an override file.
 * Used by the tests and by `npm run review`.
 */
import { execFile } from "child_process";
import { cpSync, existsSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";

const run = promisify(execFile);

export const TERRAFORM = process.env.TERRAFORM_BINARY ?? "terraform";
export const PROVIDER_MIRROR = process.env.TF_PROVIDER_MIRROR ?? "/opt/tf-plugins";
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws/5.100.0";

/** Why the Terraform checks cannot run here, or undefined when they can. */
export function terraformUnavailable(): string | undefined {
  if (!onPath(TERRAFORM)) return `terraform not found (${TERRAFORM}; set TERRAFORM_BINARY)`;
  // Unpacked (…/5.100.0/linux_amd64/) or packed by `terraform providers mirror` (…/5.100.0.json).
  if (!existsSync(join(PROVIDER_MIRROR, AWS_PROVIDER)) && !existsSync(join(PROVIDER_MIRROR, `${AWS_PROVIDER}.json`))) {
    return `hashicorp/aws 5.100.0 not found in the provider mirror ${PROVIDER_MIRROR} (set TF_PROVIDER_MIRROR)`;
  }
  return undefined;
}

function environment(workDir: string): NodeJS.ProcessEnv {
  const cliConfig = join(workDir, "offline.tfrc");
  writeFileSync(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = "${PROVIDER_MIRROR}"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`,
  );
  return {
    PATH: process.env.PATH,
    HOME: workDir,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_ACCESS_KEY_ID: "AKIAOFFLINEPLANONLY00",
    AWS_SECRET_ACCESS_KEY: "offline-plan-only",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Merged into every `provider "aws"` block: no call to AWS, no account check (it needs one). */
function offlineOverride(stack: any): object {
  const settings = {
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    allowed_account_ids: null,
  };
  const aliases: (string | undefined)[] = (stack.providerAliases as (string | undefined)[]) ?? [undefined];
  return {
    terraform: { backend: { local: { path: "offline.tfstate" } } },
    provider: { aws: aliases.map((alias) => (alias ? { alias, ...settings } : settings)) },
  };
}

export interface OfflinePlan {
  /** `terraform validate -json` output. */
  validate: { valid: boolean; error_count: number; diagnostics: { severity: string; summary: string }[] };
  /** `terraform show -json` of the saved plan. */
  plan: { resource_changes?: { address: string; type: string; change: { actions: string[]; after: unknown } }[]; output_changes?: Record<string, unknown> };
}

/** Runs terraform; a failure throws with its output, unless `stdoutOnFailure` asks for stdout anyway. */
async function terraform(dir: string, env: NodeJS.ProcessEnv, args: string[], stdoutOnFailure = false): Promise<string> {
  try {
    const { stdout } = await run(TERRAFORM, args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (e: any) {
    if (stdoutOnFailure && e.stdout) return e.stdout;
    throw new Error(`terraform ${args[0]} failed in ${dir}:\n${e.stderr || e.stdout || e.message}`);
  }
}

/** Copies a synthesized stack folder and runs init, validate and plan on the copy (in workDir, or a new temp folder). */
export async function offlinePlan(
  stackDir: string,
  providerAliases: (string | undefined)[] = [undefined],
  workDir = mkdtempSync(join(tmpdir(), "tf-offline-")),
): Promise<OfflinePlan> {
  const dir = workDir;
  cpSync(stackDir, dir, { recursive: true });
  writeFileSync(join(dir, "zz_offline_override.tf.json"), JSON.stringify(offlineOverride({ providerAliases })));
  const env = environment(dir);
  await terraform(dir, env, ["init", "-input=false", "-no-color"]);
  const validate = JSON.parse(await terraform(dir, env, ["validate", "-json", "-no-color"], true));
  if (!validate.valid) return { validate, plan: {} };
  await terraform(dir, env, ["plan", "-input=false", "-refresh=false", "-lock=false", "-no-color", "-out=offline.plan"]);
  const plan = JSON.parse(await terraform(dir, env, ["show", "-json", "offline.plan"]));
  return { validate, plan };
}

/**
 * Formats a folder with `terraform fmt` (which fails on anything that is not
 * valid HCL), then returns what `terraform fmt -check` still lists: [] when the
 * result is canonical.
 */
export async function formatAndCheck(dir: string): Promise<string[]> {
  const env = { PATH: process.env.PATH, HOME: dir, TF_CLI_CONFIG_FILE: "/dev/null" };
  try {
    await run(TERRAFORM, ["fmt", "-no-color", "-list=false"], { cwd: dir, env });
  } catch (e: any) {
    throw new Error(`terraform fmt cannot parse the HCL in ${dir}:\n${e.stderr || e.message}`);
  }
  try {
    await run(TERRAFORM, ["fmt", "-check", "-no-color"], { cwd: dir, env });
    return [];
  } catch (e: any) {
    return String(e.stdout).split("\n").filter(Boolean);
  }
}

function onPath(command: string): boolean {
  if (command.includes("/")) return existsSync(command);
  return (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, command)));
}
