/**
 * State across accounts, proven with the IAM simulator: qa (account 222222222222) and dev (333333333333)
 * keep their state in the fixtures' bucket (111111111111). qa's Terraform roles reach qa's state through
 * the bootstrap stack's role for qa, and not dev's; each defect put back fails the check naming its cause.
 */
import { join } from "path";
import { checkIam, describeIamFinding, StackInput } from "../../src/iam";
import { loadWorkflowCalls } from "../../src/iam/workflow-calls";
import { principalsOf } from "../../src/iam/principals";
import { stackContext } from "../../src/iam/resolve";
import { simulateIdentity } from "../../src/iam/simulate";
import { crossAccountProject, otherAccountManifest, projectWith, STATE_BUCKET } from "../support/accounts";
import { synthesizeProject } from "../support/project";

let stacks: StackInput[];
beforeAll(async () => {
  stacks = (await synthesizeProject({ dir: crossAccountProject() })).map((s) => ({ name: s.name, config: s.json }));
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const config = (name: string): any => stacks.find((s) => s.name === name)!.config;
const mutated = (name: string, edit: (config: any) => void): StackInput[] =>
  stacks.map((s) => (s.name === name ? { name, config: (() => { const c = clone(s.config); edit(c); return c; })() } : s));
const lines = async (input: StackInput[]) => (await checkIam(input)).map(describeIamFinding);
function editPolicy(c: any, type: string, name: string, key: string, edit: (doc: any) => void): void {
  const doc = JSON.parse(c.resource[type][name][key]);
  edit(doc);
  c.resource[type][name][key] = JSON.stringify(doc);
}
const qaState = `arn:aws:s3:::${STATE_BUCKET}/inpock/qa/terraform.tfstate`;
const devState = `arn:aws:s3:::${STATE_BUCKET}/inpock/dev/terraform.tfstate`;
const qaRole = "arn:aws:iam::111111111111:role/inpock-qa-terraform-state";

describe("environments in other accounts than their state", () => {
  it("synthesize a backend that assumes the bootstrap stack's role for the environment", () => {
    expect(config("qa").terraform.backend.s3).toMatchObject({ bucket: STATE_BUCKET, key: "inpock/qa/terraform.tfstate", assume_role: { role_arn: qaRole } });
    const role = config("bootstrap").resource.aws_iam_role["state-role-qa_role"];
    expect(role.name).toBe("inpock-qa-terraform-state");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Sid: "EnvironmentAccountOnly", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("waive checkov's account-root trust check for the state roles only, with the reason", () => {
    expect(config("bootstrap")["//"].waivers.filter((w: any) => w.rule === "CKV_AWS_61")).toEqual([
      expect.objectContaining({ resources: ["aws_iam_role.state-role-qa_role", "aws_iam_role.state-role-dev_role"].sort() }),
    ]);
  });

  it("pass the IAM check, the workflows' AWS calls included, as synth runs it", async () => {
    expect((await checkIam(stacks, loadWorkflowCalls(join(__dirname, "..", "..")))).map(describeIamFinding)).toEqual([]);
  });

  it("qa's deploy role reaches qa's state key through the role, and not dev's", async () => {
    const principals = async (name: string) => principalsOf(stackContext(name, config(name))!);
    const deploy = (await principals("qa")).find((p) => p.name === "inpock-qa-github-deploy")!;
    const role = (await principals("bootstrap")).find((p) => p.arn === qaRole)!;
    const bucketPolicy = (await import("../../src/policy/model")).parseJson(
      Object.values<any>(config("bootstrap").resource.aws_s3_bucket_policy)[0].policy.replace(/\$\{aws_iam_role\.state-role-qa_role\.arn\}/g, qaRole),
    );
    const trust = { source: "trust", document: role.trust! };
    const assume = await simulateIdentity(deploy, { action: "sts:AssumeRole", resource: qaRole, context: { "aws:ResourceTag/environment": "qa" } }, { resourcePolicy: trust });
    expect(assume).toMatchObject({ allowed: true });
    const bucket = { source: "bucket policy", document: bucketPolicy };
    expect(await simulateIdentity(role, { action: "s3:GetObject", resource: qaState }, { resourcePolicy: bucket })).toMatchObject({ allowed: true });
    expect(await simulateIdentity(role, { action: "s3:GetObject", resource: devState }, { resourcePolicy: bucket })).toMatchObject({ allowed: false });
    // Directly, across accounts: the bucket grants qa's account nothing but the role.
    expect(await simulateIdentity(deploy, { action: "s3:GetObject", resource: devState }, { resourcePolicy: bucket })).toMatchObject({ allowed: false });
  });
});

describe("each defect put back fails the check, naming the cause", () => {
  it("a grant of the whole bucket, in the role's policy and the bucket policy", async () => {
    const found = await lines(
      mutated("bootstrap", (c) => {
        editPolicy(c, "aws_iam_role_policy", "state-role-qa_policy", "policy", (doc) => {
          doc.Statement.find((s: any) => s.Sid === "ReadWriteOwnState").Resource = `arn:aws:s3:::${STATE_BUCKET}/*`;
        });
        const [name] = Object.keys(c.resource.aws_s3_bucket_policy);
        editPolicy(c, "aws_s3_bucket_policy", name, "policy", (doc) => {
          doc.Statement.find((s: any) => s.Sid === "StateOfqa").Resource = `arn:aws:s3:::${STATE_BUCKET}/*`;
          doc.Statement.find((s: any) => s.Sid === "OnlyStateOfqa").NotResource = [`arn:aws:s3:::${STATE_BUCKET}`, `arn:aws:s3:::${STATE_BUCKET}/*`];
        });
      }),
    );
    expect(found).toContain(
      `bootstrap: iam-contained aws_iam_role.state-role-qa_role (inpock-qa-terraform-state) can s3:GetObject on ${devState} (another environment's state, inpock/dev/terraform.tfstate) by its own policy: allowed by aws_iam_role_policy.state-role-qa_policy statement ReadWriteOwnState`,
    );
    expect(found.some((l) => l.startsWith(`bootstrap: iam-contained aws_iam_role.state-role-qa_role (inpock-qa-terraform-state) can s3:PutObject on ${devState} (another environment's state, inpock/dev/terraform.tfstate) if its own policy allowed it: the bucket policy does not deny it`))).toBe(true);
    expect(found.every((l) => l.includes("state-role-qa"))).toBe(true);
  });

  it("a bucket policy that names no role: only the role's own policy would keep it in", async () => {
    const found = await lines(
      mutated("bootstrap", (c) => {
        const [name] = Object.keys(c.resource.aws_s3_bucket_policy);
        editPolicy(c, "aws_s3_bucket_policy", name, "policy", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid === "DenyInsecureTransport")));
      }),
    );
    expect(found).toContain(
      `bootstrap: iam-contained aws_iam_role.state-role-qa_role (inpock-qa-terraform-state) can s3:GetObject on ${devState} (another environment's state, inpock/dev/terraform.tfstate) if its own policy allowed it: the bucket policy does not deny it (bootstrap aws_s3_bucket_policy.state-${STATE_BUCKET}_tls-only)`,
    );
  });

  it("a trust of any account", async () => {
    const found = await lines(
      mutated("bootstrap", (c) => editPolicy(c, "aws_iam_role", "state-role-qa_role", "assume_role_policy", (doc) => (doc.Statement[0].Principal = { AWS: "*" }))),
    );
    expect(found.find((l) => l.includes("can be assumed from another account"))).toMatch(
      /^bootstrap: iam-contained aws_iam_role\.state-role-qa_role \(inpock-qa-terraform-state\) can be assumed from another account \(arn:aws:iam::999999999999:role\/anyone\): allowed by .*trust policy of aws_iam_role\.state-role-qa_role statement EnvironmentAccountOnly/,
    );
    // dev's roles are still kept out: the plan role may assume dev's role only, the deploy role nothing tagged qa.
    expect(found.filter((l) => l.startsWith("dev:"))).toEqual([]);
  });

  it("a trust of any account, on a role without its environment tag: dev's deploy role could take qa's state", async () => {
    const found = await lines(
      mutated("bootstrap", (c) => {
        editPolicy(c, "aws_iam_role", "state-role-qa_role", "assume_role_policy", (doc) => (doc.Statement[0].Principal = { AWS: "*" }));
        delete c.resource.aws_iam_role["state-role-qa_role"].tags;
      }),
    );
    expect(found.find((l) => l.startsWith("dev:"))).toMatch(
      new RegExp(`^dev: iam-contained aws_iam_role\\.github_deploy-role \\(inpock-dev-github-deploy\\) can assume qa's state role ${qaRole}: allowed by .*trust policy of aws_iam_role\\.state-role-qa_role statement EnvironmentAccountOnly`),
    );
  });

  it("a plan role that may not assume the state role: pull requests could not plan", async () => {
    const found = await lines(
      mutated("qa", (c) => editPolicy(c, "aws_iam_role_policy", "github_plan-state-lock", "policy", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "AssumeStateRole")))),
    );
    expect(found).toEqual([
      `qa: iam-reachable aws_iam_role.github_plan-role (inpock-qa-github-plan) cannot assume ${qaRole}, which the state backend assumes: no identity statement allows the action (on the resource's side, allowed by trust policy of aws_iam_role.state-role-qa_role statement EnvironmentAccountOnly)`,
    ]);
  });

  it("a backend that assumes a role no stack creates", async () => {
    const found = await lines(
      mutated("qa", (c) => (c.terraform.backend.s3.assume_role.role_arn = "arn:aws:iam::111111111111:role/inpock-qa-missing")),
    );
    expect(found).toContain(
      "qa: iam-reachable terraform.backend.s3 assumes arn:aws:iam::111111111111:role/inpock-qa-missing, which no stack creates: the bootstrap stack creates one per environment of another account",
    );
  });
});

describe("with a DynamoDB lock table", () => {
  let locked: StackInput[];
  beforeAll(async () => {
    const dynamodb = { locking: "dynamodb", lockTable: "inpock-terraform-locks" };
    const dir = projectWith(otherAccountManifest("qa", "222222222222", "10.30.0.0/16", dynamodb), otherAccountManifest("dev", "333333333333", "10.40.0.0/16", dynamodb));
    locked = (await synthesizeProject({ dir })).map((s) => ({ name: s.name, config: s.json }));
  });

  it("waives checkov's customer-key check for the lock table only, with the reason", () => {
    const bootstrap = locked.find((x) => x.name === "bootstrap")!.config as any;
    expect(bootstrap["//"].waivers.filter((w: any) => w.rule === "CKV_AWS_119")).toEqual([
      expect.objectContaining({ resources: [`aws_dynamodb_table.state-${STATE_BUCKET}_lock-table`] }),
    ]);
    expect((config("bootstrap")["//"].waivers as any[]).some((w) => w.rule === "CKV_AWS_119")).toBe(false);
  });

  it("each role takes its own lock items only, and the check proves it", async () => {
    expect(await lines(locked)).toEqual([]);
  });

  it("a role that may take any lock item fails the check, naming the statement", async () => {
    const input = locked.map((s) => {
      if (s.name !== "bootstrap") return s;
      const c = clone(s.config);
      editPolicy(c, "aws_iam_role_policy", "state-role-qa_policy", "policy", (doc) => delete doc.Statement.find((x: any) => x.Sid === "OwnLockItems").Condition);
      return { name: s.name, config: c };
    });
    const found = await lines(input);
    expect(found).toContain(
      "bootstrap: iam-contained aws_iam_role.state-role-qa_role (inpock-qa-terraform-state) can dynamodb:GetItem on arn:aws:dynamodb:ap-northeast-2:111111111111:table/inpock-terraform-locks (another environment's state, inpock/dev/terraform.tfstate) by its own policy: allowed by aws_iam_role_policy.state-role-qa_policy statement OwnLockItems",
    );
    expect(found.every((l) => l.includes("can dynamodb:GetItem") && l.endsWith("statement OwnLockItems"))).toBe(true);
  });
});
