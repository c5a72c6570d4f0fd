import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { PolicyStatement } from "./iam";
import { lockDownBucket } from "./private-bucket";

/**
 * Elastic Load Balancing's log-delivery account in each region opened before
 * August 2022; newer regions use the logdelivery.elasticloadbalancing service principal.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-northeast-1": "582318560864",
  "ap-northeast-2": "600734575887",
  "ap-northeast-3": "383597477331",
  "ap-south-1": "718504428378",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-southeast-3": "589379963580",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
  "eu-south-1": "635631232127",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
};

export interface AccessLogBucketProps {
  name: string;
  region: string;
  accountId: string;
  /** Key prefix the load balancer writes under. */
  prefix: string;
  /** Days the logs are kept. */
  expireDays: number;
  /** Let destroy delete the bucket with its logs (the load balancer writes a test object at once). */
  forceDestroy?: boolean;
}

/**
 * A private bucket the load balancer writes its access logs to: SSE-S3 (the
 * only encryption access logs support), versioned, TLS-only, logs expired after
 * `expireDays`, and written only by Elastic Load Balancing for this account.
 */
export class AccessLogBucket extends Construct {
  readonly bucketName: string;
  /** The bucket policy: the load balancer must wait for it, since AWS checks it when logging is enabled. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", { bucket: props.name, forceDestroy: props.forceDestroy || undefined });
    this.bucketName = bucket.bucket;
    const elbAccount = ELB_LOG_ACCOUNTS[props.region];
    const writer: PolicyStatement = {
      Sid: "LoadBalancerWritesLogs",
      Effect: "Allow",
      Principal: elbAccount ? { AWS: `arn:aws:iam::${elbAccount}:root` } : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucket.arn}/${props.prefix ? `${props.prefix}/` : ""}AWSLogs/${props.accountId}/*`,
    };
    // SSE-S3: the only default encryption load balancer access logs support.
    this.policy = lockDownBucket(this, bucket, { encryption: "AES256", policyId: "policy", allow: [writer] });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.expireDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
}
