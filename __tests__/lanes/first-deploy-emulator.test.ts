/**
 * npm run first-deploy's look-ups (secrets, state bucket, images) with the real AWS CLI, against the AWS API
 * emulator the apply lane installs (moto, on loopback); docker, npm, npx and terraform stay stand-ins.
 * Here, not with the unit tests: it starts the emulator and runs the AWS CLI some twenty times.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import { get } from "http";
import { createServer } from "net";
import { join } from "path";
import { describeUnless, tempDir } from "../support/app";
import { firstDeployProject, FIRST_DEPLOY } from "../support/first-deploy";

// The look-ups with the real AWS CLI, against the AWS API emulator the apply lane installs (moto, loopback).
const MOTO = join(__dirname, "..", "..", ".venv", "apply", "bin", "moto_server");
const noEmulator =
  spawnSync("aws", ["--version"]).status !== 0
    ? "the AWS CLI is not on PATH"
    : existsSync(MOTO)
      ? undefined
      : "the apply lane's emulator is not installed yet (.venv/apply: npm run test:apply installs it)";

describeUnless(noEmulator, "npm run first-deploy's look-ups with the AWS CLI, against the AWS API emulator", () => {
  let moto: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let project: string;
  beforeAll(async () => {
    let binWithoutAws: string;
    ({ project, binWithoutAws } = await firstDeployProject());
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    moto = spawn(MOTO, ["-p", String(port), "-H", "127.0.0.1"], { stdio: "ignore", env: { PATH: process.env.PATH, MOTO_ACCOUNT_ID: "111111111111" } });
    env = {
      PATH: `${binWithoutAws}:${process.env.PATH}`,
      HOME: tempDir("home-"),
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const answers = () => new Promise<boolean>((resolve) => get(`${env.AWS_ENDPOINT_URL}/moto-api/`, { agent: false }, (res) => (res.resume(), resolve(true))).on("error", () => resolve(false)));
    for (let i = 0; i < 100 && !(await answers()); i++) await new Promise((r) => setTimeout(r, 200));
  }, 60000);
  afterAll(() => moto?.kill("SIGKILL"));

  /** Writes into the emulator with boto3 from the same venv: one Python start instead of one per AWS CLI call. */
  const boto3 = (code: string) => {
    const r = spawnSync(join(MOTO, "..", "python"), ["-c", `import boto3, json\nclient = lambda s: boto3.client(s, region_name="ap-northeast-2")\n${code}`], { env, encoding: "utf8" });
    expect(r.stderr).toBe("");
  };
  const run = () => {
    const log = join(tempDir("first-deploy-log-"), "calls");
    writeFileSync(log, "");
    const r = spawnSync(process.execPath, [FIRST_DEPLOY, "staging"], { cwd: project, encoding: "utf8", env: { ...env, FAKE_LOG: log } });
    return { ...r, actions: readFileSync(log, "utf8").trim().split("\n") };
  };

  it("finds an empty secret and a missing parameter, then, once everything is there, leaves only the deploy", () => {
    boto3('client("secretsmanager").create_secret(Name="inpock/staging/django-secret-key")');
    const first = run();
    expect(first.status).toBe(1);
    expect(first.stderr).toContain("2 secret values are not written yet");
    expect(first.actions).toEqual(["npm run synth", "npm run --silent release-config -- staging release/staging"]);

    boto3(
      [
        'client("ssm").put_parameter(Type="SecureString", Name="/inpock/staging/database-url", Value="postgres://db/app")',
        'client("secretsmanager").put_secret_value(SecretId="inpock/staging/django-secret-key", SecretString="s3cret")',
        'client("s3").create_bucket(Bucket="inpock-terraform-state-111111111111", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})',
        'manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}, "layers": []})',
        'for name in ["django", "nginx"]:',
        '    client("ecr").create_repository(repositoryName="inpock/staging/" + name)',
        '    client("ecr").put_image(repositoryName="inpock/staging/" + name, imageTag="initial", imageManifest=manifest)',
      ].join("\n"),
    );
    const second = run();
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    expect(second.actions).toEqual(["npm run synth", "npm run --silent release-config -- staging release/staging", "npx cdktf deploy staging", "npx cdktf output staging"]);
  });
});
