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

async function app(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("node", ["scripts/app.js"], { cwd: ROOT, env: { ...process.env, ...env } });
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
  const staging = readFileSync(join(ROOT, "environments", "staging.yaml"), "utf8").replace("\nservice:\n", "\nservice:\n  loadBalancer:\n    deletionProtection: false\n");
  writeFileSync(join(environments, "staging.yaml"), staging);
  const outdir = join(tempDir(), "out");
  const result = await app({ CDKTF_OUTDIR: outdir, ENVIRONMENTS_DIR: environments });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    "staging: load-balancer-deletion-protection aws_lb.web_load-balancer_load-balancer: deletion protection is off. " +
      "Fix: Keep service.loadBalancer.deletionProtection (the default), or mark a throwaway environment `disposable: true`. " +
      "(or waive load-balancer-deletion-protection in policy.waivers with a reason)\n",
  );
  expect(existsSync(outdir)).toBe(false);
});

// Here rather than beside the report's tests: every test that runs a build script lives in this file,
// so no two of them rebuild dist/ at once.
it("npm run review writes one report per stack, from the JSON when asked not to plan", async () => {
  const folder = tempDir();
  const { stdout } = await run("node", ["scripts/review.js", folder, "--no-plan"], { cwd: ROOT });
  expect(readdirSync(folder).sort()).toEqual(["bootstrap.md", "local.md", "production.md", "staging.md"]);
  expect(stdout).toContain("(from the synthesized JSON: --no-plan was given)");
  expect(readFileSync(join(folder, "production.md"), "utf8")).toContain("# Plan review: production");
}, 60000);
