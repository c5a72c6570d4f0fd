import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { TerraformCloudCredentialsPlan } from "../plan/environment";
import { containPolicy, ContainScope, deployIamPolicy, planPolicy } from "./github-access";
import { policyDocument } from "./iam";

export interface TerraformCloudAccessProps {
  credentials: TerraformCloudCredentialsPlan;
  hostname: string;
  organization: string;
  project: string;
  workspace: string;
  accountId: string;
  /** The stack's permissions boundary: the apply role changes the stack's roles only with it. */
  boundaryArn: string;
  /** The environment the apply role is kept to (as for GitHub's deploy role). */
  scope: ContainScope;
}

/**
 * The subject of Terraform Cloud's workload identity token for one run phase of one workspace:
 * organization, project, workspace and phase, which the trust pins exactly.
 */
export function terraformCloudSubject(p: { organization: string; project: string; workspace: string }, phase: "plan" | "apply"): string {
  return `organization:${p.organization}:project:${p.project}:workspace:${p.workspace}:run_phase:${phase}`;
}

/**
 * Dynamic provider credentials for Terraform Cloud runs: its OIDC provider (once per account) and two
 * roles, each trusted for one run phase of this workspace only. The plan role reads (no data); the apply
 * role deploys the stack like GitHub's deploy role, kept to this environment, and cannot change the roles
 * that runs assume.
 */
export class TerraformCloudAccess extends Construct {
  constructor(scope: Construct, id: string, props: TerraformCloudAccessProps) {
    super(scope, id);
    const { credentials: c, hostname, accountId } = props;
    const url = `https://${hostname}`;
    const providerArn = c.createsOidcProvider
      ? new IamOpenidConnectProvider(this, "oidc", { url, clientIdList: [c.audience] }).arn
      : c.oidcProvider === "existing"
        ? new DataAwsIamOpenidConnectProvider(this, "oidc", { url }).arn
        : `arn:aws:iam::${accountId}:oidc-provider/${hostname}`;
    const trust = (phase: "plan" | "apply") =>
      policyDocument({
        Sid: `TerraformCloud${phase === "plan" ? "Plan" : "Apply"}Phase`,
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${hostname}:aud`]: c.audience, [`${hostname}:sub`]: terraformCloudSubject(props, phase) } },
      });

    const plan = new IamRole(this, "plan-role", { name: c.planRole, assumeRolePolicy: trust("plan"), maxSessionDuration: 3600 });
    new IamRolePolicyAttachment(this, "plan-read-only", { role: plan.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    new IamRolePolicy(this, "plan-no-data", { role: plan.id, name: "no-data", policy: policyDocument(...planPolicy(undefined)) });

    const apply = new IamRole(this, "apply-role", { name: c.applyRole, assumeRolePolicy: trust("apply"), maxSessionDuration: 7200 });
    const prefix = props.scope.names.prefix;
    new IamRolePolicyAttachment(this, "apply-power-user", { role: apply.name, policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
    new IamRolePolicy(this, "apply-stack-roles", { role: apply.id, name: "manage-stack-roles", policy: deployIamPolicy(accountId, prefix, props.boundaryArn) });
    new IamRolePolicy(this, "apply-this-environment-only", { role: apply.id, name: "this-environment-only", policy: containPolicy(props.scope, undefined) });
    const runRoles = `arn:aws:iam::${accountId}:role/${prefix}-tfc-*`;
    new IamRolePolicy(this, "apply-not-its-own-roles", {
      role: apply.id,
      name: "not-the-run-roles",
      policy: policyDocument(
        // Terraform refreshes the provider and the run roles; an administrator changes them (docs/terraform-cloud.md).
        { Sid: "ReadTheOidcProvider", Effect: "Allow", Action: "iam:GetOpenIDConnectProvider", Resource: `arn:aws:iam::${accountId}:oidc-provider/${hostname}` },
        {
          Sid: "NotTheRunRoles",
          Effect: "Deny",
          Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PassRole"],
          Resource: runRoles,
        },
      ),
    });
    for (const [name, role, description] of [
      ["tfc_plan_role_arn", plan, "TFC_AWS_PLAN_ROLE_ARN of the workspace"],
      ["tfc_apply_role_arn", apply, "TFC_AWS_APPLY_ROLE_ARN of the workspace"],
    ] as const) {
      new TerraformOutput(this, name, { value: role.arn, description }).overrideLogicalId(name);
    }
  }
}
