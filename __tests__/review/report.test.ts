/** The review report of the sample stacks, built from their synthesized JSON (the offline plan test adds the plan). */
import { checkPolicies } from "../../src/policy";
import { architectureDiagram } from "../../src/review/diagram";
import { reviewReport } from "../../src/review/report";
import { fixtureProject, synthesizeProject, SynthesizedStack } from "../support/project";

let stacks: SynthesizedStack[];
beforeAll(async () => {
  stacks = await synthesizeProject();
});

function report(name: string): string {
  const env = fixtureProject().environments.find((e) => e.manifest.environment === name);
  const waivers = env?.platform === "aws" ? env.plan.waivers : [];
  const config = stacks.find((s) => s.name === name)!.json;
  const { waived, failures } = checkPolicies(config, waivers);
  return reviewReport({ stack: name, config, noPlanReason: "test", waived, failures });
}

describe("the review report", () => {
  it("matches the snapshot for production", () => {
    expect(report("production")).toMatchSnapshot();
  });

  it("says when it comes from the JSON alone, and why", () => {
    expect(report("production")).toContain("From the synthesized Terraform JSON only: test.");
  });

  it("lists what the internet can reach: 80 and 443 from anywhere, the test port from the office only", () => {
    const text = report("production");
    expect(text).toContain("| tcp/443 | 0.0.0.0/0 (anywhere) | aws_lb.web_load-balancer_load-balancer | HTTPS from the internet | create |");
    expect(text).toContain("| tcp/80 | 0.0.0.0/0 (anywhere) | aws_lb.web_load-balancer_load-balancer |");
    expect(text).toContain("| tcp/8443 | 203.0.113.0/24 | aws_lb.web_load-balancer_load-balancer | CodeDeploy test traffic | create |");
    expect(report("staging")).toContain("| tcp/443 | ::/0 (anywhere) |");
    expect(text).toContain("- `web_load-balancer_load-balancer` (create): **internet-facing**, with public IPs; listeners:\n  - `web_load-balancer_http`: HTTP 80, default action redirect (create)");
    expect(text).toContain("No task, subnet or instance gets a public IP. 3 Elastic IPs on NAT gateways: outbound only");
    expect(text).toContain("- `inpock-production-alb-logs-111111111111`: public access blocked (all four settings).");
  });

  it("lists the checkov checks the manifest waives, with the resources and the reason", () => {
    const text = report("production");
    expect(text).toContain("## Waived checkov checks");
    expect(text).toMatch(/\| `CKV_AWS_158` \| every resource \| CloudWatch Logs encrypts every log group at rest/);
    expect(text).toMatch(/\| `CKV_AWS_290` \| `aws_iam_policy\.boundary_policy` \| The permissions boundary is a ceiling/);
  });

  it("says what each IAM role may do and who may assume it", () => {
    const text = report("production");
    expect(text).toContain("| inpock-production-ecs-task | ecs-tasks.amazonaws.com | nothing; within the stack's permissions boundary |");
    expect(text).toMatch(
      /\| inpock-production-github-deploy \| .*\(repo:inpock\/link-server:environment:production:job_workflow_ref:inpock\/link-server\/\.github\/workflows\/infra\.yml@refs\/heads\/main\) \| \*\*PowerUserAccess\*\*, `iam:GetRole`.*; denied: NotTheGithubRoles, KeepEveryBoundary, NotTheBoundaryPolicy, NothingOfAnotherEnvironment/,
    );
  });

  it("counts the egress IPs and gives the deployment strategy and rollback window", () => {
    const text = report("production");
    expect(text).toContain("3 Elastic IPs on 3 NAT gateways");
    expect(text).toContain("`CodeDeployDefault.ECSCanary10Percent5Minutes`");
    expect(text).toContain("Rollback window: the old task set runs 5 minutes after traffic moves.");
    expect(report("staging")).toContain("Rollback window: the old task set runs 3 minutes after traffic moves.");
  });

  it("lists every waived rule with the manifest's reason", () => {
    const config = stacks.find((s) => s.name === "staging")!.json;
    const lb = Object.values<any>(config.resource.aws_lb)[0];
    const modified = { ...config, resource: { ...config.resource, aws_lb: { lb: { ...lb, enable_deletion_protection: false } } } };
    const { waived } = checkPolicies(modified, [{ rule: "load-balancer-deletion-protection", reason: "staging is rebuilt every week" }]);
    const text = reviewReport({ stack: "staging", config: modified, waived });
    expect(text).toContain("| `load-balancer-deletion-protection` | `aws_lb.lb` | staging is rebuilt every week |");
    expect(report("staging")).toContain("None: every policy rule passes.");
  });

  it("draws the traffic path from the security group rules", () => {
    const diagram = architectureDiagram(stacks.find((s) => s.name === "production")!.json);
    const id = (label: string) => diagram.match(new RegExp(`(n\\d+)\\["${label}`))![1];
    const [internet, lb, service, redis] = [id("Internet"), id("Load balancer"), id("ECS service inpock-production-web"), id("existing sg-")];
    expect(diagram).toContain(`${internet} -->|443| ${lb}`);
    expect(diagram).toContain(`${lb} -->|80| ${service}`);
    expect(diagram).toContain(`${service} -->|6379| ${redis}`);
    expect(diagram).toContain(`${service} -.-> ${id("Target group inpock-production-blue")}`);
    // Workers reach Redis through rules of their own, and nothing reaches them.
    const worker = id("ECS service inpock-production-worker-celery");
    expect(diagram).toContain(`${worker} -->|6379| ${redis}`);
    expect(diagram).not.toMatch(new RegExp(`--> ${worker}\b`));
  });

  it("labels each listener rule's edge with what it routes, so services sharing the load balancer tell apart", () => {
    let routed = 0;
    for (const { json } of stacks) {
      const diagram = architectureDiagram(json);
      for (const rule of Object.values<any>(json.resource?.aws_lb_listener_rule ?? {})) {
        const group = json.resource.aws_lb_target_group[rule.action[0].target_group_arn.match(/aws_lb_target_group\.([^.]+)\./)[1]];
        const paths = rule.condition.flatMap((c: any) => c.path_pattern?.values ?? []);
        const label = (paths.length ? paths : rule.condition.flatMap((c: any) => c.host_header?.values ?? [])).join(" ");
        const id = (text: string) => diagram.match(new RegExp(`(n\\d+)\\["${text.replace(/[.*]/g, "\\$&")}`))![1];
        expect(diagram).toContain(`${id("Load balancer")} -.->|"${label}"| ${id(`Target group ${group.name}"`)}`);
        if (paths.length) routed++;
      }
    }
    // The samples route a path to a service of its own (webServices); without one this test proves less.
    expect(routed).toBeGreaterThan(0);
  });
});

describe("the review report's changes and IAM scopes", () => {
  const config = () => stacks.find((s) => s.name === "production")!.json;
  const planned = (changes: [string, string[]][]) =>
    reviewReport({ stack: "production", config: config(), waived: [], plan: { resource_changes: changes.map(([address, actions]) => ({ address, type: address.split(".")[0], change: { actions } })) } });

  it("lists each resource address with its action, replacements and deletions in bold, no-ops left out", () => {
    const text = planned([
      ["aws_lb.web", ["no-op"]],
      ["aws_ecs_service.web", ["update"]],
      ["aws_lb_target_group.blue", ["delete", "create"]],
      ["aws_route53_record.old", ["delete"]],
      ["aws_sns_topic.alarms", ["create"]],
    ]);
    expect(text).toContain("1 to update, 1 to replace, 1 to delete, 1 to create.");
    expect(text).toContain("| `aws_ecs_service.web` | update |");
    expect(text).toContain("| `aws_lb_target_group.blue` | **replace** |");
    expect(text).toContain("| `aws_route53_record.old` | **delete** |");
    expect(text).not.toContain("aws_lb.web`");
  });

  it("says what this plan makes reachable from the internet: a new rule from anywhere is new, the rest unchanged", () => {
    const text = planned([
      ["aws_vpc_security_group_ingress_rule.web_load-balancer_https-0", ["create"]],
      ["aws_lb_listener.web_load-balancer_test", ["update"]],
    ]);
    expect(text).toMatch(/\| tcp\/443 \| 0\.0\.0\.0\/0 \(anywhere\) \| [^|]+ \| HTTPS from the internet \| \*\*new\*\* \|/);
    expect(text).toMatch(/\| tcp\/80 \| 0\.0\.0\.0\/0 \(anywhere\) \| [^|]+ \| [^|]+ \| unchanged \|/);
    expect(text).toContain("`web_load-balancer_test`: HTTPS 8443 (ELBSecurityPolicy-TLS13-1-2-2021-06), default action fixed-response (update)");
  });

  it("names every way in the stack does not have: public tasks, an open group, an open rule, a public bucket", () => {
    const open = JSON.parse(JSON.stringify(config()));
    const [service] = Object.values<any>(open.resource.aws_ecs_service);
    service.network_configuration.assign_public_ip = true;
    open.resource.aws_security_group.ssh = { name: "ssh", ingress: [{ protocol: "tcp", from_port: 22, to_port: 22, ipv6_cidr_blocks: ["::/0"], description: "ssh" }] };
    open.resource.aws_security_group_rule = { rdp: { type: "ingress", protocol: "tcp", from_port: 3389, to_port: 3389, cidr_blocks: ["0.0.0.0/0"], security_group_id: "sg-0123" } };
    open.resource.aws_s3_bucket.site = { bucket: "site" };
    open.resource.aws_s3_bucket_policy.site = { bucket: "${aws_s3_bucket.site.id}", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }) };
    const [lb] = Object.values<any>(open.resource.aws_lb);
    lb.internal = true;
    const text = reviewReport({ stack: "production", config: open, waived: [] });
    expect(text).toMatch(/Public IPs: task of `aws_ecs_service\.[^`]+` \(create\)\./);
    expect(text).toContain("| tcp/22 | ::/0 (anywhere) | aws_security_group.ssh | ssh | create |");
    expect(text).toContain("| tcp/3389 | 0.0.0.0/0 (anywhere) | sg-0123 |  | create |");
    expect(text).toContain("- `site` (create): **public**: `s3:GetObject` to anyone (`site`, create).");
    expect(text).toContain("(create): internal, reachable only from inside the VPC;");
  });

  it("shows every inline IAM statement with its actions, resources and conditions", () => {
    const text = report("production");
    expect(text).toContain("### Inline policies");
    expect(text).toMatch(/\| `[^`]*execution[^`]*` \| Allow \| `secretsmanager:GetSecretValue` \| `arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock\/production\/django-secret-key[^`]*` \|/);
  });
});
