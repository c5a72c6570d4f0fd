import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { GITHUB_OIDC_HOST } from "../plan/environment";
import { policyDocument, PolicyStatement } from "./iam";

export interface ReleaseAccess {
  region: string;
  /** This environment's ECR repositories, pushed to by a release. */
  repositoryArns: string[];
  /** Repositories a release may pull from to promote their images here. */
  promoteFromRepositoryArns: string[];
  /** The roles a new task definition names (iam:PassRole). */
  taskRoleArns: string[];
  codeDeploy: { application: string; deploymentGroup: string };
  /** ECS cluster and service names, for describe calls while waiting for the deployment. */
  cluster: string;
  service: string;
}

export interface GithubAccessProps {
  /** `prefix`: the deploy role may manage the IAM roles whose names start with `<prefix>-` (the stack's). */
  names: { prefix: string; planRole: string; deployRole: string; releaseRole: string };
  accountId: string;
  /** `owner/name`. */
  repository: string;
  /** Jobs running in this GitHub environment may deploy and release. */
  deployEnvironment: string;
  /** The state object the plan role may lock and read (S3 state only). */
  state?: { bucket: string; key: string };
  /** Without a service there is nothing to release, and no release role. */
  release?: ReleaseAccess;
}

/**
 * The roles GitHub Actions assumes through OIDC (no stored AWS keys):
 * - plan: read-only, for `cdktf diff` on pull requests of the repository;
 * - deploy: applies the stack (PowerUserAccess and the stack's own IAM roles),
 *   only from jobs in the GitHub environment (whose protection rules, such as
 *   required reviewers, guard production);
 * - release: pushes images and starts CodeDeploy deployments, nothing else.
 */
export class GithubAccess extends Construct {
  constructor(scope: Construct, id: string, props: GithubAccessProps) {
    super(scope, id);
    const provider = `arn:aws:iam::${props.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
    const trust = (subject: string) =>
      policyDocument({
        Effect: "Allow",
        Principal: { Federated: provider },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com", [`${GITHUB_OIDC_HOST}:sub`]: subject },
        },
      });
    const inEnvironment = `repo:${props.repository}:environment:${props.deployEnvironment}`;
    const output = (name: string, role: IamRole, description: string) =>
      new TerraformOutput(this, name, { value: role.arn, description }).overrideLogicalId(name);

    const plan = new IamRole(this, "plan-role", {
      name: props.names.planRole,
      assumeRolePolicy: trust(`repo:${props.repository}:pull_request`),
      maxSessionDuration: 3600,
    });
    new IamRolePolicyAttachment(this, "plan-read-only", { role: plan.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    if (props.state) {
      const object = `arn:aws:s3:::${props.state.bucket}/${props.state.key}`;
      new IamRolePolicy(this, "plan-state-lock", {
        role: plan.id,
        name: "state-lock",
        // A plan takes the state lock: a lock file beside the state object.
        policy: policyDocument({ Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${object}.tflock` }),
      });
    }
    output("github_plan_role_arn", plan, "Role for cdktf diff on pull requests");

    const deploy = new IamRole(this, "deploy-role", {
      name: props.names.deployRole,
      assumeRolePolicy: trust(inEnvironment),
      maxSessionDuration: 7200,
    });
    // Everything but IAM, plus the IAM the stack needs: its own roles only, and none of these three.
    new IamRolePolicyAttachment(this, "deploy-power-user", { role: deploy.name, policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
    new IamRolePolicy(this, "deploy-stack-roles", {
      role: deploy.id,
      name: "manage-stack-roles",
      policy: deployIamPolicy(props.accountId, props.names.prefix),
    });
    output("github_deploy_role_arn", deploy, "Role for cdktf deploy from GitHub Actions");

    if (props.release) {
      const release = new IamRole(this, "release-role", {
        name: props.names.releaseRole,
        assumeRolePolicy: trust(inEnvironment),
        maxSessionDuration: 3600,
      });
      new IamRolePolicy(this, "release-policy", { role: release.id, name: "release", policy: releasePolicy(props.accountId, props.release) });
      output("github_release_role_arn", release, "Role for the release workflow");
    }
  }
}

/** AWS managed policies the stack attaches to its roles: the only ones the deploy role may attach. */
export const ATTACHABLE_POLICIES = ["AWSCodeDeployRoleForECS", "ReadOnlyAccess", "PowerUserAccess"].map((p) => `arn:aws:iam::aws:policy/${p}`);

/**
 * IAM for the deploy role: the stack's own roles (`<prefix>-*`) and service-linked roles. It may not change
 * the GitHub roles (its own among them: an administrator deploys those), nor attach any other managed policy.
 */
function deployIamPolicy(accountId: string, prefix: string): string {
  const roles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
  const githubRoles = `arn:aws:iam::${accountId}:role/${prefix}-github-*`;
  const write = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
  ];
  return policyDocument(
    {
      Sid: "StackRoles",
      Effect: "Allow",
      Action: [...write.filter((a) => !a.endsWith("AttachRolePolicy")), "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:PassRole"],
      Resource: roles,
    },
    {
      Sid: "AttachOnlyTheStacksPolicies",
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: roles,
      Condition: { ArnEquals: { "iam:PolicyARN": ATTACHABLE_POLICIES } },
    },
    { Sid: "ServiceLinkedRoles", Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: `arn:aws:iam::${accountId}:role/aws-service-role/*` },
    { Sid: "NotTheGithubRoles", Effect: "Deny", Action: write, Resource: githubRoles },
  );
}

function releasePolicy(accountId: string, r: ReleaseAccess): string {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${r.region}:${accountId}:${resource}`;
  const statements: PolicyStatement[] = [
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushImages",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ],
      Resource: r.repositoryArns,
    },
    // Registering and describing task definitions cannot be limited to a resource.
    { Sid: "TaskDefinitions", Effect: "Allow", Action: ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"], Resource: "*" },
    { Sid: "Service", Effect: "Allow", Action: "ecs:DescribeServices", Resource: arn("ecs", `service/${r.cluster}/${r.service}`) },
    {
      Sid: "PassTaskRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: r.taskRoleArns,
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
    {
      Sid: "Deploy",
      Effect: "Allow",
      Action: ["codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:GetDeploymentGroup", "codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision"],
      Resource: [
        arn("codedeploy", `deploymentgroup:${r.codeDeploy.application}/${r.codeDeploy.deploymentGroup}`),
        arn("codedeploy", `application:${r.codeDeploy.application}`),
      ],
    },
    { Sid: "DeploymentConfig", Effect: "Allow", Action: "codedeploy:GetDeploymentConfig", Resource: arn("codedeploy", "deploymentconfig:*") },
  ];
  if (r.promoteFromRepositoryArns.length > 0) {
    statements.push({
      Sid: "PullImagesToPromote",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
      Resource: r.promoteFromRepositoryArns,
    });
  }
  return policyDocument(...statements);
}
