/**
 * The environment manifest: one YAML file per environment, validated here.
 * Every key is documented in docs/manifest.md (a test keeps the two in step).
 */
import { z } from "zod";
import { awsId, cidr, dnsLabel, retentionDays, strict } from "./schema-parts";
import { CHECKOV_ID, RULE_IDS } from "../policy";
import { serviceSchema } from "./service-schema";
import { backgroundSections } from "./background-schema";
import { webServicesSection } from "./web-services-schema";

const flowLogs = strict({
  /** Send VPC flow logs to CloudWatch Logs. */
  enabled: z.boolean().default(true),
  retentionDays: retentionDays.default(90),
}).prefault({});

/** `one` NAT gateway for the VPC, or one `perAz` so that losing an AZ keeps egress up. */
const natGateways = z.enum(["one", "perAz"], { error: 'expected "one" or "perAz"' }).default("perAz");

const newVpc = strict({
  type: z.literal("new"),
  cidr,
  /** An Amazon-provided IPv6 block, so the load balancer is dual-stack (AAAA records). */
  ipv6: z.boolean().default(true),
  natGateways,
  /** Environments in the same account and region whose blocks may overlap this one's: VPCs never peered or routed together. */
  allowCidrOverlapWith: z.array(z.string().min(1)).optional(),
  flowLogs,
});

const existingVpc = strict({
  type: z.literal("existing"),
  vpcId: awsId("vpc", "vpc-0123456789abcdef0"),
  /** Every CIDR block associated with the VPC (primary first). */
  cidrBlocks: z.array(cidr).min(1, { error: "expected at least one CIDR block" }),
  /** CIDRs already used by subnets in the VPC; new subnets avoid them. */
  usedCidrs: z.array(cidr).default([]),
  internetGatewayId: awsId("igw", "igw-0123456789abcdef0"),
  /** A block to associate with the VPC and carve the new subnets from. */
  secondaryCidr: cidr.optional(),
  natGateways,
  /** Existing NAT gateways to route through instead of creating new ones: one, or one per AZ. */
  natGatewayIds: z.array(awsId("nat", "nat-0123456789abcdef0")).min(1).optional(),
  /** Environments in the same account and region whose blocks may overlap this one's: VPCs never peered or routed together. */
  allowCidrOverlapWith: z.array(z.string().min(1)).optional(),
  flowLogs,
});

const network = z.discriminatedUnion("type", [newVpc, existingVpc], {
  error: 'expected network.type: "new" (create a VPC) or "existing" (add subnets to one)',
});

const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)" });

const s3State = strict({
  backend: z.literal("s3"),
  bucket: bucketName,
  /** Defaults to aws.region. */
  region: z.string().optional(),
  /** The account that owns the bucket; defaults to aws.accountId. */
  accountId: z.string().regex(/^\d{12}$/, { error: "expected a 12-digit account id in quotes" }).optional(),
  /** `lockfile`: S3-native locking (Terraform >= 1.10); `dynamodb`: a lock table. */
  locking: z.enum(["lockfile", "dynamodb"], { error: 'expected "lockfile" or "dynamodb"' }).default("lockfile"),
  lockTable: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, { error: "expected a DynamoDB table name" }).optional(),
  /**
   * With the bucket in another account (state.accountId): the role there that this environment's backend
   * assumes, created by the bootstrap stack. Defaults to `<app>-<environment>-terraform-state`.
   */
  roleName: z.string().regex(/^[A-Za-z0-9+=,.@_-]{1,64}$/, { error: "expected an IAM role name (1-64 letters, digits and +=,.@_-)" }).optional(),
});

const cloudState = strict({
  backend: z.literal("cloud"),
  organization: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: "expected a Terraform Cloud organization name (letters, digits, - and _)" }),
  /** Defaults to `<app>-<environment>`. */
  workspace: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, { error: "expected a workspace name (1-90 letters, digits, - and _)" }).optional(),
  hostname: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, { error: "expected a hostname, such as app.terraform.io" }).default("app.terraform.io"),
  /** The Terraform Cloud project that holds the workspace: pinned in the dynamic credentials' trust. */
  project: z.string().regex(/^[A-Za-z0-9 _-]{3,40}$/, { error: "expected a Terraform Cloud project name (3-40 letters, digits, spaces, - and _)" }).default("Default Project"),
  /** Runs in Terraform Cloud assume this environment's roles through OIDC (TFC_AWS_* workspace variables). */
  dynamicCredentials: z.boolean().default(true),
  /** Terraform Cloud's OIDC provider in the account: created by the first such environment there, or one that exists. */
  oidcProvider: z.enum(["create", "existing"], { error: "expected create or existing" }).default("create"),
});

const localState = strict({
  backend: z.literal("local"),
  /** Relative to the stack's folder (cdktf.out/stacks/<env>); defaults to `terraform.<environment>.tfstate` in the project root. */
  path: z.string().optional(),
});

const state = z.discriminatedUnion("backend", [s3State, cloudState, localState], {
  error: 'expected state.backend: "s3", "cloud" or "local"',
});

const common = {
  /** The application's name: the first part of every resource name. */
  app: dnsLabel("an app name", 20),
  /** The environment's name; must match the file's name (production.yaml: production). */
  environment: dnsLabel("an environment name", 12),
};

/** An environment on AWS: the default platform. */
export const awsManifestSchema = strict({
  platform: z.literal("aws"),
  ...common,
  aws: strict({
    region: z.string({ error: "expected an AWS region such as ap-northeast-2" }),
    accountId: z
      .string({ error: "expected a 12-digit account id in quotes (YAML reads bare digits as a number)" })
      .regex(/^\d{12}$/, { error: "expected a 12-digit account id" }),
    availabilityZones: z
      .array(z.string())
      .min(2, { error: "expected 2 or 3 availability zones" })
      .max(3, { error: "expected 2 or 3 availability zones" }),
  }),
  network,
  state,
  /**
   * A throwaway environment: `terraform destroy` removes everything, contents included (access-log
   * buckets force_destroy, image repositories force_delete, no load balancer deletion protection).
   */
  disposable: z.boolean().default(false),
  /** The web service; without it the stack holds the network only. */
  service: serviceSchema.optional(),
  ...webServicesSection,
  ...backgroundSections,
  /** GitHub Actions may plan, deploy and release this environment through OIDC roles. */
  github: strict({
    /** `owner/name`: only this repository's workflows may assume the roles. */
    repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: "expected owner/name, such as acme/shop" }),
    /** The GitHub environment whose jobs may deploy and release; defaults to the environment's name. */
    deployEnvironment: z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: "expected a GitHub environment name" }).optional(),
    /** Another environment whose images a release may promote into this one (staging, for production). */
    promoteFrom: dnsLabel("an environment name", 12).optional(),
    /** The branch whose infra and release workflows may deploy and release (pinned in the roles' trust). */
    branch: z.string().regex(/^[A-Za-z0-9._\/-]{1,255}$/, { error: "expected a branch name, such as main" }).default("main"),
    /** GitHub's OIDC provider in this account: created by the project, or one that already exists there. */
    oidcProvider: z.enum(["create", "existing"], { error: "expected create or existing" }).default("create"),
  }).optional(),
  /** Policy rules this environment does not follow, each with the reason (shown in the review report). */
  policy: strict({
    waivers: z
      .array(
        strict({
          rule: z.string().refine((id) => RULE_IDS.includes(id) || CHECKOV_ID.test(id), {
            error: `expected a policy rule id (${RULE_IDS.join(", ")}) or a checkov check id such as CKV_AWS_158`,
          }),
          reason: z.string().min(10, { error: "expected a reason of at least 10 characters: why the rule does not apply here" }),
          /** Terraform addresses the waiver is limited to; every resource when absent. */
          resources: z.array(z.string().regex(/^[a-z0-9_]+\.[A-Za-z0-9_-]+$/, { error: "expected a Terraform address, such as aws_iam_policy.boundary_policy" })).min(1).optional(),
        }),
      )
      .default([]),
  }).prefault({}),
  /** Tags on every resource, besides app, environment and managed-by. */
  tags: z.record(z.string().max(128), z.string().max(256)).default({}),
});

/** A developer's machine: the same containers through the Docker provider. */
export const dockerManifestSchema = strict({
  platform: z.literal("docker"),
  ...common,
  docker: strict({
    /** The host port nginx is published on: http://localhost:<hostPort>. */
    hostPort: z.number().int().min(1).max(65535).default(8080),
    /** Run a Redis container and give Django its URL. */
    redis: z.boolean().default(true),
    /** Local-only values, secrets included (a development key, DEBUG); never use these on AWS. */
    environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
  }).prefault({}),
  /** The same service settings as on AWS; `domain`, the load balancer and CodeDeploy are not used. */
  service: serviceSchema.prefault({}),
  ...backgroundSections,
});

/** `platform` defaults to aws, so AWS manifests need not say it. */
export const manifestSchema = z.preprocess(
  (data) => (data && typeof data === "object" && !Array.isArray(data) && !("platform" in data) ? { platform: "aws", ...data } : data),
  z.discriminatedUnion("platform", [awsManifestSchema, dockerManifestSchema], {
    error: 'expected platform: "aws" (the default) or "docker" (a local environment)',
  }),
);

export type AwsManifest = z.infer<typeof awsManifestSchema>;
export type DockerManifest = z.infer<typeof dockerManifestSchema>;
export type Manifest = AwsManifest | DockerManifest;
export type NetworkManifest = AwsManifest["network"];
export type StateManifest = AwsManifest["state"];
export type { ServiceManifest } from "./service-schema";
