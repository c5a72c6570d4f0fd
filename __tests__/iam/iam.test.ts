/**
 * The IAM check over every synthesized stack (found by discovery): the sample environments pass, and each
 * defect that motivated it, put back into the synthesized JSON, fails with a message naming the principal,
 * the action, the resource and the statement.
 */
import { checkIam, describeIamFinding, StackInput } from "../../src/iam";
import { MemoryVerdictCache } from "../../src/iam/cache";
import { needsOf } from "../../src/iam/needs";
import { principalsOf } from "../../src/iam/principals";
import { stackContext } from "../../src/iam/resolve";
import { synthesizeProject } from "../support/project";

let stacks: { name: string; config: any }[];
beforeAll(async () => {
  stacks = (await synthesizeProject()).map((s) => ({ name: s.name, config: s.json }));
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
/** Stacks that have a resource of `type`, found by discovery. */
const withResource = (type: string) => stacks.filter((s) => Object.keys(s.config.resource?.[type] ?? {}).length > 0);
/** Every stack, with `edit` applied to a copy of one of them. */
const mutated = (name: string, edit: (config: any) => void): StackInput[] =>
  stacks.map((s) => (s.name === name ? { name, config: (() => { const c = clone(s.config); edit(c); return c; })() } : s));
/**
 * The check's lines. Passes are shared between the tests (src/iam/cache.ts), so a test simulates only the
 * stack it changed and the pairs it is in: a pass remembered wrongly would hide the defect and fail the test.
 */
const verdicts = new MemoryVerdictCache();
const lines = async (input: StackInput[]) => (await checkIam(input, [], verdicts)).map(describeIamFinding);

/** The inline policy `address` of a config, parsed, edited and written back. */
function editPolicy(config: any, address: string, edit: (doc: any) => void): void {
  const [type, name] = address.split(".");
  const doc = JSON.parse(config.resource[type][name].policy);
  edit(doc);
  config.resource[type][name].policy = JSON.stringify(doc);
}
const statement = (doc: any, sid: string) => doc.Statement.find((s: any) => s.Sid === sid);
/** The address of the role named `<prefix>-<suffix>` in a config. */
const roleNamed = (config: any, suffix: string) => Object.entries(config.resource.aws_iam_role).find(([, r]: any) => r.name.endsWith(suffix))![0];

describe("the IAM check over every synthesized stack", () => {
  it("finds nothing in the sample environments", async () => {
    expect(await lines(stacks)).toEqual([]);
  });

  it("checks what each task's execution role needs: secrets with their random suffix, parameters, both ECR pulls, its log streams", async () => {
    for (const s of withResource("aws_ecs_task_definition")) {
      const ctx = stackContext(s.name, s.config)!;
      const needs = needsOf(ctx, await principalsOf(ctx)).needs;
      const of = (action: string) => needs.filter((n) => n.action === action).map((n) => n.resource);
      expect(of("secretsmanager:GetSecretValue").every((arn) => /:secret:.+-[A-Za-z0-9]{6}$/.test(arn))).toBe(true);
      expect(of("secretsmanager:GetSecretValue").length).toBeGreaterThan(0);
      expect(of("ssm:GetParameters").length).toBeGreaterThan(0);
      expect(new Set(of("ecr:BatchGetImage")).size).toBe(2);
      expect(of("logs:CreateLogStream").every((arn) => arn.includes(":log-stream:"))).toBe(true);
      expect(needs.some((n) => n.action === "ecs:CreateTaskSet")).toBe(true);
      expect(needs.some((n) => n.action === "logs:DescribeLogGroups")).toBe(true);
    }
  });
});

describe("each defect put back fails the check, naming principal, action, resource and statement", () => {
  it("a secret granted by its ARN without the suffix: the execution role cannot read it", async () => {
    for (const s of withResource("aws_ecs_task_definition")) {
      const found = await lines(
        mutated(s.name, (c) =>
          editPolicy(c, "aws_iam_role_policy.web_task_execution-policy", (doc) => {
            const read = statement(doc, "ReadSecrets");
            read.Resource = read.Resource.filter((r: string) => r.endsWith("-??????")).map((r: string) => r.replace(/-\?{6}$/, ""));
          }),
        ),
      );
      const role = s.config.resource.aws_iam_role["web_task_execution-role"].name;
      const secret = found.find((l) => l.includes("secretsmanager:GetSecretValue"));
      expect(secret).toMatch(
        new RegExp(
          `^${s.name}: iam-reachable aws_iam_role\\.web_task_execution-role \\(${role}\\) cannot secretsmanager:GetSecretValue on arn:aws:secretsmanager:[^ ]+-AbC123 \\(ECS injects django's secret DJANGO_SECRET_KEY\\): no identity statement allows it \\(aws_iam_role_policy\\.web_task_execution-policy statement ReadSecrets: resource does not match\\)$`,
        ),
      );
    }
  });

  it("an execution role that may pull from one repository only, or write logs to the group but not its streams", async () => {
    const [s] = withResource("aws_ecs_task_definition");
    const found = await lines(
      mutated(s.name, (c) =>
        editPolicy(c, "aws_iam_role_policy.web_task_execution-policy", (doc) => {
          statement(doc, "PullImages").Resource = statement(doc, "PullImages").Resource.slice(0, 1);
          statement(doc, "WriteLogs").Resource = statement(doc, "WriteLogs").Resource.replace(/:\*$/, "");
        }),
      ),
    );
    expect(found.some((l) => /cannot ecr:BatchGetImage on arn:aws:ecr:[^ ]+:repository\/[^ ]+\/nginx \(ECS pulls nginx's image\): no identity statement allows it \(aws_iam_role_policy\.web_task_execution-policy statement PullImages: resource does not match\)/.test(l))).toBe(true);
    expect(found.some((l) => /cannot logs:CreateLogStream on arn:aws:logs:[^ ]+:log-stream:[^ ]+ \(ECS creates django's log stream\): .*statement WriteLogs: resource does not match/.test(l))).toBe(true);
  });

  it("the flow-log role without the actions of AWS's documented policy", async () => {
    for (const s of withResource("aws_flow_log")) {
      const found = await lines(
        mutated(s.name, (c) =>
          editPolicy(c, "aws_iam_role_policy.network_flow-logs_write-logs", (doc) => {
            doc.Statement = [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: statement(doc, "WriteStreams").Resource }];
          }),
        ),
      );
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${s.name}: iam-reachable aws_iam_role\\.network_flow-logs_role \\([^)]+\\) cannot logs:CreateLogGroup on arn:aws:logs:[^ ]+:log-group:[^ ]+ \\(VPC Flow Logs publishes the records\\): no identity statement allows the action$`)),
          expect.stringMatching(/cannot logs:DescribeLogGroups on \* \(VPC Flow Logs publishes the records\)/),
        ]),
      );
    }
  });

  it("a CodeDeploy role without its managed policy, and a role its service may not assume", async () => {
    const [s] = withResource("aws_codedeploy_deployment_group");
    const found = await lines(
      mutated(s.name, (c) => {
        delete c.resource.aws_iam_role_policy_attachment["web_deployment_role-policy"];
        c.resource.aws_iam_role["web_task_execution-role"].assume_role_policy = c.resource.aws_iam_role["web_task_execution-role"].assume_role_policy.replace("ecs-tasks", "ec2");
      }),
    );
    expect(found.some((l) => /iam-reachable aws_iam_role\.web_deployment_role \([^)]+\) cannot ecs:CreateTaskSet on arn:aws:ecs:[^ ]+:task-set\/[^ ]+ \(CodeDeploy swaps the task sets\): no identity statement allows the action/.test(l))).toBe(true);
    expect(found.some((l) => /iam-reachable aws_iam_role\.web_task_execution-role \([^)]+\) cannot be assumed by ecs-tasks\.amazonaws\.com/.test(l))).toBe(true);
  });

  it("a managed policy the check does not know is a finding, not a silent pass", async () => {
    const [s] = withResource("aws_codedeploy_deployment_group");
    const found = await lines(mutated(s.name, (c) => (c.resource.aws_iam_role_policy_attachment["web_deployment_role-policy"].policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess")));
    expect(found).toContainEqual(expect.stringContaining("cannot be evaluated: aws_iam_role_policy_attachment.web_deployment_role-policy: arn:aws:iam::aws:policy/AdministratorAccess is a policy this check does not know"));
  });
});

describe("EventBridge Scheduler's role: each defect put back fails the check", () => {
  const scheduled = () => withResource("aws_scheduler_schedule");
  const policyAddress = (c: any) => `aws_iam_role_policy.${Object.keys(c.resource.aws_iam_role_policy).find((k) => k.endsWith("_scheduler-policy"))}`;

  it("a run-task grant of the family without its revisions, and no dead-letter grant", async () => {
    expect(scheduled().length).toBeGreaterThan(0);
    for (const s of scheduled()) {
      const found = await lines(
        mutated(s.name, (c) =>
          editPolicy(c, policyAddress(c), (doc) => {
            statement(doc, "RunThisJob").Resource = statement(doc, "RunThisJob").Resource.slice(0, 1);
            doc.Statement = doc.Statement.filter((x: any) => x.Sid !== "DeadLetters");
          }),
        ),
      );
      expect(found).toContainEqual(expect.stringMatching(/iam-reachable aws_iam_role\.background_job-[a-z-]+_scheduler-role \([^)]+\) cannot ecs:RunTask on arn:aws:ecs:[^ ]+:task-definition\/[a-z-]+-job-[a-z-]+:7 \(Scheduler starts the job's task\): no identity statement allows it \(.+statement RunThisJob: resource does not match\)$/));
      expect(found).toContainEqual(expect.stringMatching(/cannot sqs:SendMessage on arn:aws:sqs:[^ ]+-dlq \(Scheduler keeps a run it could not start\)/));
    }
  });

  it("a role Scheduler may not assume", async () => {
    for (const s of scheduled()) {
      const role = Object.keys(s.config.resource.aws_iam_role).find((k) => k.endsWith("_scheduler-role"))!;
      const found = await lines(mutated(s.name, (c) => (c.resource.aws_iam_role[role].assume_role_policy = c.resource.aws_iam_role[role].assume_role_policy.replace("scheduler.amazonaws.com", "events.amazonaws.com"))));
      expect(found).toContainEqual(expect.stringMatching(/cannot be assumed by scheduler\.amazonaws\.com \(EventBridge Scheduler runs aws_scheduler_schedule\.[^ ]+ as it\)/));
    }
  });
});

describe("containment: each defect put back fails the check", () => {
  /** Stacks with GitHub roles, found by discovery. */
  const githubStacks = () => stacks.filter((s) => Object.values(s.config.resource?.aws_iam_role ?? {}).some((r: any) => r.name.endsWith("-github-deploy")));
  const policyOf = (config: any, roleSuffix: string, policyName: string) => {
    const role = roleNamed(config, roleSuffix);
    const [name] = Object.entries(config.resource.aws_iam_role_policy).find(([, p]: any) => p.role.includes(`${role}.`) && p.name === policyName)!;
    return `aws_iam_role_policy.${name}`;
  };

  it("a deploy role with PowerUserAccess alone reaches another environment's resources in the shared account", async () => {
    const shared = githubStacks().filter((s) => githubStacks().some((o) => o !== s && o.config.provider.aws[0].allowed_account_ids[0] === s.config.provider.aws[0].allowed_account_ids[0]));
    expect(shared.length).toBeGreaterThan(0);
    for (const s of shared) {
      const found = await lines(mutated(s.name, (c) => delete c.resource.aws_iam_role_policy[policyOf(c, "-github-deploy", "this-environment-only").split(".")[1]]));
      expect(found).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${s.name}: iam-contained aws_iam_role\\.github_deploy-role \\([^)]+\\) can ecs:UpdateService on arn:aws:ecs:[^ ]+:service/[^ ]+ \\([a-z]+'s aws_ecs_service\\.[^ ]+, in the same account\\): allowed by aws_iam_role_policy_attachment\\.github_deploy-power-user \\(AWS managed PowerUserAccess\\) statement #1$`),
        ),
      );
      expect(found.some((l) => /can s3:GetObject on arn:aws:s3:::[^ ]+terraform\.tfstate \([a-z]+'s state/.test(l))).toBe(true);
      expect(found.some((l) => /can secretsmanager:GetSecretValue on [^ ]+ \(a secret value a container reads\)/.test(l))).toBe(true);
    }
  });

  it("iam:CreateRole / PutRolePolicy on the stack's roles without the boundary condition lets CI mint an admin role", async () => {
    for (const s of githubStacks()) {
      const found = await lines(
        mutated(s.name, (c) => editPolicy(c, policyOf(c, "-github-deploy", "manage-stack-roles"), (doc) => delete statement(doc, "ChangeStackRolesWithinTheBoundary").Condition)),
      );
      expect(found).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${s.name}: iam-contained aws_iam_role\\.github_deploy-role \\([^)]+\\) can iam:CreateRole on arn:aws:iam::\\d+:role/[^ ]+-escalation \\(a role without the permissions boundary\\): allowed by aws_iam_role_policy\\.github_deploy-stack-roles statement ChangeStackRolesWithinTheBoundary$`),
        ),
      );
    }
  });

  it("a permissions boundary that allows IAM is caught by the check itself", async () => {
    const [s] = githubStacks();
    const found = await lines(
      mutated(s.name, (c) => editPolicy(c, "aws_iam_policy.boundary_policy", (doc) => (statement(doc, "NoIam").NotAction = ["organizations:*"]))),
    );
    expect(found.some((l) => /iam-contained a role bounded by aws_iam_policy\.boundary_policy \([^)]+\) can iam:CreateRole on [^ ]+ \(IAM from inside the permissions boundary\)/.test(l))).toBe(true);
  });

  it("a trust that pins only environment:<name> in the subject, a release role with the deploy role's subject, no audience, or a wildcard branch", async () => {
    for (const s of githubStacks()) {
      const env = s.config.provider.aws[0].default_tags[0].tags.environment;
      const editTrust = (suffix: string, edit: (condition: any) => void) => (c: any) => {
        const role = c.resource.aws_iam_role[roleNamed(c, suffix)];
        const doc = JSON.parse(role.assume_role_policy);
        edit(doc.Statement[0].Condition);
        role.assume_role_policy = JSON.stringify(doc);
      };
      const host = "token.actions.githubusercontent.com";
      const onlyEnvironment = await lines(mutated(s.name, editTrust("-github-deploy", (c) => (c.StringEquals[`${host}:sub`] = `repo:inpock/link-server:environment:${env}`))));
      expect(onlyEnvironment).toContainEqual(expect.stringMatching(new RegExp(`^${s.name}: iam-contained aws_iam_role\\.github_deploy-role \\([^)]+\\) trust does not pin the workflow: its sub condition is \\["repo:inpock/link-server:environment:${env}"\\]`)));
      const sameAsDeploy = await lines(
        mutated(s.name, (c) => {
          const deploy = JSON.parse(c.resource.aws_iam_role[roleNamed(c, "-github-deploy")].assume_role_policy);
          c.resource.aws_iam_role[roleNamed(c, "-github-release")].assume_role_policy = JSON.stringify(deploy);
        }),
      );
      expect(sameAsDeploy).toContainEqual(
        expect.stringMatching(new RegExp(`^${s.name}: iam-contained aws_iam_role\\.github_release-role \\([^)]+\\) trusts the same subject as aws_iam_role\\.github_deploy-role \\([^)]+\\): \\["repo:[^"]+:environment:${env}:job_workflow_ref:[^"]+"\\], so a job that may assume one may assume both$`)),
      );
      const noAudience = await lines(mutated(s.name, editTrust("-github-release", (c) => delete c.StringEquals[`${host}:aud`])));
      expect(noAudience.some((l) => /aws_iam_role\.github_release-role \([^)]+\) can be assumed by a token from another audience/.test(l))).toBe(true);
      const anyBranch = await lines(
        mutated(
          s.name,
          editTrust("-github-deploy", (c) => {
            c.StringLike = { [`${host}:sub`]: c.StringEquals[`${host}:sub`].replace(/refs\/heads\/.*$/, "refs/heads/*") };
            delete c.StringEquals[`${host}:sub`];
          }),
        ),
      );
      expect(anyBranch.some((l) => /aws_iam_role\.github_deploy-role \([^)]+\) can be assumed by a token from another branch \(sub [^ ]+@refs\/heads\/feature/.test(l))).toBe(true);
    }
  });

  it("a boundary without its environment limits: AWS's CodeDeploy policy reaches the other environment's listeners and state", async () => {
    const [s] = githubStacks().filter((x) => githubStacks().some((o) => o !== x && o.config.provider.aws[0].allowed_account_ids[0] === x.config.provider.aws[0].allowed_account_ids[0]));
    const found = await lines(
      mutated(s.name, (c) => editPolicy(c, "aws_iam_policy.boundary_policy", (doc) => (doc.Statement = doc.Statement.filter((x: any) => x.Effect === "Allow")))),
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${s.name}: iam-contained aws_iam_role\\.web_deployment_role \\([^)]+\\) can elasticloadbalancing:ModifyListener on arn:aws:elasticloadbalancing:[^ ]+:listener/app/[^ ]+ \\([a-z]+'s aws_lb_listener\\.[^ ]+, in the same account\\): allowed by aws_iam_role_policy_attachment\\.web_deployment_role-policy \\(AWS managed AWSCodeDeployRoleForECS\\) statement #1$`),
      ),
    );
    expect(found.some((l) => /web_deployment_role .* can s3:GetObject on arn:aws:s3:::[^ ]+terraform\.tfstate \([a-z]+'s state, in the same account\)/.test(l))).toBe(true);
  });

  it("a plan role with ReadOnlyAccess alone reads object data, table items and secret values", async () => {
    const [s] = githubStacks();
    const found = await lines(mutated(s.name, (c) => delete c.resource.aws_iam_role_policy[policyOf(c, "-github-plan", "state-and-no-data").split(".")[1]]));
    expect(found).toContainEqual(
      expect.stringMatching(/iam-contained aws_iam_role\.github_plan-role \([^)]+\) can s3:GetObject on arn:aws:s3:::any-bucket\/any-object \(object data\): allowed by aws_iam_role_policy_attachment\.github_plan-read-only \(AWS managed ReadOnlyAccess \(upper bound\)\) statement ReadOnlyAccessUpperBound$/),
    );
    expect(found.some((l) => /github_plan-role .* can dynamodb:Scan on /.test(l))).toBe(true);
    expect(found.some((l) => /github_plan-role .* can ssm:GetParameter on /.test(l))).toBe(true);
  });
});

describe("manifests give a secret's ARN with or without its suffix", () => {
  it("a sample environment whose secrets carry the suffix passes too", async () => {
    const { cpSync, readdirSync, readFileSync, writeFileSync } = await import("fs");
    const { join } = await import("path");
    const { tempDir } = await import("../support/app");
    const { FIXTURE_ENVIRONMENTS } = await import("../support/project");
    const dir = tempDir();
    cpSync(FIXTURE_ENVIRONMENTS, dir, { recursive: true });
    let changed = 0;
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), "utf8");
      const suffixed = text.replace(/(arn:aws:secretsmanager:\S+:secret:\S+?)(\s|$)/g, (_, arn, end) => (changed++, `${arn}-Xy12Zq${end}`));
      writeFileSync(join(dir, file), suffixed);
    }
    expect(changed).toBeGreaterThan(0);
    const suffixedStacks = (await synthesizeProject({ dir })).map((s) => ({ name: s.name, config: s.json }));
    expect(JSON.stringify(suffixedStacks)).toContain("-Xy12Zq");
    expect(await lines(suffixedStacks)).toEqual([]);
  });
});

describe("at synth", () => {
  it("main's IAM step reports a defect in any synthesized stack, one line each", async () => {
    const { addStacks, iamFailures } = await import("../../main");
    const { loadProject } = await import("../../src/manifest/load");
    const { testApp } = await import("../support/app");
    const { FIXTURE_ENVIRONMENTS } = await import("../support/project");
    const { ProjectStack } = await import("../../stacks/project-stack");
    const app = addStacks(testApp(), loadProject(FIXTURE_ENVIRONMENTS), {});
    app.synth();
    const synthesized = app.node.children.filter((c): c is InstanceType<typeof ProjectStack> => c instanceof ProjectStack);
    expect(await iamFailures(synthesized)).toEqual([]);
    const withFlowLogs = synthesized.find((s) => s.synthesized?.resource?.aws_flow_log)!;
    editPolicy(withFlowLogs.synthesized, "aws_iam_role_policy.network_flow-logs_write-logs", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "ListGroups")));
    expect(await iamFailures(synthesized)).toEqual([
      expect.stringMatching(new RegExp(`^${withFlowLogs.node.id}: iam-reachable aws_iam_role\\.network_flow-logs_role \\([^)]+\\) cannot logs:DescribeLogGroups on \\* \\(VPC Flow Logs publishes the records\\): no identity statement allows the action$`)),
    ]);
  });
});

describe("GitHub's OIDC provider, exactly once in every account with a GitHub role", () => {
  /** The sample environments with `edit` applied to each manifest's text, synthesized, and the IAM check's lines. */
  async function variant(edit: (name: string, text: string) => string) {
    const { cpSync, readdirSync, readFileSync, writeFileSync } = await import("fs");
    const { join } = await import("path");
    const { tempDir } = await import("../support/app");
    const { FIXTURE_ENVIRONMENTS } = await import("../support/project");
    const dir = tempDir();
    cpSync(FIXTURE_ENVIRONMENTS, dir, { recursive: true });
    for (const file of readdirSync(dir)) writeFileSync(join(dir, file), edit(file.replace(/\.ya?ml$/, ""), readFileSync(join(dir, file), "utf8")));
    const synthesized = (await synthesizeProject({ dir })).map((s) => ({ name: s.name, config: s.json }));
    return { dir, synthesized, found: await lines(synthesized) };
  }
  const creates = (s: { config: any }) => Object.keys(s.config.resource?.aws_iam_openid_connect_provider ?? {}).length > 0;
  const reads = (s: { config: any }) => Object.keys(s.config.data?.aws_iam_openid_connect_provider ?? {}).length > 0;

  it("a bootstrap stack that no longer creates it: every GitHub role trusts a provider nothing creates", async () => {
    const bootstrap = stacks.find(creates)!;
    const found = await lines(mutated(bootstrap.name, (c) => delete c.resource.aws_iam_openid_connect_provider));
    const withRoles = stacks.filter((s) => Object.values<any>(s.config.resource?.aws_iam_role ?? {}).some((r) => r.name.includes("-github-")));
    expect(withRoles.length).toBeGreaterThan(0);
    for (const s of withRoles) {
      expect(found).toContainEqual(
        expect.stringMatching(new RegExp(`^${s.name}: iam-reachable aws_iam_role\\.github_[a-z]+-role \\([^)]+\\) trusts GitHub's OIDC provider, which no stack of account \\d{12} creates and this stack does not read: no job can assume it \\(set github\\.oidcProvider\\)$`)),
      );
    }
  });

  it("an environment in another account with Terraform Cloud state (no bootstrap there) creates its own", async () => {
    const toCloud = (text: string) => text.replace(/state:\n  backend: s3\n  bucket: \S+\n/, "state:\n  backend: cloud\n  organization: inpock\n");
    const { synthesized, found } = await variant((name, text) => (name === "production" ? toCloud(text).replace(/111111111111/g, "222222222222") : text));
    expect(found).toEqual([]);
    expect(creates(synthesized.find((s) => s.name === "production")!)).toBe(true);
    expect(creates(synthesized.find((s) => s.name === "staging")!)).toBe(false);
    expect(creates(synthesized.find((s) => s.name === "bootstrap")!)).toBe(true);
  });

  it("a secret left in another account is a cross-account read, which the role's policy alone cannot grant", async () => {
    const { found } = await variant((name, text) =>
      name === "production" ? text.replace(/accountId: "111111111111"/, 'accountId: "222222222222"').replace(/state:\n  backend: s3\n  bucket: \S+\n/, "state:\n  backend: cloud\n  organization: inpock\n") : text,
    );
    expect(found).toContainEqual(
      expect.stringMatching(
        /^production: iam-reachable aws_iam_role\.web_task_execution-role \([^)]+\) cannot secretsmanager:GetSecretValue on arn:aws:secretsmanager:[^:]+:111111111111:secret:\S+ \(ECS injects django's secret DJANGO_SECRET_KEY\): the resource is in account 111111111111, another account: its resource policy must allow the role too \(the role's own policy does: aws_iam_role_policy\.web_task_execution-policy statement ReadSecrets\)$/,
      ),
    );
  });

  it("an account that already has it: oidcProvider existing reads it, and nothing creates a second one", async () => {
    const { synthesized, found } = await variant((_, text) => text.replace(/(\ngithub:\n)/, "$1  oidcProvider: existing\n"));
    expect(found).toEqual([]);
    expect(synthesized.filter(creates)).toEqual([]);
    expect(synthesized.filter(reads).map((s) => s.name).sort()).toEqual(["production", "staging"]);
  });

  it("environments of one account that disagree get one line naming the file and the key", async () => {
    await expect(variant((name, text) => (name === "staging" ? text.replace(/(\ngithub:\n)/, "$1  oidcProvider: existing\n") : text))).rejects.toThrow(
      /^\S*staging\.yaml: github\.oidcProvider: expected create like \S*production\.yaml: environments of account 111111111111 share one OIDC provider, got existing$/,
    );
  });

  it("two stacks that create it in one account: the second apply would fail", async () => {
    const staging = stacks.find((s) => s.name === "staging")!;
    const found = await lines(mutated(staging.name, (c) => (c.resource.aws_iam_openid_connect_provider = { "github-oidc": { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] } })));
    expect(found).toContainEqual(expect.stringMatching(/^staging: iam-reachable .* trusts GitHub's OIDC provider, which 2 stacks of account 111111111111 create \(bootstrap, staging\): the second apply fails with EntityAlreadyExists$/));
  });
});
