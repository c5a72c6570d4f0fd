/**
 * Stand-ins for scripts/first-deploy.js's tests: no AWS account and no Docker daemon here, so aws, docker,
 * npm, npx and terraform record each call and answer from a list of what exists (FAKE_EXISTING), failing
 * the command FAKE_FAIL names.
 */
import { chmodSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { loadProject } from "../../src/manifest/load";
import { releaseConfig } from "../../src/release/release-config";
import { tempDir } from "./app";
import { FIXTURE_ENVIRONMENTS, synthesizeProject } from "./project";

export const FIRST_DEPLOY = join(__dirname, "..", "..", "scripts", "first-deploy.js");

// Records `<command> <args>` (and BOOTSTRAP_STATE when set); answers from FAKE_EXISTING; fails FAKE_FAIL.
const FAKE = `
const [cmd, ...args] = process.argv.slice(2);
const line = [cmd, ...args].join(" ");
require("fs").appendFileSync(process.env.FAKE_LOG, (process.env.BOOTSTRAP_STATE ? "BOOTSTRAP_STATE=" + process.env.BOOTSTRAP_STATE + " " : "") + line + "\\n");
const exists = (what) => (process.env.FAKE_EXISTING || "").split(",").includes(what);
const arg = (name) => args[args.indexOf(name) + 1];
if (process.env.FAKE_FAIL && line.startsWith(process.env.FAKE_FAIL)) process.exit(1);
if (cmd !== "aws") process.exit(0);
const [service, op] = args;
if (service === "ssm") { console.log(exists("parameter:" + arg("--parameter-filters").replace("Key=Name,Values=", "")) ? "1" : "0"); process.exit(0); }
if (service === "secretsmanager") process.exit(exists("secret:" + arg("--secret-id")) ? (console.log("1"), 0) : 254);
if (service === "s3api") process.exit(exists("bucket:" + arg("--bucket")) ? 0 : 254);
if (service === "ecr" && op === "describe-images") process.exit(exists("image:" + arg("--repository-name") + ":" + arg("--image-ids").replace("imageTag=", "")) ? 0 : 254);
if (service === "ecr" && op === "get-login-password") { console.log("token"); process.exit(0); }
process.exit(2);
`;

/**
 * A project folder holding the fixture staging's synthesized stack and release settings, and two folders of
 * stand-ins to put first on PATH: `bin` (aws, docker, npm, npx, terraform) and `binWithoutAws` (the same but
 * aws, for the real AWS CLI).
 */
export async function firstDeployProject(): Promise<{ project: string; bin: string; binWithoutAws: string }> {
  const project = tempDir("first-deploy-");
  const staging = (await synthesizeProject()).find((s) => s.name === "staging")!;
  mkdirSync(join(project, "cdktf.out", "stacks", "staging"), { recursive: true });
  writeFileSync(join(project, "cdktf.out", "stacks", "staging", "cdk.tf.json"), JSON.stringify(staging.json));
  const env = loadProject(FIXTURE_ENVIRONMENTS).environments.find((e) => e.manifest.environment === "staging")!;
  mkdirSync(join(project, "release", "staging"), { recursive: true });
  writeFileSync(join(project, "release", "staging", "release.json"), JSON.stringify(releaseConfig((env as any).plan)));
  const bin = join(project, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "fake.js"), FAKE);
  const binWithoutAws = join(project, "bin-without-aws");
  mkdirSync(binWithoutAws);
  for (const cmd of ["aws", "docker", "npm", "npx", "terraform"]) {
    for (const dir of cmd === "aws" ? [bin] : [bin, binWithoutAws]) {
      writeFileSync(join(dir, cmd), `#!/bin/sh\nexec "${process.execPath}" "${join(bin, "fake.js")}" ${cmd} "$@"\n`);
      chmodSync(join(dir, cmd), 0o755);
    }
  }
  return { project, bin, binWithoutAws };
}
