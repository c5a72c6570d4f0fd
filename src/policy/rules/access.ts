import { asArray, parseJson, PolicyRule, resources, TerraformConfig } from "../model";

/** Actions with no resource type in AWS's Service Authorization Reference: "*" is the only resource they take. */
const UNSCOPABLE = new Set([
  "ecr:GetAuthorizationToken",
  "ecs:RegisterTaskDefinition",
  "ecs:DescribeTaskDefinition",
  "ec2:DescribeSecurityGroups",
  "logs:DescribeLogGroups",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
]);

/** Every inline policy statement, with the address of the resource that holds it. */
function statements(config: TerraformConfig): [string, any][] {
  return resources(config, "aws_iam_role_policy", "aws_iam_policy").flatMap(([address, p]) =>
    asArray(parseJson(p.policy)?.Statement).map((s: any) => [address, s] as [string, any]),
  );
}

export const accessRules: PolicyRule[] = [
  {
    id: "iam-no-administrator",
    title: "No role gets AdministratorAccess",
    mirrors: ["checkov CKV_AWS_274"],
    fix: "Grant what the role needs instead, or waive with the reason (an infrastructure deploy role) and guard its trust policy.",
    check: (config) =>
      resources(config, "aws_iam_role_policy_attachment")
        .filter(([, a]) => String(a.policy_arn).endsWith(":policy/AdministratorAccess"))
        .map(([address]) => ({ rule: "iam-no-administrator", resource: address, message: "attaches AdministratorAccess" })),
  },
  {
    id: "iam-no-wildcard-actions",
    title: 'No policy statement allows every action ("*" or "service:*")',
    mirrors: ["checkov CKV_AWS_63", "checkov CKV_AWS_62"],
    fix: "List the actions the role needs.",
    check: (config) =>
      statements(config)
        .filter(([, s]) => s.Effect === "Allow" && asArray(s.Action).some((a: string) => a === "*" || a.endsWith(":*")))
        .map(([address, s]) => ({ rule: "iam-no-wildcard-actions", resource: address, message: `allows ${asArray(s.Action).join(", ")}` })),
  },
  {
    id: "iam-scoped-resources",
    title: 'Allow statements name their resources; "*" only for actions that cannot be scoped',
    // CKV_AWS_111 checks aws_iam_policy_document data sources only; CKV_AWS_355 is its counterpart for policies.
    mirrors: ["checkov CKV_AWS_355", "checkov CKV_AWS_290"],
    fix: "Name the resources (ARNs) the actions apply to.",
    check: (config) =>
      statements(config)
        .filter(([, s]) => s.Effect === "Allow" && asArray(s.Resource).includes("*") && asArray(s.Action).some((a: string) => !UNSCOPABLE.has(a)))
        .map(([address, s]) => ({ rule: "iam-scoped-resources", resource: address, message: `${asArray(s.Action).join(", ")} on every resource` })),
  },
  {
    id: "iam-trust-scoped",
    title: "Roles trust a named service for this account, or a federated identity with a subject condition",
    mirrors: ["checkov CKV_AWS_60"],
    fix: "Name the service principal with an aws:SourceAccount condition, or a federated provider with a sub condition.",
    check: (config) =>
      resources(config, "aws_iam_role").flatMap(([address, role]) =>
        asArray(parseJson(role.assume_role_policy)?.Statement)
          .filter((s: any) => s.Effect === "Allow")
          .flatMap((s: any) => {
            const conditions = JSON.stringify(s.Condition ?? {});
            const principal = s.Principal;
            if (principal === "*" || principal?.AWS === "*") return [{ rule: "iam-trust-scoped", resource: address, message: "anyone may assume it" }];
            if (principal?.Service && !conditions.includes("aws:SourceAccount")) {
              return [{ rule: "iam-trust-scoped", resource: address, message: "a service may assume it for any account" }];
            }
            if (principal?.Federated && !conditions.includes(":sub")) {
              return [{ rule: "iam-trust-scoped", resource: address, message: "any identity of the provider may assume it" }];
            }
            return [];
          }),
      ),
  },
  {
    id: "provider-allowed-accounts",
    title: "Every AWS provider names the one account it may touch",
    mirrors: [],
    fix: "Set allowed_account_ids (from aws.accountId).",
    check: (config) =>
      (config.provider?.aws ?? [])
        .filter((p: any) => asArray(p.allowed_account_ids).length !== 1)
        .map((p: any) => ({ rule: "provider-allowed-accounts", resource: `provider.aws${p.alias ? `.${p.alias}` : ""}`, message: "any account's credentials would be used" })),
  },
  {
    id: "state-encrypted-and-locked",
    title: "S3 state is encrypted and locked",
    mirrors: [],
    fix: "Keep state.backend s3 with its defaults (encrypt, use_lockfile) or a DynamoDB lock table.",
    check(config) {
      const s3 = config.terraform?.backend?.s3;
      if (!s3) return [];
      const problems = [!s3.encrypt && "not encrypted", !s3.use_lockfile && !s3.dynamodb_table && "not locked"].filter(Boolean);
      return problems.length > 0 ? [{ rule: "state-encrypted-and-locked", resource: "terraform.backend.s3", message: problems.join(", ") }] : [];
    },
  },
  {
    id: "codedeploy-auto-rollback",
    title: "Blue/green deployments roll back on failure",
    mirrors: [],
    fix: "Enable auto_rollback_configuration with DEPLOYMENT_FAILURE (and DEPLOYMENT_STOP_ON_ALARM with alarms).",
    check: (config) =>
      resources(config, "aws_codedeploy_deployment_group")
        .filter(([, g]) => !(g.auto_rollback_configuration?.enabled === true && asArray(g.auto_rollback_configuration?.events).includes("DEPLOYMENT_FAILURE")))
        .map(([address]) => ({ rule: "codedeploy-auto-rollback", resource: address, message: "a failed deployment stays" })),
  },
];
