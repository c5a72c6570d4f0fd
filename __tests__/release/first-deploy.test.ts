/**
 * The first deploy in one command (scripts/first-deploy.js), as far as this machine allows: no AWS account
 * and no Docker daemon, so aws, docker, npm, npx and terraform are stand-ins on PATH that record each call
 * and answer from a list of what exists. The stack and release settings are the fixture staging's, real.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { spawnSync } from "child_process";
import { join } from "path";
import { loadProject } from "../../src/manifest/load";
import { releaseConfig } from "../../src/release/release-config";
import { tempDir } from "../support/app";
import { FIXTURE_ENVIRONMENTS, synthesizeProject } from "../support/project";

const SCRIPT = join(__dirname, "..", "..", "scripts", "first-deploy.js");

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

let project: string;
let bin: string;
beforeAll(async () => {
  project = tempDir("first-deploy-");
  const staging = (await synthesizeProject()).find((s) => s.name === "staging")!;
  mkdirSync(join(project, "cdktf.out", "stacks", "staging"), { recursive: true });
  writeFileSync(join(project, "cdktf.out", "stacks", "staging", "cdk.tf.json"), JSON.stringify(staging.json));
  const env = loadProject(FIXTURE_ENVIRONMENTS).environments.find((e) => e.manifest.environment === "staging")!;
  mkdirSync(join(project, "release", "staging"), { recursive: true });
  writeFileSync(join(project, "release", "staging", "release.json"), JSON.stringify(releaseConfig((env as any).plan)));
  bin = join(project, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "fake.js"), FAKE);
  for (const cmd of ["aws", "docker", "npm", "npx", "terraform"]) {
    writeFileSync(join(bin, cmd), `#!/bin/sh\nexec "${process.execPath}" "${join(bin, "fake.js")}" ${cmd} "$@"\n`);
    chmodSync(join(bin, cmd), 0o755);
  }
});

function firstDeploy(existing: string[], fail?: string) {
  const log = join(tempDir("first-deploy-log-"), "calls");
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, [SCRIPT, "staging"], {
    cwd: project,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log, FAKE_EXISTING: existing.join(","), ...(fail ? { FAKE_FAIL: fail } : {}) },
  });
  const calls = readFileSync(log, "utf8").trim().split("\n");
  // What changes something, leaving out the look-ups.
  const actions = calls.filter((c) => !/^aws (ssm describe-parameters|secretsmanager describe-secret|s3api head-bucket|ecr describe-images)/.test(c));
  return { ...r, calls, actions };
}

const SECRETS = ["parameter:/inpock/staging/database-url", "secret:inpock/staging/django-secret-key"];
const BUCKET = "bucket:inpock-terraform-state-111111111111";
const IMAGES = ["image:inpock/staging/django:initial", "image:inpock/staging/nginx:initial"];
const REGISTRY = "111111111111.dkr.ecr.ap-northeast-2.amazonaws.com";

describe("npm run first-deploy", () => {
  it("stops before changing anything while a secret has no value, printing the command that writes it", () => {
    const r = firstDeploy([SECRETS[0]]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "first-deploy: staging: 1 secret value is not written yet; write it, then run first-deploy again:",
      "  aws secretsmanager create-secret --region ap-northeast-2 --name inpock/staging/django-secret-key --secret-string '<value>'   # or put-secret-value --secret-id inpock/staging/django-secret-key, if it exists",
    ]);
    expect(r.actions).toEqual(["npm run synth", "npm run --silent release-config -- staging release/staging"]);
  });

  it("in a new account: the state bucket, the repositories, the images, then the environment, in that order", () => {
    const r = firstDeploy(SECRETS);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.actions).toEqual([
      "npm run synth",
      "npm run --silent release-config -- staging release/staging",
      "npx cdktf deploy bootstrap",
      "BOOTSTRAP_STATE=s3 npx cdktf deploy bootstrap --migrate-state",
      "terraform -chdir=cdktf.out/stacks/staging init -input=false",
      "terraform -chdir=cdktf.out/stacks/staging apply -target=aws_ecr_repository.web_repositories_django -target=aws_ecr_repository.web_repositories_nginx",
      "aws ecr get-login-password --region ap-northeast-2",
      `docker login --username AWS --password-stdin ${REGISTRY}`,
      `docker build --platform linux/amd64 -f app/django/Dockerfile -t ${REGISTRY}/inpock/staging/django:initial app/django`,
      `docker push ${REGISTRY}/inpock/staging/django:initial`,
      `docker build --platform linux/amd64 --build-arg NGINX_PORT=80 --build-arg DJANGO_UPSTREAM=127.0.0.1:8000 -f app/nginx/Dockerfile -t ${REGISTRY}/inpock/staging/nginx:initial app`,
      `docker push ${REGISTRY}/inpock/staging/nginx:initial`,
      "npx cdktf deploy staging",
      "npx cdktf output staging",
    ]);
  });

  it("on a re-run, skips what is done: only the environment's deploy is left", () => {
    const r = firstDeploy([...SECRETS, BUCKET, ...IMAGES]);
    expect(r.status).toBe(0);
    expect(r.actions).toEqual(["npm run synth", "npm run --silent release-config -- staging release/staging", "npx cdktf deploy staging", "npx cdktf output staging"]);
    expect(r.stdout).toContain("first-deploy: the images django:initial, nginx:initial are in ECR.");
  });

  it("stops at the first failing step with one line saying to run it again", () => {
    const r = firstDeploy([...SECRETS, BUCKET], "docker push");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("first-deploy: docker push failed (exit 1); fix the cause and run first-deploy again: it goes on where it stopped");
    expect(r.actions).not.toContain("npx cdktf deploy staging");
  });
});
