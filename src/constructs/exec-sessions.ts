import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { policyDocument } from "./iam";

export interface ExecSessionsProps {
  names: { keyAlias: string; logGroup: string };
  accountId: string;
  region: string;
  /** The task role: ECS Exec's agent in the task opens its channels with it. */
  taskRoleName: string;
  /** Days the session logs are kept. */
  logRetentionDays: number;
}

/**
 * ECS Exec (`aws ecs execute-command`) with encrypted, logged sessions: a customer-managed KMS key
 * (rotated yearly) encrypts the session channel and the session log group, and the task role may
 * open channels, use the key and write the log, nothing more. The cluster and the service switch
 * exec on with `executeCommandConfiguration` and `enableExecuteCommand`.
 */
export class ExecSessions extends Construct {
  readonly kmsKeyArn: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: ExecSessionsProps) {
    super(scope, id);
    const logGroupArn = `arn:aws:logs:${props.region}:${props.accountId}:log-group:${props.names.logGroup}`;
    const key = new KmsKey(this, "key", {
      description: `ECS Exec sessions and their logs (${props.names.logGroup})`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${props.accountId}:root` }, Action: "kms:*", Resource: "*" },
        {
          // CloudWatch Logs encrypts the session log with this key, for this log group only.
          Sid: "LogsEncryptSessionLog",
          Effect: "Allow",
          Principal: { Service: `logs.${props.region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } },
        },
      ),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.names.keyAlias}`, targetKeyId: key.keyId });
    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: props.names.logGroup,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: key.arn,
    });
    new IamRolePolicy(this, "task-role-exec", {
      role: props.taskRoleName,
      name: "ecs-exec",
      policy: policyDocument(
        {
          Sid: "OpenExecChannels",
          Effect: "Allow",
          Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
          Resource: "*",
        },
        { Sid: "UseSessionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key.arn },
        { Sid: "WriteSessionLog", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: `${logGroupArn}:*` },
        // The agent checks the group exists; DescribeLogGroups is granted on the account's groups, not on one.
        { Sid: "FindSessionLog", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:${props.region}:${props.accountId}:log-group:*` },
      ),
    });
    this.kmsKeyArn = key.arn;
    this.logGroupName = logGroup.name;
  }
}
