/**
 * The real Terraform, offline: the AWS provider comes from a filesystem
 * mirror when there is one, credentials are fake, the provider is told not to
 * call AWS, and the backend is swapped for a local one by an override file.
 * Used by the tests and by `npm run review`.
 * Fast: one `terraform init` per stack, no separate `validate` (plan validates), and one provider
 * process per stack that every command reattaches to.
 */
import { execFile, spawn } from "child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "fs";
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
    // Terraform and the provider are Go programs; every command decodes the provider's whole schema, and
    // with Go's default pacing a third of their CPU went to garbage collection. Collect only near 1 GiB
    // of heap per process instead (a command allocates well under that); a caller's own settings win.
    GOGC: process.env.GOGC ?? "off",
    GOMEMLIMIT: process.env.GOMEMLIMIT ?? "1GiB",
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
  /**
   * The diagnostics of `terraform plan`, which validates the configuration first (the errors and
   * warnings `terraform validate` reports, and those of planning); valid when there is no error.
   */
  validate: { valid: boolean; error_count: number; diagnostics: { severity: string; summary: string; detail?: string }[] };
  /** What `terraform plan -json` announced it would do, one `<action> <address>` each, sorted. */
  planned: string[];
  /**
   * The process id of the provider this folder was planned with, when one was started for it: never
   * shared with another folder, whose provider configuration would then race with this one's.
   */
  providerPid?: number;
  /** `terraform show -json` of the saved plan ({} when not asked for, or when the plan failed). */
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

/**
 * One AWS provider process for every terraform command of a folder (TF_REATTACH_PROVIDERS): Terraform
 * otherwise starts the 700 MB provider two or three times per command. Only for a stack with a single
 * provider configuration, since every alias would share the process. Undefined when the provider
 * cannot be started that way: the commands then start their own, as usual.
 */
async function reattachedProvider(binary: string | undefined, env: NodeJS.ProcessEnv): Promise<{ reattach: string; pid: number; stop: () => Promise<void> } | undefined> {
  if (!binary) return undefined;
  const child = spawn(binary, ["-debug"], { env, stdio: ["ignore", "pipe", "pipe"] });
  // SIGINT lets the provider remove its socket; SIGKILL if it has not gone within 5 s.
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGINT");
    });
  const reattach = await new Promise<string | undefined>((resolve) => {
    let output = "";
    const timer = setTimeout(() => resolve(undefined), 60000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /TF_REATTACH_PROVIDERS='([^']+)'/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("error", () => resolve(undefined));
    child.on("exit", () => resolve(undefined));
  });
  if (!reattach) {
    await stop();
    return undefined;
  }
  // Keep reading, so a chatty provider never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return { reattach, pid: child.pid!, stop };
}

/** The AWS provider's executable for this platform in an unpacked mirror or a data dir's providers/. */
function providerBinary(base: string): string | undefined {
  const arch = ({ x64: "amd64", ia32: "386" } as Record<string, string>)[process.arch] ?? process.arch;
  const dir = join(base, AWS_PROVIDER, `${process.platform}_${arch}`);
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => f.startsWith("terraform-provider-aws"))
    .map((f) => join(dir, f))[0];
}

/**
 * What `terraform plan -json` reported: its diagnostics, one JSON message a line. Plan validates, then
 * plans, and a warning found by both walks comes twice: each is kept once, as validate reports it.
 */
function planDiagnostics(messages: any[]): OfflinePlan["validate"]["diagnostics"] {
  const seen = new Set<string>();
  return messages
    .filter((message) => message.type === "diagnostic")
    .filter(({ diagnostic: d }) => !seen.has(JSON.stringify(d)) && Boolean(seen.add(JSON.stringify(d))))
    .map(({ diagnostic: d }) => ({ severity: d.severity, summary: d.summary, ...(d.detail ? { detail: d.detail } : {}) }));
}

/** The `planned_change` messages of `terraform plan -json`, as `<action> <address>`, sorted. */
function plannedChanges(messages: any[]): string[] {
  return messages.filter((message) => message.type === "planned_change").map(({ change }) => `${change.action} ${change.resource.addr}`).sort();
}

/**
 * Plans one stack from several synthesized folders of it (its JSON, its HCL) with one `terraform init`
 * and one provider process per folder: each folder is copied, given the offline override, planned (which
 * validates) and shown, all folders at once. `show: false` skips `terraform show -json` (a command,
 * and a load of the provider's schema, per folder) when what plan announces is enough.
 */
export async function offlinePlans(
  stackDirs: string[],
  providerAliases: (string | undefined)[] = [undefined],
  workDir = mkdtempSync(join(tmpdir(), "tf-offline-")),
  { show = true }: { show?: boolean } = {},
): Promise<OfflinePlan[]> {
  const dirs = stackDirs.map((stackDir, i) => {
    const dir = join(workDir, `config-${i}`);
    cpSync(stackDir, dir, { recursive: true });
    writeFileSync(join(dir, "zz_offline_override.tf.json"), JSON.stringify(offlineOverride({ providerAliases })));
    return dir;
  });
  // The folders differ only in format: they share the providers and backend settings of one init.
  const env = { ...environment(workDir), TF_DATA_DIR: join(workDir, "terraform-data") };
  const single = providerAliases.length === 1;
  // One provider process per folder: the folders are planned at once, and a provider holds the
  // configuration of the last terraform process that configured it, so a shared one would let one
  // folder's provider block stand in for the other's. A start costs about 0.2 s of CPU.
  // Started from the mirror, the provider needs no install: init then takes a twentieth of a second.
  const startProviders = (base: string) => Promise.all(dirs.map(() => reattachedProvider(providerBinary(base), env)));
  let providers = single ? await startProviders(PROVIDER_MIRROR) : [];
  const withProvider = (i: number) => (providers[i] ? { ...env, TF_REATTACH_PROVIDERS: providers[i]!.reattach } : env);
  try {
    await terraform(dirs[0], withProvider(0), ["init", "-input=false", "-no-color"]);
    if (existsSync(join(dirs[0], ".terraform.lock.hcl"))) {
      for (const dir of dirs.slice(1)) cpSync(join(dirs[0], ".terraform.lock.hcl"), join(dir, ".terraform.lock.hcl"));
    }
    // A packed mirror: init has unpacked the provider, which can be started from there.
    if (single && providers.every((p) => !p)) providers = await startProviders(join(env.TF_DATA_DIR, "providers"));
    return await Promise.all(
      dirs.map(async (dir, i): Promise<OfflinePlan> => {
        const planEnv = withProvider(i);
        const providerPid = providers[i]?.pid;
        const args = ["plan", "-json", "-input=false", "-refresh=false", "-lock=false", "-no-color", "-out=offline.plan"];
        const messages = (await terraform(dir, planEnv, args, true))
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line));
        const diagnostics = planDiagnostics(messages);
        const errorCount = diagnostics.filter((d) => d.severity === "error").length;
        const validate = { valid: errorCount === 0, error_count: errorCount, diagnostics };
        const planned = plannedChanges(messages);
        if (!validate.valid || !show) return { validate, planned, providerPid, plan: {} };
        return { validate, planned, providerPid, plan: JSON.parse(await terraform(dir, planEnv, ["show", "-json", "offline.plan"])) };
      }),
    );
  } finally {
    await Promise.all(providers.map((p) => p?.stop()));
  }
}

/** Copies a synthesized stack folder and runs init and plan (which validates) on the copy. */
export async function offlinePlan(
  stackDir: string,
  providerAliases: (string | undefined)[] = [undefined],
  workDir = mkdtempSync(join(tmpdir(), "tf-offline-")),
): Promise<OfflinePlan> {
  return (await offlinePlans([stackDir], providerAliases, workDir))[0];
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
