import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { policyDocument, PolicyStatement } from "./iam";

export interface LockDownOptions {
  provider?: TerraformProvider;
  /** Default encryption: aws:kms with a bucket key, or AES256 where a service needs SSE-S3 (load balancer logs). */
  encryption: "aws:kms" | "AES256";
  /** The construct id of the bucket policy. */
  policyId: string;
  /** Statements besides the TLS-only deny, such as who may write. */
  allow?: PolicyStatement[];
}

/**
 * What every bucket of this project gets, created in `scope` beside the bucket: versioning, default
 * encryption, all public access blocked, ACLs disabled (owner enforced), and a policy denying any
 * request without TLS. Returns the policy, which writers may have to wait for.
 */
export function lockDownBucket(scope: Construct, bucket: S3Bucket, options: LockDownOptions): S3BucketPolicy {
  const { provider } = options;
  new S3BucketVersioningA(scope, "versioning", { provider, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  new S3BucketServerSideEncryptionConfigurationA(scope, "encryption", {
    provider,
    bucket: bucket.id,
    rule: [
      options.encryption === "aws:kms"
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ],
  });
  new S3BucketPublicAccessBlock(scope, "public-access-block", {
    provider,
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, "ownership", { provider, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  return new S3BucketPolicy(scope, options.policyId, {
    provider,
    bucket: bucket.id,
    policy: policyDocument(...(options.allow ?? []), {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucket.arn, `${bucket.arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    }),
  });
}
