/**
 * The first deploy in one command (scripts/first-deploy.js), as far as this machine allows: no AWS account
 * and no Docker daemon, so aws, docker, npm, npx and terraform are stand-ins on PATH that record each call
 * and answer from a list of what exists. The stack and release settings are the fixture staging's, real.
 */
import { spawnSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { tempDir } from "../support/app";
import { firstDeployProject, FIRST_DEPLOY } from "../support/first-deploy";

let project: string;
let bin: string;
beforeAll(async () => {
  ({ project, bin } = await firstDeployProject());
});

function firstDeploy(existing: string[], fail?: string) {
  const log = join(tempDir("first-deploy-log-"), "calls");
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, [FIRST_DEPLOY, "staging"], {
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

