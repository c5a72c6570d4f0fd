/**
 * Every policy rule fires on a configuration that breaks it, and the shipped
 * environments break none (besides what their manifests waive, with reasons).
 */
import { checkPolicies, RULES } from "../../src/policy";
import { merge, r, VIOLATIONS } from "../support/violations";
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

describe("ecs-service-waits-for-forwarding", () => {
  const rule = RULES.find((x) => x.id === "ecs-service-waits-for-forwarding")!;
  const group = r("aws_lb_target_group", "blue", { port: 80 });
  const service = (dependsOn: string[]) =>
    r("aws_ecs_service", "s", { load_balancer: [{ target_group_arn: "${aws_lb_target_group.blue.arn}" }], depends_on: dependsOn });
  const forwardRule = r("aws_lb_listener_rule", "forward", { action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.blue.arn}" }] });
  const otherRule = r("aws_lb_listener_rule", "other", { action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.green.arn}" }] });

  it("passes a service that depends on a rule forwarding to its group", () => {
    expect(rule.check(merge(group, forwardRule, service(["aws_lb_listener_rule.forward"])))).toEqual([]);
  });

  it("fails a service whose depends_on forwards only to another group, naming the group", () => {
    const [finding] = rule.check(merge(group, otherRule, service(["aws_lb_listener_rule.other"])));
    expect(finding.message).toContain("aws_lb_target_group.blue");
  });

  it("accepts a listener whose default action forwards (weighted forward block too)", () => {
    const listener = r("aws_lb_listener", "l", { default_action: [{ type: "forward", forward: { target_group: [{ arn: "${aws_lb_target_group.blue.arn}" }] } }] });
    expect(rule.check(merge(group, listener, service(["aws_lb_listener.l"])))).toEqual([]);
  });
});

describe("the fixture environments (copies of the samples)", () => {
  // One synth serves the tests below (each reads it; the one that breaks a stack breaks a copy).
  let synthesized: ReturnType<typeof synthesizeProject> | undefined;
  const fixtureStacks = () => (synthesized ??= synthesizeProject());

  it("have no findings at all: nothing failed, nothing waived", async () => {
    const stacks = await fixtureStacks();
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

  it("fail ecs-service-waits-for-forwarding when the ordering fix is taken out of a real stack", async () => {
    const staging = (await fixtureStacks()).find((s) => s.name === "staging")!;
    const broken = structuredClone(staging.json);
    for (const service of Object.values<any>(broken.resource.aws_ecs_service)) delete service.depends_on;
    const findings = checkPolicies(broken).failures.filter((f) => f.rule === "ecs-service-waits-for-forwarding");
    // Every load-balanced service of the stack (the web service and each routed one), named with its blue group.
    const loadBalanced = Object.entries<any>(staging.json.resource.aws_ecs_service).filter(([, s]) => s.load_balancer);
    expect(loadBalanced.length).toBeGreaterThanOrEqual(1);
    expect(findings).toEqual(
      loadBalanced.map(([name, s]) =>
        expect.objectContaining({ resource: `aws_ecs_service.${name}`, message: expect.stringContaining(s.load_balancer[0].target_group_arn.replace(/^\$\{(.*)\.arn\}$/, "$1")) }),
      ),
    );
    expect(findings.map((f) => f.resource)).toContain("aws_ecs_service.web_service_service");
  });

  describe("with a routed web service (webServices)", () => {
    const broken = async (edit: (json: any) => void) => {
      const staging = (await fixtureStacks()).find((s) => s.name === "staging")!;
      const json = structuredClone(staging.json);
      edit(json);
      return checkPolicies(json).failures;
    };
    const routed = (json: any) => Object.keys(json.resource.aws_codedeploy_deployment_group).find((g) => !g.startsWith("web_"))!.split("_")[0];

    it("fail listener-rule-priorities-unique when its rule takes the service's priority", async () => {
      const failures = await broken((json) => (json.resource.aws_lb_listener_rule[`${routed(json)}_https-forward`].priority = 100));
      expect(failures).toContainEqual(expect.objectContaining({ rule: "listener-rule-priorities-unique", message: expect.stringMatching(/^priority 100 is also aws_lb_listener_rule\.\S+'s on the same listener/) }));
    });

    it("fail deployment-group-moves-its-own-service when its group names the service's target groups, or nothing forwards to its own", async () => {
      const shared = await broken((json) => {
        const group = json.resource.aws_codedeploy_deployment_group[`${routed(json)}_deployment_deployment-group`];
        group.load_balancer_info.target_group_pair_info.target_group = json.resource.aws_codedeploy_deployment_group["web_deployment_deployment-group"].load_balancer_info.target_group_pair_info.target_group;
      });
      expect(shared.filter((f) => f.rule === "deployment-group-moves-its-own-service").map((f) => f.message)).toEqual(
        expect.arrayContaining([expect.stringMatching(/is also aws_codedeploy_deployment_group\.\S+'s: a release of one would move the other's traffic$/), expect.stringMatching(/do not include aws_lb_target_group\.\S+_blue, where aws_ecs_service\.\S+ starts/)]),
      );
      const unrouted = await broken((json) => {
        for (const id of Object.keys(json.resource.aws_lb_listener_rule)) if (id.startsWith(`${routed(json)}_`)) delete json.resource.aws_lb_listener_rule[id];
      });
      expect(unrouted.filter((f) => f.rule === "deployment-group-moves-its-own-service").map((f) => f.message)).toEqual([
        expect.stringMatching(/^nothing on aws_lb_listener\.web_load-balancer_https forwards to .*_blue or .*_green: the deployment would have no traffic to move$/),
        expect.stringMatching(/^nothing on aws_lb_listener\.web_load-balancer_test forwards to/),
      ]);
    });
  });

  it("accept a load balancer without deletion protection only in a disposable stack", () => {
    const lb = r("aws_lb", "lb", { enable_deletion_protection: false });
    const rule = RULES.find((x) => x.id === "load-balancer-deletion-protection")!;
    const tagged = (tags: object) => ({ ...lb, provider: { aws: [{ default_tags: [{ tags }] }] } });
    expect(rule.check(tagged({ disposable: "true" }))).toEqual([]);
    expect(rule.check(tagged({ team: "platform" }))).toHaveLength(1);
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
