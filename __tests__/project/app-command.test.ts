/**
 * cdktf.json's app command (scripts/app.js) as the CLI runs it: a bad manifest
 * is one line and exit 1 with nothing written; a stale build is rebuilt, loudly.
 */
import { execFile } from "child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { join, relative } from "path";
import { promisify } from "util";
import { describeUnless, tempDir } from "../support/app";
import { expectedStackNames } from "../support/project";
import { terraformUnavailable } from "../support/terraform";

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
  expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(expectedStackNames(FIXTURES));
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

it("rebuilds a stale build before synthesizing, and says so on stdout (the cdktf CLI shows stderr as [ERROR])", async () => {
  writeFileSync(STAMP, "stale\n");
  const result = await app({ CDKTF_OUTDIR: tempDir() });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe("Sources changed since the last build: running `npm run build`.\n");
  expect(result.stderr).toBe("");
  expect((await app({ CDKTF_OUTDIR: tempDir() })).stdout).toBe("");
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
      "Fix: Keep service.loadBalancer.deletionProtection (the default), or mark a throwaway environment `disposable: true`. " +
      "(or waive load-balancer-deletion-protection in policy.waivers with a reason)\n",
  );
  expect(existsSync(outdir)).toBe(false);
});

// Here rather than beside the report's tests: every test that runs a build script lives in this file,
// so no two of them rebuild dist/ at once.
it("npm run review writes one report per stack, from the JSON when asked not to plan", async () => {
  const folder = tempDir();
  const { stdout } = await run("node", ["scripts/review.js", folder, "--no-plan"], { cwd: ROOT, env: { ...process.env, ENVIRONMENTS_DIR: FIXTURES } });
  expect(readdirSync(folder).sort()).toEqual(expectedStackNames(FIXTURES).map((name) => `${name}.md`));
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

/** Every file under a folder, by relative path, with its content. */
function tree(dir: string, top = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, tree(path, top));
    else out[relative(top, path)] = readFileSync(path, "utf8");
  }
  return out;
}

/** An output folder that already holds the folder of a stack no environment makes any more. */
function outputWithStaleStack(): string {
  const outdir = join(tempDir(), "out");
  mkdirSync(join(outdir, "stacks", "removed-env"), { recursive: true });
  writeFileSync(join(outdir, "stacks", "removed-env", "cdk.tf.json"), "{}");
  return outdir;
}

const CLI_ENV = { ...process.env, CHECKPOINT_DISABLE: "1", CI: "true", ENVIRONMENTS_DIR: FIXTURES };

const HCL_MEMO = join(ROOT, "dist", ".hcl-memo");

/**
 * `cdktf synth` itself, then `npm run synth`'s script, into two folders; both trees, file by file. For HCL,
 * the CLI's output is formatted by `terraform fmt` and the script formats its own (`--fmt`, as
 * `npm run synth:hcl` does). The CLI's run renders every stack's HCL (no remembered HCL); when `cached`, the
 * script's run takes the HCL remembered by that run (dist/.hcl-memo) and its formatted files from the
 * cache, otherwise it renders and formats everything itself.
 */
async function bothSynths(args: string[], { cached = false } = {}): Promise<{ cli: Record<string, string>; direct: Record<string, string> }> {
  const cliOut = outputWithStaleStack();
  const directOut = outputWithStaleStack();
  const hcl = args.includes("--hcl");
  const env = { ...CLI_ENV, TF_CLI_CONFIG_FILE: "/dev/null" };
  if (hcl) rmSync(HCL_MEMO, { recursive: true, force: true });
  await run(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", ...args, "--output", cliOut], { cwd: ROOT, env: CLI_ENV });
  if (hcl && !cached) for (const dir of [HCL_MEMO, join(ROOT, "dist", ".hcl-fmt")]) rmSync(dir, { recursive: true, force: true });
  const remembered = hcl && cached ? memoEntries() : undefined;
  if (remembered) expect(remembered).toHaveLength(expectedStackNames(FIXTURES).length);
  const direct = await run("node", ["scripts/synth.js", ...args, ...(hcl ? ["--fmt"] : []), "--output", directOut], { cwd: ROOT, env });
  expect(direct.stdout).toBe("Generated Terraform code for the stacks: bootstrap, local, production, staging\n");
  // Nothing rendered again: every stack's HCL came from the memo.
  if (remembered) expect(memoEntries()).toEqual(remembered);
  if (hcl) await run("terraform", ["fmt", "-recursive", cliOut], { env: { PATH: process.env.PATH, TF_CLI_CONFIG_FILE: "/dev/null" } });
  return { cli: tree(cliOut), direct: tree(directOut) };
}

/** The memo's entries with their times: an entry is written only when a stack's HCL is rendered. */
function memoEntries(): string[] {
  return existsSync(HCL_MEMO) ? readdirSync(HCL_MEMO).map((f) => `${f} ${statSync(join(HCL_MEMO, f)).mtimeMs}`).sort() : [];
}

describe("npm run synth writes exactly what cdktf synth writes", () => {
  it("JSON: every file, manifest.json included, and the stale stack folder removed", async () => {
    const { cli, direct } = await bothSynths([]);
    expect(Object.keys(cli)).toContain("manifest.json");
    expect(Object.keys(cli)).toContain(join("stacks", "staging", "cdk.tf.json"));
    expect(Object.keys(cli).some((f) => f.includes("removed-env"))).toBe(false);
    expect(Object.keys(direct)).toEqual(Object.keys(cli));
    for (const file of Object.keys(cli)) expect([file, direct[file]]).toEqual([file, cli[file]]);
  }, 120000);

  describeUnless(terraformUnavailable(), "HCL, formatted by terraform fmt as npm run synth:hcl does", () => {
    it("every file, manifest.json and metadata included; formatted by terraform fmt, then from the cache of formatted files", async () => {
      for (const cached of [false, true]) {
        const { cli, direct } = await bothSynths(["--hcl"], { cached });
        expect(Object.keys(cli)).toContain(join("stacks", "staging", "cdk.tf"));
        expect(Object.keys(direct)).toEqual(Object.keys(cli));
        for (const file of Object.keys(cli)) expect([cached, file, direct[file]]).toEqual([cached, file, cli[file]]);
      }
    }, 180000);

    it("renders a stack again when its JSON changed, and only that one", async () => {
      const synthHcl = async (environments: string, outdir: string) => {
        await run("node", ["scripts/synth.js", "--hcl", "--fmt", "--output", outdir], { cwd: ROOT, env: { ...CLI_ENV, ENVIRONMENTS_DIR: environments } });
        return tree(outdir);
      };
      const before = await synthHcl(FIXTURES, tempDir());
      const environments = tempDir();
      for (const name of readdirSync(FIXTURES)) writeFileSync(join(environments, name), readFileSync(join(FIXTURES, name), "utf8"));
      const staging = readFileSync(join(FIXTURES, "staging.yaml"), "utf8");
      writeFileSync(join(environments, "staging.yaml"), staging.replace("    retentionDays: 30\n", "    retentionDays: 60\n"));
      const remembered = memoEntries();
      const changed = await synthHcl(environments, tempDir());
      const rendered = memoEntries().filter((e) => !remembered.includes(e));
      rmSync(HCL_MEMO, { recursive: true, force: true });
      const fresh = await synthHcl(environments, tempDir());
      const file = join("stacks", "staging", "cdk.tf");
      expect(changed).toEqual(fresh);
      expect(changed[file]).not.toEqual(before[file]);
      expect(rendered).toHaveLength(1);
    }, 120000);
  });

  it("fails on an error annotation, as the CLI does, naming the construct", async () => {
    // An error annotation is what cdktf's own validations add (a construct's validate()); the direct
    // script must not pass over one that the CLI would stop on.
    const outdir = tempDir();
    const script = `
      process.argv = [process.argv[0], "synth.js", "--output", ${JSON.stringify(outdir)}];
      const build = require("./scripts/build");
      const real = build.fromBuild;
      build.fromBuild = (name) => {
        const app = real(name);
        return { main: () => {
          app.main();
          const manifest = JSON.parse(require("fs").readFileSync(${JSON.stringify(join(outdir, "manifest.json"))}, "utf8"));
          manifest.stacks.staging.annotations.push({ constructPath: "staging/web", level: "@cdktf/error", message: "broken on purpose" });
          require("fs").writeFileSync(${JSON.stringify(join(outdir, "manifest.json"))}, JSON.stringify(manifest));
        } };
      };
      require("./scripts/synth.js");`;
    const result = await run("node", ["-e", script], { cwd: ROOT, env: CLI_ENV }).then(
      (r) => ({ code: 0, ...r }),
      (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("ERROR [staging/web]: broken on purpose\n");
    expect(result.stderr).toBe("synth: 1 error annotation(s), above\n");
  }, 60000);
});

describe("the V8 code cache", () => {
  const caches = () =>
    readdirSync(join(ROOT, "dist"))
      .filter((f) => f.startsWith("main.js.") && f.endsWith(".v8-cache"))
      .sort()
      .map((f) => `${f} ${statSync(join(ROOT, "dist", f)).mtimeMs}`);

  it("is kept per set of V8 flags: switching between cdktf's NODE_OPTIONS and direct runs rewrites nothing", async () => {
    const direct = { CDKTF_OUTDIR: tempDir() };
    const viaCli = { CDKTF_OUTDIR: tempDir(), NODE_OPTIONS: "--max-old-space-size=4096" };
    // Node's own flags (here --enable-source-maps) leave the cache valid: the same file serves them.
    const nodeFlagOnly = { CDKTF_OUTDIR: tempDir(), NODE_OPTIONS: "--enable-source-maps" };
    for (const env of [direct, viaCli]) expect((await app(env)).code).toBe(0);
    const written = caches();
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const env of [direct, viaCli, nodeFlagOnly, direct]) expect((await app(env)).code).toBe(0);
    expect(caches()).toEqual(written);
  }, 60000);

  it("is keyed by V8's flags only, in any spelling", () => {
    const { v8Flags } = require("../../scripts/build");
    const known = { "max-old-space-size": false, "expose-gc": true, "stack-size": false };
    expect(v8Flags(["-r", "./x.js", "--max_old_space_size", "4096", "--enable-source-maps", "--expose-gc", "--stack-size=900"], known)).toEqual([
      "--expose-gc",
      "--max-old-space-size=4096",
      "--stack-size=900",
    ]);
    expect(v8Flags(["--max-old-space-size=4096"], known)).toEqual(v8Flags(["--max_old_space_size", "4096"], known));
  });
});
