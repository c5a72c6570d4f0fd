import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { policyDocument } from "./iam";

export interface PermissionsBoundaryProps {
  name: string;
  accountId: string;
  /** `<app>-<environment>`: the stack's roles, which CodeDeploy passes to ECS, and its buckets. */
  prefix: string;
  /** The environment's `environment` tag: nothing tagged otherwise is within the boundary. */
  environment: string;
}

/**
 * The most any role of the stack may do, whatever its own policies say: no IAM, no Organizations, no
 * account settings, except passing the stack's own roles to ECS; nothing tagged with another environment
 * and no object outside the stack's own buckets (AWS's CodeDeploy policy alone would let this
 * environment's deployments modify any listener and read any object, other environments' state included). The GitHub deploy role may create and
 * change roles only with this boundary, and may not change the boundary itself, so no role it makes can
 * grant itself more (docs/iam.md).
 */
export class PermissionsBoundary extends Construct {
  /** A reference to the policy: roles that carry the boundary wait for it. */
  readonly arn: string;
  /** The same ARN as a plain string, for conditions in policies that may exist before it. */
  readonly staticArn: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    const policy = new IamPolicy(this, "policy", {
      name: props.name,
      description: "Permissions boundary of every role the stack creates",
      policy: policyDocument(
        { Sid: "NoIam", Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
        {
          Sid: "PassStackRolesToEcs",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: `arn:aws:iam::${props.accountId}:role/${props.prefix}-*`,
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        {
          Sid: "NothingOfAnotherEnvironment",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:ResourceTag/environment": props.environment }, Null: { "aws:ResourceTag/environment": "false" } },
        },
        { Sid: "OnlyThisStacksObjects", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: `arn:aws:s3:::${props.prefix}-*/*` },
      ),
    });
    this.arn = policy.arn;
    this.staticArn = `arn:aws:iam::${props.accountId}:policy/${props.name}`;
  }
}
