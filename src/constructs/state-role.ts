import { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument, PolicyStatement } from "./iam";

export interface StateRoleProps {
  name: string;
  environment: string;
  /** The environment's account: the only principal the role trusts. */
  trustedAccountId: string;
  /** The state account (this stack's). */
  accountId: string;
  bucket: string;
  region: string;
  key: string;
  lockTable?: string;
  provider?: TerraformProvider;
}

/** The objects Terraform's S3 backend touches for one state key: the state and its lock file. */
export function stateObjects(bucket: string, key: string): string[] {
  return [`arn:aws:s3:::${bucket}/${key}`, `arn:aws:s3:::${bucket}/${key}.tflock`];
}

/**
 * The prefixes the role may list: its key, and `env:/`, where `terraform init` looks for workspaces
 * (their names, no data; the stacks use the default workspace only).
 */
export function listPrefixes(key: string): string[] {
  return [key, "env:/"];
}

/**
 * A role in the state account through which one environment of another account reaches its own state
 * keys: assumed by its backend (`assume_role`), trusted by that account only, allowed its keys only.
 * The state bucket's policy names the role too (grant and deny), so widening either policy alone
 * still reaches no other environment's state.
 */
export class StateRole extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: StateRoleProps) {
    super(scope, id);
    const { provider } = props;
    const role = new IamRole(this, "role", {
      provider,
      name: props.name,
      description: `Terraform state of ${props.environment} (account ${props.trustedAccountId}): its keys in ${props.bucket} only`,
      assumeRolePolicy: policyDocument({
        Sid: "EnvironmentAccountOnly",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${props.trustedAccountId}:root` },
        Action: "sts:AssumeRole",
      }),
      // An environment's deploy role is denied anything tagged with another environment (github-access).
      tags: { environment: props.environment },
    });
    this.arn = role.arn;
    new IamRolePolicy(this, "policy", { provider, role: role.id, name: "own-state-only", policy: policyDocument(...stateRoleStatements(props)) });
  }
}

/** What Terraform's S3 backend needs for one key, and nothing more. */
export function stateRoleStatements(p: Pick<StateRoleProps, "bucket" | "key" | "lockTable" | "region" | "accountId">): PolicyStatement[] {
  const [state, lock] = stateObjects(p.bucket, p.key);
  const statements: PolicyStatement[] = [
    { Sid: "ListOwnKey", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${p.bucket}`, Condition: { StringEquals: { "s3:prefix": listPrefixes(p.key) } } },
    { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: state },
    { Sid: "OwnLockFile", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: lock },
  ];
  if (p.lockTable) {
    // The S3 backend's lock item is `<bucket>/<key>`, its checksum item `<bucket>/<key>-md5`.
    statements.push({
      Sid: "OwnLockItems",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
      Resource: `arn:aws:dynamodb:${p.region}:${p.accountId}:table/${p.lockTable}`,
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [`${p.bucket}/${p.key}`, `${p.bucket}/${p.key}-md5`] } },
    });
  }
  return statements;
}

/** The state bucket's statements for an environment's role: its keys granted, everything else in the bucket denied. */
export function stateGrantStatements(roleArn: string, environment: string, bucket: string, key: string): PolicyStatement[] {
  const objects = stateObjects(bucket, key);
  // Sids take letters and digits only; environment names are lower case, so "X" for "-" stays unique.
  const sid = environment.replace(/-/g, "X");
  return [
    { Sid: `StateOf${sid}`, Effect: "Allow", Principal: { AWS: roleArn }, Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: objects },
    { Sid: `ListStateOf${sid}`, Effect: "Allow", Principal: { AWS: roleArn }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringEquals: { "s3:prefix": listPrefixes(key) } } },
    { Sid: `OnlyStateOf${sid}`, Effect: "Deny", Principal: { AWS: roleArn }, Action: "s3:*", NotResource: [`arn:aws:s3:::${bucket}`, ...objects] },
    { Sid: `OnlyListStateOf${sid}`, Effect: "Deny", Principal: { AWS: roleArn }, Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringNotEquals: { "s3:prefix": listPrefixes(key) } } },
  ];
}
