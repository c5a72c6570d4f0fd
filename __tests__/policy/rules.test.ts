/**
 * Every policy rule fires on a configuration that breaks it, and the shipped
 * environments break none (besides what their manifests waive, with reasons).
 */
import { checkPolicies, RULES } from "../../src/policy";
import { VIOLATIONS } from "../support/violations";
import { synthesizeProject } from "../support/project";

describe("policy rules", () => {
  it("there are at least 30, each with a fix, and every one is tested below", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(VIOLATIONS).sort()).toEqual(RULES.map((rule) => rule.id).sort());
    for (const rule of RULES) expect(rule.fix.length).toBeGreaterThan(10);
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
  });

  it("most name the checkov or trivy check they mirror", () => {
    const mirrored = RULES.filter((rule) => rule.mirrors.length > 0);
    expect(mirrored.length).toBeGreaterThanOrEqual(30);
    for (const rule of mirrored) for (const m of rule.mirrors) expect(m).toMatch(/^(checkov CKV2?_AWS_\d+|trivy AVD-AWS-\d{4})$/);
  });

  it.each(RULES.map((rule) => rule.id))("%s fires on a configuration that breaks it", (id) => {
    const [config, resource] = VIOLATIONS[id];
    const rule = RULES.find((x) => x.id === id)!;
    const findings = rule.check(config);
    expect(findings.map((f) => [f.rule, f.resource])).toContainEqual([id, resource]);
    expect(findings.every((f) => f.message.length > 0)).toBe(true);
  });

  it("a waiver turns a failure into a waived finding that keeps its reason", () => {
    const [config] = VIOLATIONS["load-balancer-access-logs"];
    const result = checkPolicies(config, [{ rule: "load-balancer-access-logs", reason: "no log bucket yet" }]);
    expect(result.failures.filter((f) => f.rule === "load-balancer-access-logs")).toEqual([]);
    expect(result.waived).toContainEqual(expect.objectContaining({ rule: "load-balancer-access-logs", reason: "no log bucket yet" }));
  });
});

describe("the fixture environments (copies of the samples)", () => {
  it("have no findings at all: nothing failed, nothing waived", async () => {
    const stacks = await synthesizeProject();
    const { loadProject } = require("../../src/manifest/load");
    const project = loadProject(require("../support/project").FIXTURE_ENVIRONMENTS);
    const waiversOf = (name: string) => project.environments.find((e: any) => e.manifest.environment === name)?.plan.waivers ?? [];
    const summary = Object.fromEntries(
      stacks.map((s) => {
        const result = checkPolicies(s.json, waiversOf(s.name));
        return [s.name, { failures: result.failures, waived: result.waived.map((w) => w.rule).sort() }];
      }),
    );
    expect(summary).toEqual({
      bootstrap: { failures: [], waived: [] },
      local: { failures: [], waived: [] },
      production: { failures: [], waived: [] },
      staging: { failures: [], waived: [] },
    });
  });
});

describe("your environments (whatever environments/ or ENVIRONMENTS_DIR holds)", () => {
  it("break no policy rule: every finding is fixed or waived with a reason", async () => {
    const { environmentsDir } = require("../../src/manifest/load");
    const stacks = await synthesizeProject({ dir: environmentsDir() });
    expect(stacks.length).toBeGreaterThan(0);
    const { loadProject } = require("../../src/manifest/load");
    const project = loadProject(environmentsDir());
    const waiversOf = (name: string) => project.environments.find((e: any) => e.manifest.environment === name)?.plan.waivers ?? [];
    const failures = stacks.flatMap((s) => checkPolicies(s.json, waiversOf(s.name)).failures.map((f) => `${s.name}: ${f.rule} ${f.resource}`));
    expect(failures).toEqual([]);
  });
});

describe("optional features", () => {
  it("ECS Exec breaks no policy rule (encrypted sessions, an encrypted session log, a rotated key)", async () => {
    const { cpSync, readFileSync, writeFileSync } = require("fs");
    const { join } = require("path");
    const { tempDir } = require("../support/app");
    const { FIXTURE_ENVIRONMENTS } = require("../support/project");
    const dir = tempDir("exec-");
    cpSync(FIXTURE_ENVIRONMENTS, dir, { recursive: true });
    const staging = join(dir, "staging.yaml");
    writeFileSync(staging, readFileSync(staging, "utf8").replace("\nservice:\n", "\nservice:\n  exec:\n    enabled: true\n"));
    const stack = (await synthesizeProject({ dir })).find((s) => s.name === "staging")!;
    expect(stack.json.resource.aws_kms_key).toBeDefined();
    expect(checkPolicies(stack.json, []).failures).toEqual([]);
  });
});
