import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { policyDocument } from "./iam";

export interface NotificationsProps {
  /** The topic's name and the key's alias. */
  name: string;
  accountId: string;
  region: string;
  /** Email addresses subscribed (each confirms by email). Default: none. */
  emails?: string[];
}

/** The AWS services that publish to the topic on their own: alarms and EventBridge rules. */
const PUBLISHING_SERVICES = ["cloudwatch.amazonaws.com", "events.amazonaws.com"];

/**
 * The environment's encrypted SNS topic for alarms, failed deployments and failed scheduled runs.
 * Encrypted with a key of its own: the AWS-managed key (alias/aws/sns) lets no AWS service use it, so
 * CloudWatch alarms and EventBridge rules could not publish to a topic encrypted with it.
 */
export class Notifications extends Construct {
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const sourceAccount = { StringEquals: { "aws:SourceAccount": props.accountId } };
    const key = new KmsKey(this, "key", {
      description: `Messages of the ${props.name} topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${props.accountId}:root` }, Action: "kms:*", Resource: "*" },
        {
          // What alias/aws/sns allows: this account's principals (CodeDeploy's role), through SNS only.
          Sid: "AccountPublishesThroughSns",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "kms:CallerAccount": props.accountId, "kms:ViaService": `sns.${props.region}.amazonaws.com` } },
        },
        { Sid: "ServicesPublish", Effect: "Allow", Principal: { Service: PUBLISHING_SERVICES }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: sourceAccount },
      ),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.name}`, targetKeyId: key.keyId });
    const topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: key.arn });
    new SnsTopicPolicy(this, "topic-policy", {
      arn: topic.arn,
      policy: policyDocument(
        {
          Sid: "AccountUses",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
          Action: ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"],
          Resource: topic.arn,
        },
        { Sid: "ServicesPublish", Effect: "Allow", Principal: { Service: PUBLISHING_SERVICES }, Action: "sns:Publish", Resource: topic.arn, Condition: sourceAccount },
      ),
    });
    (props.emails ?? []).forEach((email, i) => new SnsTopicSubscription(this, `notify-${i}`, { topicArn: topic.arn, protocol: "email", endpoint: email }));
    this.topicArn = topic.arn;
  }
}
