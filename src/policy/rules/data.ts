import { asArray, perResource, PolicyRule, refersTo, resources, TerraformConfig } from "../model";

/** A bucket-level setting resource (versioning, encryption…) that points at the bucket. */
function settingFor(config: TerraformConfig, type: string, bucket: string, ok: (attrs: any) => boolean): boolean {
  return resources(config, type).some(([, s]) => refersTo(s.bucket, bucket) && ok(s));
}

const bucketRule = (rule: Omit<PolicyRule, "check">, problem: (config: TerraformConfig, bucket: string, attrs: any) => string | undefined): PolicyRule =>
  perResource(rule, ["aws_s3_bucket"], (attrs, address, config) => problem(config, address, attrs));

export const dataRules: PolicyRule[] = [
  bucketRule(
    { id: "s3-versioning", title: "S3 buckets are versioned", mirrors: ["checkov CKV_AWS_21"], fix: "Add aws_s3_bucket_versioning with status Enabled." },
    (config, b) => (settingFor(config, "aws_s3_bucket_versioning", b, (v) => v.versioning_configuration?.status === "Enabled") ? undefined : "not versioned"),
  ),
  bucketRule(
    {
      id: "s3-encryption",
      title: "S3 buckets encrypt by default (KMS, or SSE-S3 where a service needs it: load balancer logs)",
      mirrors: ["checkov CKV_AWS_19"],
      fix: "Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms (or AES256).",
    },
    (config, b) =>
      settingFor(config, "aws_s3_bucket_server_side_encryption_configuration", b, (e) =>
        asArray(e.rule).some((r: any) => ["aws:kms", "aws:kms:dsse", "AES256"].includes(r.apply_server_side_encryption_by_default?.sse_algorithm)),
      )
        ? undefined
        : "no default encryption",
  ),
  bucketRule(
    {
      id: "s3-public-access-block",
      title: "S3 buckets block every kind of public access",
      mirrors: ["checkov CKV_AWS_53", "checkov CKV_AWS_54", "checkov CKV_AWS_55", "checkov CKV_AWS_56"],
      fix: "Add aws_s3_bucket_public_access_block with all four settings true.",
    },
    (config, b) =>
      settingFor(config, "aws_s3_bucket_public_access_block", b, (p) =>
        ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => p[k] === true),
      )
        ? undefined
        : "public access is not fully blocked",
  ),
  bucketRule(
    {
      id: "s3-tls-only",
      title: "S3 buckets refuse requests without TLS",
      mirrors: [],
      fix: 'Add a bucket policy denying s3:* when aws:SecureTransport is "false".',
    },
    (config, b) =>
      settingFor(config, "aws_s3_bucket_policy", b, (p) => typeof p.policy === "string" && p.policy.includes('"aws:SecureTransport":"false"'))
        ? undefined
        : "requests without TLS are not denied",
  ),
  bucketRule(
    {
      id: "s3-owner-enforced",
      title: "S3 buckets disable ACLs (bucket owner enforced)",
      mirrors: ["checkov CKV2_AWS_65"],
      fix: "Add aws_s3_bucket_ownership_controls with object_ownership BucketOwnerEnforced.",
    },
    (config, b) =>
      settingFor(config, "aws_s3_bucket_ownership_controls", b, (o) => o.rule?.object_ownership === "BucketOwnerEnforced") ? undefined : "ACLs are enabled",
  ),
  bucketRule(
    {
      id: "s3-abort-incomplete-uploads",
      title: "S3 buckets abort incomplete multipart uploads",
      mirrors: ["checkov CKV_AWS_300"],
      fix: "Add a lifecycle rule with abort_incomplete_multipart_upload.",
    },
    (config, b) =>
      settingFor(config, "aws_s3_bucket_lifecycle_configuration", b, (l) => asArray(l.rule).some((r: any) => asArray(r.abort_incomplete_multipart_upload).length > 0))
        ? undefined
        : "incomplete uploads are kept",
  ),
  bucketRule(
    {
      id: "state-bucket-prevent-destroy",
      title: "Terraform state buckets (tagged purpose: terraform-state) are protected from terraform destroy",
      mirrors: [],
      fix: "Set lifecycle.prevent_destroy = true on the bucket.",
    },
    (_config, _b, bucket) =>
      bucket.tags?.purpose !== "terraform-state" || bucket.lifecycle?.prevent_destroy === true ? undefined : "destroy would delete every environment's state",
  ),
  perResource(
    {
      id: "dynamodb-point-in-time-recovery",
      title: "DynamoDB tables have point-in-time recovery",
      mirrors: ["checkov CKV_AWS_28"],
      fix: "Set point_in_time_recovery.enabled = true.",
    },
    ["aws_dynamodb_table"],
    (t) => (t.point_in_time_recovery?.enabled === true ? undefined : "no point-in-time recovery"),
  ),
  perResource(
    {
      id: "redis-encryption-at-rest",
      title: "ElastiCache Redis encrypts at rest",
      mirrors: ["checkov CKV_AWS_29"],
      fix: "Set at_rest_encryption_enabled = true.",
    },
    ["aws_elasticache_replication_group"],
    (r) => (String(r.at_rest_encryption_enabled) === "true" ? undefined : "not encrypted at rest"),
  ),
  perResource(
    {
      id: "redis-encryption-in-transit",
      title: "ElastiCache Redis encrypts in transit",
      mirrors: ["checkov CKV_AWS_30"],
      fix: "Set transit_encryption_enabled = true (clients use rediss://).",
    },
    ["aws_elasticache_replication_group"],
    (r) => (r.transit_encryption_enabled === true ? undefined : "not encrypted in transit"),
  ),
  perResource(
    {
      id: "redis-backups",
      title: "ElastiCache Redis keeps automatic backups",
      // checkov's CKV_AWS_134 checks aws_elasticache_cluster only, not replication groups.
      mirrors: [],
      fix: "Set snapshot_retention_limit to 1 or more days.",
    },
    ["aws_elasticache_replication_group"],
    (r) => (Number(r.snapshot_retention_limit ?? 0) > 0 ? undefined : "no automatic backups"),
  ),
];
