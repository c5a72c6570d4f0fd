/** Snapshots of every sample stack as synthesized, JSON and HCL, and what must hold in them. */
import { synthesizeProject, SynthesizedStack } from "../support/project";

let json: SynthesizedStack[];
let hcl: SynthesizedStack[];
beforeAll(async () => {
  json = await synthesizeProject();
  hcl = await synthesizeProject({ hcl: true });
});

const stack = (list: SynthesizedStack[], name: string) => list.find((s) => s.name === name)!;

describe.each(["bootstrap", "production", "staging"])("the %s stack", (name) => {
  it("matches its JSON snapshot", () => {
    expect(stack(json, name).json).toMatchSnapshot();
  });

  it("matches its HCL snapshot", () => {
    expect(stack(hcl, name).hcl).toMatchSnapshot();
  });

  it("refuses any account but its own and requires Terraform >= 1.10", () => {
    const config = stack(json, name).json;
    for (const provider of config.provider.aws) expect(provider.allowed_account_ids).toEqual(["111111111111"]);
    expect(config.terraform.required_version).toBe(">= 1.10.0");
  });
});

describe("the local stack", () => {
  it("matches its JSON snapshot", () => {
    expect(stack(json, "local").json).toMatchSnapshot();
  });

  it("matches its HCL snapshot", () => {
    expect(stack(hcl, "local").hcl).toMatchSnapshot();
  });
});

describe("environment stacks", () => {
  it.each(["production", "staging"])("%s keeps its state in S3 under its own key, locked natively", (name) => {
    expect(stack(json, name).json.terraform.backend.s3).toEqual({
      bucket: "inpock-terraform-state-111111111111",
      key: `inpock/${name}/terraform.tfstate`,
      region: "ap-northeast-2",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("production runs one NAT gateway per AZ; staging shares one", () => {
    const nats = (name: string) => Object.keys(stack(json, name).json.resource.aws_nat_gateway);
    expect(nats("production")).toHaveLength(3);
    expect(nats("staging")).toHaveLength(1);
  });

  it("tags everything with app, environment and managed-by through the provider", () => {
    expect(stack(json, "production").json.provider.aws[0].default_tags).toEqual([
      { tags: { app: "inpock", environment: "production", "managed-by": "cdktf", team: "platform" } },
    ]);
  });

  it("no two subnets of a stack overlap", () => {
    const { parseCidr, overlaps } = require("../../src/plan/cidr");
    for (const name of ["production", "staging"]) {
      const cidrs = Object.values<any>(stack(json, name).json.resource.aws_subnet).map((s) => parseCidr(s.cidr_block));
      cidrs.forEach((a: any, i: number) => cidrs.slice(i + 1).forEach((b: any) => expect(overlaps(a, b)).toBe(false)));
    }
  });

  it("HCL writes JSON policies as escaped strings (the patched renderer)", () => {
    const text = stack(hcl, "bootstrap").hcl!;
    expect(text).toContain('\\"aws:SecureTransport\\":\\"false\\"');
    expect(text).toContain('\\"${aws_s3_bucket.state-inpock-terraform-state-111111111111_bucket.arn}\\"');
  });
});
