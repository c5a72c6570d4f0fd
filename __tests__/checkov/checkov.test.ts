/**
 * checkov, as the checkov lane runs it (pinned, in .venv/checkov): where one of our policy rules says it
 * mirrors a checkov check, both fire on the same violating configuration; and the lane fails on a finding
 * no waiver covers, naming the stack, the check and the resource. Skips in one line without checkov.
 */
import { spawnSync } from "child_process";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { RULES } from "../../src/policy";
import { describeUnless, tempDir } from "../support/app";
import { synthesizeProject } from "../support/project";
import { VIOLATIONS } from "../support/violations";

const ROOT = join(__dirname, "..", "..");
const { ensureVenv } = require("../../lanes/support/python-venv");
const venv: { bin?: string; unavailable?: string } = ensureVenv("checkov", join(ROOT, "lanes", "checkov", "requirements.txt"));
const OFFLINE_ENV = { ...process.env, BC_SKIP_MAPPING: "TRUE" };

/** The same configuration as a Terraform plan's JSON, for checkov's plan checks (which parse policy documents). */
function asPlan(config: any): object {
  const resources = Object.entries<any>(config.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries<any>(byName).map(([name, values]) => ({ address: `${type}.${name}`, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", schema_version: 0, values })),
  );
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: { resources } },
    resource_changes: resources.map((r) => ({ address: r.address, mode: "managed", type: r.type, name: r.name, provider_name: r.provider_name, change: { actions: ["create"], before: null, after: r.values, after_unknown: {} } })),
    configuration: { root_module: { resources: resources.map((r) => ({ address: r.address, mode: "managed", type: r.type, name: r.name, provider_config_key: "aws", expressions: {} })) } },
  };
}

describeUnless(venv.unavailable && `checkov is not installed (${venv.unavailable})`, "checkov", () => {
  it("fires, with each of our rules, on the rule's violating configuration: every checkov check the rule says it mirrors", () => {
    const dir = tempDir("checkov-mirrors-");
    const mirrored = RULES.map((rule) => ({ rule, ids: rule.mirrors.filter((m) => m.startsWith("checkov ")).map((m) => m.slice("checkov ".length)) })).filter((m) => m.ids.length > 0);
    expect(mirrored.length).toBeGreaterThanOrEqual(25);
    for (const { rule } of mirrored) {
      const [config] = VIOLATIONS[rule.id];
      expect(rule.check(config).length).toBeGreaterThan(0); // ours fires
      writeFileSync(join(dir, `${rule.id}.tf.json`), JSON.stringify({ provider: { aws: [{ region: "us-east-1" }] }, ...config }));
      writeFileSync(join(dir, `${rule.id}.plan.json`), JSON.stringify(asPlan(config)));
    }
    const r = spawnSync(join(venv.bin!, "checkov"), ["-d", dir, "--framework", "terraform_json", "terraform_plan", "--skip-download", "--compact", "--quiet", "-o", "json"], {
      encoding: "utf8",
      env: OFFLINE_ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    const reports = [JSON.parse(r.stdout)].flat();
    const fired = new Set(reports.flatMap((x: any) => (x.results?.failed_checks ?? []).map((f: any) => `${f.file_abs_path.split("/").pop().replace(/\.(tf|plan)\.json$/, "")} ${f.check_id}`)));
    const silent = mirrored.flatMap(({ rule, ids }) => ids.filter((id) => !fired.has(`${rule.id} ${id}`)).map((id) => `${rule.id} says it mirrors ${id}, which does not fire on its violating configuration`));
    expect(silent).toEqual([]);
  });

  describe("the lane", () => {
    let outdir: string;
    let bootstrap: any;
    beforeAll(async () => {
      bootstrap = (await synthesizeProject()).find((s) => s.name === "bootstrap")!.json;
      outdir = tempDir("checkov-lane-out-");
    });
    /** Runs the lane over a cdktf.out holding only `json` as the bootstrap stack (no terraform: JSON only, faster). */
    const lane = (json: any) => {
      mkdirSync(join(outdir, "stacks", "bootstrap"), { recursive: true });
      writeFileSync(join(outdir, "stacks", "bootstrap", "cdk.tf.json"), JSON.stringify(json));
      const result = spawnSync(process.execPath, [join(ROOT, "lanes", "checkov", "run.js")], { encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir, TERRAFORM_BINARY: "/nonexistent/terraform" } });
      // The lane loads the build; when another test file has just made it stale, the rebuild says so first.
      return { ...result, stdout: result.stdout.replace(/^(Sources changed since the last build|No build yet): running `npm run build`\.\n/m, "") };
    };

    it("passes a stack whose findings its manifest waives, saying what it checked", () => {
      const r = lane(bootstrap);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toMatch(/^checkov lane passed: bootstrap, synthesized JSON; plan JSON skipped: .+, no unwaived finding$/);
    });

    it("fails on a finding once its waiver is gone, naming the stack, the check, the resource and the way out", () => {
      const unwaived = JSON.parse(JSON.stringify(bootstrap));
      unwaived["//"].waivers = unwaived["//"].waivers.filter((w: any) => w.rule !== "CKV_AWS_18");
      const r = lane(unwaived);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(/^bootstrap: CKV_AWS_18 aws_s3_bucket\.state-[a-z0-9-]+_bucket: Ensure the S3 bucket has access logging enabled \(synthesized JSON; fix it, or waive CKV_AWS_18 in policy\.waivers with a reason\)$/),
      ]);
    });
  });
});

// The lane's requirements file pins checkov exactly.
it("the checkov lane pins its checkov version", () => {
  expect(readFileSync(join(ROOT, "lanes", "checkov", "requirements.txt"), "utf8")).toMatch(/^checkov==\d+\.\d+\.\d+$/m);
});
