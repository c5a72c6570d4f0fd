/**
 * cdktf.json's app command (scripts/app.js) as the CLI runs it: a bad manifest
 * is one line and exit 1 with nothing written; a stale build is rebuilt, loudly.
 */
import { execFile } from "child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { promisify } from "util";
import { tempDir } from "../support/app";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
const STAMP = join(ROOT, "dist", ".source-hash");
const FIXTURES = join(ROOT, "__tests__", "fixtures", "environments");

async function app(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // The fixtures unless a test says otherwise: the project's own environments/ are the user's.
    const { stdout, stderr } = await run("node", ["scripts/app.js"], { cwd: ROOT, env: { ...process.env, ENVIRONMENTS_DIR: FIXTURES, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Builds once if the build is stale, so the tests below see only their own output.
beforeAll(() => app({ CDKTF_OUTDIR: tempDir() }), 120000);

it("synthesizes every stack into CDKTF_OUTDIR", async () => {
  const outdir = tempDir();
  const result = await app({ CDKTF_OUTDIR: outdir });
  expect(result).toMatchObject({ code: 0, stderr: "" });
  expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["bootstrap", "local", "production", "staging"]);
});

it("stops on a bad manifest with one line, exit status 1 and nothing written", async () => {
  const environments = tempDir();
  writeFileSync(join(environments, "staging.yaml"), "app: shop\nenvironment: staging\nnetwork: {}\n");
  const outdir = join(tempDir(), "out");
  const result = await app({ CDKTF_OUTDIR: outdir, ENVIRONMENTS_DIR: environments });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`${join(environments, "staging.yaml")}: aws: missing; expected object\n`);
  expect(existsSync(outdir)).toBe(false);
});

it("refuses an unknown BOOTSTRAP_STATE with one line, exit status 1 and nothing written", async () => {
  const outdir = join(tempDir(), "out");
  const result = await app({ CDKTF_OUTDIR: outdir, BOOTSTRAP_STATE: "S3 " });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    'BOOTSTRAP_STATE="S3 ": expected "local" (the default: the bootstrap stack\'s state in a local file) or "s3" (in the state bucket, once it exists)\n',
  );
  expect(existsSync(outdir)).toBe(false);
});

it("rebuilds a stale build before synthesizing, and says so", async () => {
  writeFileSync(STAMP, "stale\n");
  const result = await app({ CDKTF_OUTDIR: tempDir() });
  expect(result.code).toBe(0);
  expect(result.stderr).toBe("Sources changed since the last build: running `npm run build`.\n");
  expect((await app({ CDKTF_OUTDIR: tempDir() })).stderr).toBe("");
}, 120000);

it("writes what the TypeScript sources synthesize: the bundle changes nothing", async () => {
  const outdir = tempDir();
  expect((await app({ CDKTF_OUTDIR: outdir })).code).toBe(0);
  const { synthesizeProject } = require("../support/project");
  for (const stack of await synthesizeProject()) {
    const bundled = JSON.parse(readFileSync(join(outdir, "stacks", stack.name, "cdk.tf.json"), "utf8"));
    expect(bundled).toEqual(stack.json);
  }
});

it("fails synth on a policy finding, naming the rule, the resource and the fix, and removes the output", async () => {
  const environments = tempDir();
  const staging = readFileSync(join(FIXTURES, "staging.yaml"), "utf8").replace("\nservice:\n", "\nservice:\n  loadBalancer:\n    deletionProtection: false\n");
  writeFileSync(join(environments, "staging.yaml"), staging);
  const outdir = join(tempDir(), "out");
  const result = await app({ CDKTF_OUTDIR: outdir, ENVIRONMENTS_DIR: environments });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    `${join(environments, "staging.yaml")}: ` +
      "staging: load-balancer-deletion-protection aws_lb.web_load-balancer_load-balancer: deletion protection is off. " +
      "Fix: Keep service.loadBalancer.deletionProtection (the default), or waive this rule for a throwaway environment. " +
      "(or waive load-balancer-deletion-protection in policy.waivers with a reason)\n",
  );
  expect(existsSync(outdir)).toBe(false);
});

// Here rather than beside the report's tests: every test that runs a build script lives in this file,
// so no two of them rebuild dist/ at once.
it("npm run review writes one report per stack, from the JSON when asked not to plan", async () => {
  const folder = tempDir();
  const { stdout } = await run("node", ["scripts/review.js", folder, "--no-plan"], { cwd: ROOT, env: { ...process.env, ENVIRONMENTS_DIR: FIXTURES } });
  expect(readdirSync(folder).sort()).toEqual(["bootstrap.md", "local.md", "production.md", "staging.md"]);
  expect(stdout).toContain("(from the synthesized JSON: --no-plan was given)");
  expect(readFileSync(join(folder, "production.md"), "utf8")).toContain("# Plan review: production");
}, 60000);

it("npm run review falls back to the synthesized JSON, saying why, for a stack it cannot plan offline", async () => {
  const environments = tempDir();
  const staging = readFileSync(join(FIXTURES, "staging.yaml"), "utf8")
    .replace(/\nstate:\n(  .*\n)+/, "\nstate:\n  backend: local\n")
    .replace("\nservice:\n", "\nservice:\n  initialImages: build\n");
  writeFileSync(join(environments, "staging.yaml"), staging);
  const folder = tempDir();
  const { stdout } = await run("node", ["scripts/review.js", folder], { cwd: ROOT, env: { ...process.env, ENVIRONMENTS_DIR: environments } });
  expect(readdirSync(folder)).toEqual(["staging.md"]);
  // Without Terraform the reason is that it is missing; with it, the provider the offline mirror lacks.
  expect(stdout).toMatch(/staging\.md \(from the synthesized JSON: (this stack cannot be planned offline \(it also needs the docker provider, kreuzwerker\/docker\): .+|.*not found.*)\)\n$/);
}, 120000);
