import { TerraformOutput, TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { PolicyStatement } from "./iam";
import { lockDownBucket } from "./private-bucket";

export interface StateBucketProps {
  bucket: string;
  /** A DynamoDB lock table to create too; omit for S3-native locking. */
  lockTable?: string;
  /** The provider of the bucket's region; the stack's default when omitted. */
  provider?: TerraformProvider;
  /** Days an overwritten state version is kept, to roll a bad apply back. Default: 90. */
  noncurrentVersionDays?: number;
  /** Bucket policy statements besides the TLS-only deny: each other account's role and its keys. */
  grants?: PolicyStatement[];
}

/**
 * A bucket fit to hold Terraform state: versioned, encrypted, private,
 * owner-enforced, TLS-only, and protected from `terraform destroy`.
 */
export class StateBucket extends Construct {
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const { provider } = props;
    const bucket = new S3Bucket(this, "bucket", {
      provider,
      bucket: props.bucket,
      // The policy rule state-bucket-prevent-destroy finds state buckets by this tag.
      tags: { purpose: "terraform-state" },
      lifecycle: { preventDestroy: true },
    });
    this.bucketName = bucket.bucket;
    lockDownBucket(this, bucket, { provider, encryption: "aws:kms", policyId: "tls-only", allow: props.grants });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    if (props.lockTable) {
      new DynamodbTable(this, "lock-table", {
        provider,
        name: props.lockTable,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "LockID",
        attribute: [{ name: "LockID", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
        lifecycle: { preventDestroy: true },
      });
    }
    new TerraformOutput(this, "name", { value: bucket.bucket, description: "State bucket" });
  }
}
