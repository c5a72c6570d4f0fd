import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { ProjectStack } from "../../stacks/project-stack";
import { configureStateBackend } from "../../src/constructs/state-backend";
import { StateBucket } from "../../src/constructs/state-bucket";
import { StatePlan } from "../../src/plan/environment";
import { resourcesOf, synthJson, testApp } from "../support/app";

const s3: StatePlan = {
  backend: "s3",
  bucket: "shop-tfstate",
  region: "ap-northeast-2",
  key: "shop/prod/terraform.tfstate",
  accountId: "123456789012",
  locking: "lockfile",
};

function terraformBlock(state: StatePlan): any {
  const stack = new ProjectStack(testApp(), "test");
  configureStateBackend(stack, state);
  return synthJson(stack).terraform;
}

describe("state backend", () => {
  it("S3: encrypted, one key per stack, S3-native locking", () => {
    expect(terraformBlock(s3).backend).toEqual({
      s3: { bucket: "shop-tfstate", key: "shop/prod/terraform.tfstate", region: "ap-northeast-2", encrypt: true, use_lockfile: true },
    });
  });

  it("S3 with a DynamoDB lock table instead of the lock file", () => {
    const backend = terraformBlock({ ...s3, locking: "dynamodb", lockTable: "shop-tflock" }).backend.s3;
    expect(backend.dynamodb_table).toBe("shop-tflock");
    expect(backend.use_lockfile).toBeUndefined();
  });

  it("Terraform Cloud: a cloud block with the organization and the stack's workspace", () => {
    const block = terraformBlock({ backend: "cloud", organization: "acme", workspace: "shop-prod", hostname: "app.terraform.io", project: "Default Project" });
    expect(block.cloud).toEqual({ hostname: "app.terraform.io", organization: "acme", workspaces: { name: "shop-prod", project: "Default Project" } });
    expect(block.backend).toBeUndefined();
  });

  it("local, for trying it out", () => {
    expect(terraformBlock({ backend: "local", path: "terraform.dev.tfstate" }).backend).toEqual({ local: { path: "terraform.dev.tfstate" } });
  });

  it("pins the Terraform version that S3-native locking needs", () => {
    expect(terraformBlock(s3).required_version).toBe(">= 1.10.0");
  });
});

describe("StateBucket", () => {
  function synth(lockTable?: string): any {
    const stack = new ProjectStack(testApp(), "test");
    new StateBucket(stack, "state", { bucket: "shop-tfstate", lockTable });
    return synthJson(stack);
  }

  it("matches the snapshot", () => {
    expect(synth("shop-tflock")).toMatchSnapshot();
  });

  it("is versioned, encrypted, private, owner-enforced and protected from destroy", () => {
    const json = synth();
    expect(resourcesOf(json, "aws_s3_bucket").state_bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(json, "aws_s3_bucket_versioning").state_versioning.versioning_configuration.status).toBe("Enabled");
    expect(
      resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration").state_encryption.rule[0].apply_server_side_encryption_by_default
        .sse_algorithm,
    ).toBe("aws:kms");
    expect(resourcesOf(json, "aws_s3_bucket_public_access_block")["state_public-access-block"]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resourcesOf(json, "aws_s3_bucket_ownership_controls").state_ownership.rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  it("denies every request that does not use TLS", () => {
    const policy = JSON.parse(resourcesOf(synth(), "aws_s3_bucket_policy")["state_tls-only"].policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["${aws_s3_bucket.state_bucket.arn}", "${aws_s3_bucket.state_bucket.arn}/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("creates the lock table only when DynamoDB locking is chosen", () => {
    expect(resourcesOf(synth(), "aws_dynamodb_table")).toEqual({});
    expect(resourcesOf(synth("shop-tflock"), "aws_dynamodb_table")["state_lock-table"]).toMatchObject({
      name: "shop-tflock",
      hash_key: "LockID",
      lifecycle: { prevent_destroy: true },
    });
  });
});

describe("BootstrapStack", () => {
  const plan = {
    accountId: "123456789012",
    tags: { app: "shop" },
    githubOidc: false,
    stateRoles: [],
    buckets: [
      { bucket: "shop-tfstate", region: "ap-northeast-2", environments: ["prod"] },
      { bucket: "shop-tfstate-us", region: "us-east-1", environments: ["us"] },
    ],
  };

  it("keeps its own state locally until told to use its bucket", () => {
    expect(synthJson(new BootstrapStack(testApp(), "bootstrap", { plan })).terraform.backend).toEqual({
      local: { path: "../../../terraform.bootstrap.tfstate" },
    });
    expect(synthJson(new BootstrapStack(testApp(), "bootstrap", { plan, stateInBucket: true })).terraform.backend.s3).toMatchObject({
      bucket: "shop-tfstate",
      key: "bootstrap/terraform.tfstate",
      use_lockfile: true,
    });
  });

  it("uses one provider per region, each limited to the state account", () => {
    const json = synthJson(new BootstrapStack(testApp(), "bootstrap", { plan }));
    expect(json.provider.aws.map((p: any) => [p.alias, p.region, p.allowed_account_ids])).toEqual([
      [undefined, "ap-northeast-2", ["123456789012"]],
      ["us-east-1", "us-east-1", ["123456789012"]],
    ]);
    expect(resourcesOf(json, "aws_s3_bucket")["state-shop-tfstate-us_bucket"].provider).toBe("aws.us-east-1");
  });
});
