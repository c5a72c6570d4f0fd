/**
 * IAM policy documents as JSON strings. References (`bucket.arn`) may appear
 * in them: they stay `${...}` templates, which Terraform fills in.
 * JSON.stringify is used instead of Fn.jsonencode, whose output cdktf 0.21
 * does not escape.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: Record<string, string | string[]> | "*";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(...statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** A trust policy letting one AWS service assume a role, only for our account. */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
}
