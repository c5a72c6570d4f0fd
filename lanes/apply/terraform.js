// Terraform against the emulator: a copy of a stack's JSON in a work folder, a local backend instead of
// the stack's own, every AWS endpoint pointed at moto, fake credentials, and the provider from the
// project's mirror. Outputs and debug logs stay in the work folder for a failure's cause.
"use strict";
const { spawn } = require("child_process");
const { existsSync, openSync, readFileSync, writeFileSync, closeSync } = require("fs");
const { join } = require("path");

const MIRROR = process.env.TF_PROVIDER_MIRROR || "/opt/tf-plugins";
const TERRAFORM = process.env.TERRAFORM_BINARY || "terraform";
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws/5.100.0";

/** Why Terraform cannot run here, or undefined. */
function terraformUnavailable() {
  const probe = require("child_process").spawnSync(TERRAFORM, ["version"], { encoding: "utf8" });
  if (probe.error) return `terraform not found (${TERRAFORM}; set TERRAFORM_BINARY)`;
  if (!existsSync(join(MIRROR, AWS_PROVIDER)) && !existsSync(join(MIRROR, `${AWS_PROVIDER}.json`))) {
    return `hashicorp/aws 5.100.0 not found in the provider mirror ${MIRROR} (set TF_PROVIDER_MIRROR)`;
  }
  return undefined;
}

/** Writes the stack's JSON and the emulator override into `dir`. */
function prepare(dir, stackJson) {
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(stackJson, null, 1));
  const settings = {
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    // moto answers with the stack's own account (MOTO_ACCOUNT_ID), so allowed_account_ids is really checked.
    skip_requesting_account_id: false,
    s3_use_path_style: true,
  };
  const aliases = (stackJson.provider?.aws ?? [{}]).map((p) => p.alias);
  writeFileSync(
    join(dir, "lane_override.tf.json"),
    JSON.stringify({
      terraform: { backend: { local: { path: "lane.tfstate" } } },
      provider: { aws: aliases.map((alias) => (alias ? { alias, ...settings } : settings)) },
    }),
  );
  writeFileSync(
    join(dir, "lane.tfrc"),
    `provider_installation {
  filesystem_mirror {
    path    = "${MIRROR}"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
`,
  );
}

/**
 * Runs terraform in `dir` against `endpoint`; resolves to { status, output, seconds }.
 * `debugLog` names a file for TF_LOG=debug (the provider's refused calls are read from it).
 */
function terraform(dir, endpoint, args, { debugLog, name = args[0], onStart } = {}) {
  const start = Date.now();
  const outFile = join(dir, `${name}.log`);
  const out = openSync(outFile, "w");
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    TF_CLI_CONFIG_FILE: join(dir, "lane.tfrc"),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_EC2_METADATA_DISABLED: "true",
    ...(debugLog ? { TF_LOG: "debug", TF_LOG_PATH: join(dir, debugLog) } : {}),
  };
  return new Promise((resolve) => {
    const child = spawn(TERRAFORM, [...args], { cwd: dir, env, stdio: ["ignore", out, out], detached: true });
    child.on("close", (status) => {
      closeSync(out);
      resolve({ status, output: readFileSync(outFile, "utf8"), seconds: (Date.now() - start) / 1000 });
    });
    if (onStart) onStart(child);
  });
}

/** The first error of a failed run, as "address: summary". */
function firstError(output) {
  const text = output.replace(/\u001b\[[0-9;]*m/g, "");
  const error = text.match(/Error: (.+)/);
  const address = text.match(/with ([a-z0-9_]+\.[^,\s]+),/);
  return `${address ? `${address[1]}: ` : ""}${error ? error[1].trim() : text.trim().split("\n").pop()}`;
}

/**
 * Calls the provider made that the emulator refused, other than reads (a read that finds nothing is how
 * the provider checks for existence). A refused create or modify that the apply survived was retried by
 * the provider until something else happened first: an ordering race that a slower AWS loses.
 */
function refusedCalls(debugLogFile) {
  if (!existsSync(debugLogFile)) return [];
  const seen = new Map();
  for (const line of readFileSync(debugLogFile, "utf8").split("\n")) {
    if (!line.includes("request failed with")) continue;
    const method = line.match(/rpc\.method=(\w+)/)?.[1];
    if (!method || /^(Describe|Get|List|Head)/.test(method)) continue;
    const type = line.match(/tf_resource_type=(\w+)/)?.[1] ?? "?";
    const error = line.match(/StatusCode: \d+, RequestID: [^,]+, (?:HostID: [^,]+, )?(.+?)(?:: @|\s+@|\s+aws\.|\s+http\.|\s+rpc\.|\s+tf_|$)/)?.[1] ?? "refused";
    const key = `${type} ${method}`;
    seen.set(key, { type, method, error: error.replace(/[:\s]+$/, ""), count: (seen.get(key)?.count ?? 0) + 1 });
  }
  return [...seen.values()];
}

module.exports = { terraformUnavailable, prepare, terraform, firstError, refusedCalls };
