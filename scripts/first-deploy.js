#!/usr/bin/env node
// `npm run first-deploy -- <environment>`: an environment's first deploy from a laptop, in one command
// (docs/release.md). With admin credentials for the environment's account in the shell:
//   1. synthesizes, and reads the environment's release settings (npm run release-config);
//   2. checks that every secret the task reads has a value: if not, prints the command that writes each
//      one and stops (writing the values is the one step left to you);
//   3. creates the state bucket (the bootstrap stack, then its own state moved into it) if it is missing;
//   4. creates the image repositories and pushes the images the first task definition names (tag
//      `initial`), built from app/ as a release builds them, if they are not there yet;
//   5. deploys the environment (`cdktf deploy`: you approve its plan), and prints its outputs.
// Every step is skipped when already done, so a re-run after a failure goes on where it stopped.
// Commands are run as they are found on PATH (aws, docker, npm, npx, terraform).
"use strict";
const { spawnSync } = require("child_process");
const { existsSync, readFileSync } = require("fs");
const { join } = require("path");

const say = (line) => console.log(`first-deploy: ${line}`);

/** Runs a command with the terminal attached (plans to approve); stops everything when it fails. */
function step(cmd, args, options = {}) {
  say(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args[0]} failed (${r.error ? r.error.message : `exit ${r.status}`}); fix the cause and run first-deploy again: it goes on where it stopped`);
}

/** Asks AWS something: its output, or undefined when the command fails (not found, no access). */
function ask(args) {
  const r = spawnSync("aws", args, { encoding: "utf8" });
  if (r.error) throw new Error(`aws not found (${r.error.message}); expected the AWS CLI v2 on PATH`);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The secrets the task definitions read, from the synthesized stack: [kind, name, arn]. */
function secretsOf(config) {
  const arns = new Set();
  for (const td of Object.values((config.resource || {}).aws_ecs_task_definition || {})) {
    for (const c of JSON.parse(td.container_definitions)) for (const s of c.secrets || []) arns.add(s.valueFrom);
  }
  return [...arns].sort().map((arn) => {
    const ssm = /^arn:aws[\w-]*:ssm:[^:]+:\d+:parameter(\/.*)$/.exec(arn);
    if (ssm) return ["parameter", ssm[1], arn];
    const sm = /^arn:aws[\w-]*:secretsmanager:[^:]+:\d+:secret:(.+)$/.exec(arn);
    return ["secret", sm ? sm[1] : arn, arn];
  });
}

/** Container -> the image tag its first task definition names (`<repository_url>:<tag>`). */
function initialTags(config) {
  const tags = {};
  for (const td of Object.values((config.resource || {}).aws_ecs_task_definition || {})) {
    for (const c of JSON.parse(td.container_definitions)) {
      const m = /^\$\{aws_ecr_repository\.[^}]+\.repository_url\}:([\w][\w.-]*)$/.exec(c.image);
      if (m) tags[c.name] = m[1];
    }
  }
  return tags;
}

function main([environment]) {
  if (!environment || environment.startsWith("-")) {
    console.error("usage: npm run first-deploy -- <environment>");
    return 1;
  }
  step("npm", ["run", "synth"]);
  const folder = join("release", environment);
  step("npm", ["run", "--silent", "release-config", "--", environment, folder]);
  const release = JSON.parse(readFileSync(join(folder, "release.json"), "utf8"));
  const stackFile = join("cdktf.out", "stacks", environment, "cdk.tf.json");
  if (!existsSync(stackFile)) throw new Error(`${stackFile} is missing after the synth; expected the environment's stack`);
  const config = JSON.parse(readFileSync(stackFile, "utf8"));
  const region = ["--region", release.region];

  // 2. The secrets: the one thing only you can write.
  // Metadata only: whether a value exists, never the value.
  const written = ([kind, name]) =>
    kind === "parameter"
      ? ask(["ssm", "describe-parameters", ...region, "--parameter-filters", `Key=Name,Values=${name}`, "--query", "length(Parameters)", "--output", "text"]) === "1"
      : Number(ask(["secretsmanager", "describe-secret", ...region, "--secret-id", name, "--query", "length(keys(VersionIdsToStages || `{}`))", "--output", "text"]) || 0) > 0;
  const missing = secretsOf(config).filter((secret) => !written(secret));
  if (missing.length > 0) {
    console.error(`first-deploy: ${environment}: ${missing.length} secret value${missing.length > 1 ? "s are" : " is"} not written yet; write ${missing.length > 1 ? "them" : "it"}, then run first-deploy again:`);
    for (const [kind, name] of missing) {
      console.error(
        kind === "parameter"
          ? `  aws ssm put-parameter --region ${release.region} --type SecureString --name ${name} --value '<value>'`
          : `  aws secretsmanager create-secret --region ${release.region} --name ${name} --secret-string '<value>'   # or put-secret-value --secret-id ${name}, if it exists`,
      );
    }
    return 1;
  }
  say(`${environment}: every secret the task reads has a value.`);

  // 3. The state bucket, once per account.
  const s3 = config.terraform && config.terraform.backend && config.terraform.backend.s3;
  if (s3 && ask(["s3api", "head-bucket", "--bucket", s3.bucket, "--region", s3.region || release.region]) === undefined) {
    say(`the state bucket ${s3.bucket} does not exist: the bootstrap stack creates it.`);
    step("npx", ["cdktf", "deploy", "bootstrap"]);
    step("npx", ["cdktf", "deploy", "bootstrap", "--migrate-state"], { env: { ...process.env, BOOTSTRAP_STATE: "s3" } });
  } else if (s3) {
    say(`the state bucket ${s3.bucket} exists.`);
  }

  // 4. The images the first task definition runs.
  const tags = initialTags(config);
  const absent = Object.entries(release.repositories).filter(
    ([container, repository]) => tags[container] && ask(["ecr", "describe-images", ...region, "--repository-name", repository, "--image-ids", `imageTag=${tags[container]}`]) === undefined,
  );
  if (absent.length > 0) {
    const dir = join("cdktf.out", "stacks", environment);
    const targets = Object.keys((config.resource || {}).aws_ecr_repository || {}).map((name) => `-target=aws_ecr_repository.${name}`);
    say(`the image repositories come first, so that the service's first tasks find their images.`);
    step("terraform", [`-chdir=${dir}`, "init", "-input=false"]);
    step("terraform", [`-chdir=${dir}`, "apply", ...targets]);
    const password = spawnSync("aws", ["ecr", "get-login-password", ...region], { encoding: "utf8" });
    if (password.status !== 0) throw new Error(`aws ecr get-login-password failed: ${(password.stderr || "").trim()}`);
    say(`$ docker login --username AWS --password-stdin ${release.registry}`);
    const login = spawnSync("docker", ["login", "--username", "AWS", "--password-stdin", release.registry], { input: password.stdout, stdio: ["pipe", "inherit", "inherit"] });
    if (login.status !== 0) throw new Error(`docker login to ${release.registry} failed; expected Docker running`);
    for (const [container, repository] of absent) {
      const build = release.builds[container];
      const image = `${release.registry}/${repository}:${tags[container]}`;
      const args = Object.entries(build.buildArgs || {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
      step("docker", ["build", "--platform", "linux/amd64", ...args, "-f", build.dockerfile, "-t", image, build.context]);
      step("docker", ["push", image]);
    }
  } else {
    say(`the images ${Object.entries(tags).map(([c, t]) => `${c}:${t}`).join(", ")} are in ECR.`);
  }

  // 5. The environment.
  step("npx", ["cdktf", "deploy", environment]);
  step("npx", ["cdktf", "output", environment]);
  say(`${environment} is deployed. Later changes go through the infra and release workflows (docs/release.md).`);
  return 0;
}

module.exports = { secretsOf, initialTags };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`first-deploy: ${e.message}`);
    process.exitCode = 1;
  }
}
