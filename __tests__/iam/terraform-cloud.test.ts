/**
 * Terraform Cloud's dynamic provider credentials, proven with the IAM simulator: qa and dev (account
 * 222222222222) keep their state in Terraform Cloud; each has a plan and an apply role trusted for one run
 * phase of its own workspace. Each defect put back fails the check, naming the cause.
 */
import { join } from "path";
import { checkIam, describeIamFinding, StackInput } from "../../src/iam";
import { loadWorkflowCalls } from "../../src/iam/workflow-calls";
import { principalsOf } from "../../src/iam/principals";
import { stackContext } from "../../src/iam/resolve";
import { simulateTrust } from "../../src/iam/simulate";
import { terraformCloudProject } from "../support/accounts";
import { synthesizeProject } from "../support/project";

let stacks: StackInput[];
beforeAll(async () => {
  stacks = (await synthesizeProject({ dir: terraformCloudProject() })).map((s) => ({ name: s.name, config: s.json }));
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const config = (name: string): any => stacks.find((s) => s.name === name)!.config;
const mutated = (name: string, edit: (config: any) => void): StackInput[] =>
  stacks.map((s) => (s.name === name ? { name, config: (() => { const c = clone(s.config); edit(c); return c; })() } : s));
const lines = async (input: StackInput[]) => (await checkIam(input)).map(describeIamFinding);
function editTrust(c: any, role: string, edit: (doc: any) => void): void {
  const doc = JSON.parse(c.resource.aws_iam_role[role].assume_role_policy);
  edit(doc);
  c.resource.aws_iam_role[role].assume_role_policy = JSON.stringify(doc);
}
const sub = (phase: string, workspace = "inpock-qa") => `organization:inpock:project:Link Server:workspace:${workspace}:run_phase:${phase}`;
const provider = "arn:aws:iam::222222222222:oidc-provider/app.terraform.io";

describe("environments in Terraform Cloud", () => {
  it("get a workspace each, in the manifest's project, and one OIDC provider per account", () => {
    expect(config("qa").terraform.cloud).toEqual({ hostname: "app.terraform.io", organization: "inpock", workspaces: { name: "inpock-qa", project: "Link Server" } });
    // dev comes first by name: it creates the provider, qa trusts it by ARN.
    expect(Object.values<any>(config("dev").resource.aws_iam_openid_connect_provider)).toEqual([expect.objectContaining({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] })]);
    expect(config("qa").resource.aws_iam_openid_connect_provider).toBeUndefined();
  });

  it("trust each role for one run phase of their own workspace only", async () => {
    const principals = await principalsOf(stackContext("qa", config("qa"))!);
    const role = (name: string) => principals.find((p) => p.name === name)!;
    const token = (s: string, aud = "aws.workload.identity") => ({ "app.terraform.io:sub": s, "app.terraform.io:aud": aud });
    const assume = (name: string, claims: Record<string, string>) => simulateTrust(role(name), provider, "sts:AssumeRoleWithWebIdentity", claims).allowed;
    expect(assume("inpock-qa-tfc-plan", token(sub("plan")))).toBe(true);
    expect(assume("inpock-qa-tfc-apply", token(sub("apply")))).toBe(true);
    expect(assume("inpock-qa-tfc-plan", token(sub("apply")))).toBe(false);
    expect(assume("inpock-qa-tfc-apply", token(sub("plan")))).toBe(false);
    expect(assume("inpock-qa-tfc-apply", token(sub("apply", "inpock-dev")))).toBe(false);
    expect(assume("inpock-qa-tfc-apply", token(sub("apply").replace("organization:inpock", "organization:other")))).toBe(false);
    expect(assume("inpock-qa-tfc-apply", token(sub("apply").replace("Link Server", "Default Project")))).toBe(false);
    expect(assume("inpock-qa-tfc-apply", token(sub("apply"), "sts.amazonaws.com"))).toBe(false);
  });

  it("pass the IAM check, the workflows' AWS calls included, as synth runs it", async () => {
    expect((await checkIam(stacks, loadWorkflowCalls(join(__dirname, "..", "..")))).map(describeIamFinding)).toEqual([]);
  });
});

describe("each defect put back fails the check, naming the cause", () => {
  it("a trust of every workspace of the project", async () => {
    const found = await lines(
      mutated("qa", (c) =>
        editTrust(c, "terraform-cloud_apply-role", (doc) => {
          const condition = doc.Statement[0].Condition;
          condition.StringLike = { "app.terraform.io:sub": sub("apply", "*") };
          delete condition.StringEquals["app.terraform.io:sub"];
        }),
      ),
    );
    expect(found).toEqual([
      `qa: iam-contained aws_iam_role.terraform-cloud_apply-role (inpock-qa-tfc-apply) trust does not pin one audience and one subject organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>: aud ["aws.workload.identity"], sub ["${sub("apply", "*")}"]`,
    ]);
  });

  it("a second trust statement for the whole organization: another project's runs could assume it", async () => {
    const found = await lines(
      mutated("qa", (c) =>
        editTrust(c, "terraform-cloud_apply-role", (doc) =>
          doc.Statement.push({ ...doc.Statement[0], Sid: "Organization", Condition: { StringEquals: { "app.terraform.io:aud": "aws.workload.identity" }, StringLike: { "app.terraform.io:sub": "organization:inpock:*" } } }),
        ),
      ),
    );
    for (const what of ["another project", "another workspace", "the plan phase"]) {
      expect(found.find((l) => l.includes(`can be assumed by a token from ${what} `))).toMatch(/^qa: iam-contained aws_iam_role\.terraform-cloud_apply-role \(inpock-qa-tfc-apply\) can be assumed by a token from /);
    }
    expect(found.some((l) => l.includes("another organization"))).toBe(false);
  });

  it("both roles trusting the apply phase", async () => {
    const found = await lines(mutated("qa", (c) => editTrust(c, "terraform-cloud_plan-role", (doc) => (doc.Statement[0].Condition.StringEquals["app.terraform.io:sub"] = sub("apply")))));
    expect(found).toContain(
      `qa: iam-contained aws_iam_role.terraform-cloud_plan-role (inpock-qa-tfc-plan) trusts the same subject as aws_iam_role.terraform-cloud_apply-role (inpock-qa-tfc-apply): ["${sub("apply")}"]; expected one role per run phase`,
    );
  });

  it("a trust of another workspace than the stack's cloud block names", async () => {
    const found = await lines(mutated("qa", (c) => (c.terraform.cloud.workspaces.name = "inpock-qa-renamed")));
    expect(found).toContain(
      "qa: iam-reachable aws_iam_role.terraform-cloud_plan-role (inpock-qa-tfc-plan) trusts app.terraform.io inpock/Link Server/inpock-qa, but the stack's runs are app.terraform.io inpock/Link Server/inpock-qa-renamed",
    );
  });

  it("an apply role that may rewrite its own trust", async () => {
    const found = await lines(mutated("qa", (c) => delete c.resource.aws_iam_role_policy["terraform-cloud_apply-not-its-own-roles"]));
    expect(found).toContain(
      "qa: iam-contained aws_iam_role.terraform-cloud_apply-role (inpock-qa-tfc-apply) can iam:UpdateAssumeRolePolicy on arn:aws:iam::222222222222:role/inpock-qa-tfc-apply (its own trust policy): allowed by aws_iam_role_policy.terraform-cloud_apply-stack-roles statement StackRoles",
    );
  });

  it("a plan role that may write", async () => {
    const found = await lines(mutated("qa", (c) => (c.resource.aws_iam_role_policy_attachment["terraform-cloud_plan-read-only"].policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess")));
    expect(found.find((l) => l.includes("ec2:CreateVpc"))).toMatch(
      /^qa: iam-contained aws_iam_role\.terraform-cloud_plan-role \(inpock-qa-tfc-plan\) can ec2:CreateVpc on arn:aws:ec2:ap-northeast-2:222222222222:vpc\/\* \(a write, in a plan run\): allowed by aws_iam_role_policy_attachment\.terraform-cloud_plan-read-only \(AWS managed PowerUserAccess\)/,
    );
  });

  it("two stacks of one account creating the provider", async () => {
    const provider = clone(config("dev").resource.aws_iam_openid_connect_provider);
    const found = await lines(mutated("qa", (c) => (c.resource.aws_iam_openid_connect_provider = provider)));
    expect(found).toContain(
      "qa: iam-reachable aws_iam_role.terraform-cloud_plan-role (inpock-qa-tfc-plan) trusts app.terraform.io's OIDC provider, which 2 stacks of account 222222222222 create (dev, qa); expected exactly one (state.oidcProvider)",
    );
  });
});
