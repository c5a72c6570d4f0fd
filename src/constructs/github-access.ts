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
  /** Worker services a release rolls to the new image (update-service). Default: none. */
  workerServices?: string[];
  /** The SSM parameter with the web service's network settings, which each deployment's AppSpec carries. */
  networkParameter?: string;
  /** The release tasks' family: a release runs its tasks before traffic moves. Default: none. */
  releaseTaskFamily?: string;
  /** Routed web services (webServices): a release deploys each through its own group. Default: none. */
  webServices?: { deploymentGroup: string; networkParameter: string }[];
}

export interface GithubAccessProps {
  /** `prefix`: the deploy role may manage the IAM roles whose names start with `<prefix>-` (the stack's). */
  names: { prefix: string; planRole: string; deployRole: string; releaseRole: string };
  accountId: string;
  /** GitHub's OIDC provider in the account (a reference when this stack creates it). */
  oidcProviderArn: string;
  /** `owner/name`. */
  repository: string;
  /** Jobs running in this GitHub environment may deploy and release. */
  deployEnvironment: string;
  /** The state object the plan role may lock and read (S3 state only), and the role in the state account when the bucket is in another. */
  state?: { bucket: string; key: string; roleArn?: string };
  /** Without a service there is nothing to release, and no release role. */
  release?: ReleaseAccess;
  /** The environment's name, as its resources' `environment` tag says: the deploy role touches nothing tagged otherwise. */
  environment: string;
  /** The permissions boundary every role the deploy role creates or changes must carry. */
  boundaryArn: string;
  /** The branch whose workflows may deploy and release (the job_workflow_ref they must come from). */
  branch: string;
  /** Route 53 zones the stack writes records in. */
  hostedZoneIds: string[];
  /** Names the stack's own resources start with: ECR repositories and log groups (`<app>/<environment>`). */
  namePaths: { repositories: string; logGroups: string };
}

/**
 * The OIDC subject of a job, as the repository's customized subject template makes it
 * (`include_claim_keys: ["repo", "context", "job_workflow_ref"]`, docs/iam.md): which repository, which
 * environment or event, and which workflow file at which ref. IAM evaluates only `sub` and `aud` for
 * GitHub's tokens, so the workflow and branch must be in the subject to be pinned at all.
 */
export function githubSubject(repository: string, context: string, workflow: string, ref: string): string {
  return `repo:${repository}:${context}:job_workflow_ref:${repository}/.github/workflows/${workflow}@${ref}`;
}

/**
 * The roles GitHub Actions assumes through OIDC (no stored AWS keys):
 * - plan: read-only, for `cdktf diff` on pull requests and the infra workflow's saved plan;
 * - deploy: applies the stack (PowerUserAccess and the stack's own IAM roles),
 *   only from jobs in the GitHub environment (whose protection rules, such as
 *   required reviewers, guard production);
 * - release: pushes images and starts CodeDeploy deployments, nothing else.
 */
export class GithubAccess extends Construct {
  constructor(scope: Construct, id: string, props: GithubAccessProps) {
    super(scope, id);
    const provider = props.oidcProviderArn;
    const aud = { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com" };
    // One statement per subject, so each stays exact unless it must have a wildcard.
    const trust = (...subjects: string[]) =>
      policyDocument(
        ...subjects.map(
          (subject): PolicyStatement => ({
            Effect: "Allow",
            Principal: { Federated: provider },
            Action: "sts:AssumeRoleWithWebIdentity",
            // A subject with a wildcard (pull requests' refs) needs StringLike; every other one is exact.
            Condition: subject.includes("*")
              ? { StringEquals: aud, StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: subject } }
              : { StringEquals: { ...aud, [`${GITHUB_OIDC_HOST}:sub`]: subject } },
          }),
        ),
      );
    const environment = `environment:${props.deployEnvironment}`;
    const branch = `refs/heads/${props.branch}`;
    const output = (name: string, role: IamRole, description: string) =>
      new TerraformOutput(this, name, { value: role.arn, description }).overrideLogicalId(name);

    const plan = new IamRole(this, "plan-role", {
      name: props.names.planRole,
      // Pull requests' diffs, and the infra workflow's plan job on the branch (no GitHub environment: the
      // approval comes after the plan, on the apply job that assumes the deploy role).
      assumeRolePolicy: trust(
        githubSubject(props.repository, "pull_request", "ci.yml", "refs/pull/*"),
        githubSubject(props.repository, `ref:${branch}`, "infra.yml", branch),
      ),
      maxSessionDuration: 3600,
    });
    // ReadOnlyAccess follows every service Terraform refreshes; the inline policy takes back the data it would read.
    new IamRolePolicyAttachment(this, "plan-read-only", { role: plan.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    const stateObject = props.state && `arn:aws:s3:::${props.state.bucket}/${props.state.key}`;
    new IamRolePolicy(this, "plan-state-lock", {
      role: plan.id,
      name: "state-and-no-data",
      policy: policyDocument(...planPolicy(stateObject, props.state?.roleArn)),
    });
    output("github_plan_role_arn", plan, "Role for cdktf diff on pull requests and the infra workflow's plan");

    const deploy = new IamRole(this, "deploy-role", {
      name: props.names.deployRole,
      assumeRolePolicy: trust(githubSubject(props.repository, environment, "infra.yml", branch)),
      maxSessionDuration: 7200,
    });
    // Everything but IAM, taken back by the inline policies wherever it is not this environment's.
    new IamRolePolicyAttachment(this, "deploy-power-user", { role: deploy.name, policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
    new IamRolePolicy(this, "deploy-stack-roles", {
      role: deploy.id,
      name: "manage-stack-roles",
      policy: deployIamPolicy(props.accountId, props.names.prefix, props.boundaryArn),
    });
    new IamRolePolicy(this, "deploy-this-environment-only", {
      role: deploy.id,
      name: "this-environment-only",
      policy: containPolicy(props, stateObject),
    });
    output("github_deploy_role_arn", deploy, "Role for cdktf deploy from GitHub Actions");

    if (props.release) {
      const release = new IamRole(this, "release-role", {
        name: props.names.releaseRole,
        assumeRolePolicy: trust(githubSubject(props.repository, environment, "release.yml", branch)),
        maxSessionDuration: 3600,
      });
      new IamRolePolicy(this, "release-policy", { role: release.id, name: "release", policy: releasePolicy(props.accountId, props.release) });
      output("github_release_role_arn", release, "Role for the release workflow");
    }
  }
}

/** AWS managed policies the stack attaches to its roles: the only ones the deploy role may attach. */
export const ATTACHABLE_POLICIES = ["AWSCodeDeployRoleForECS", "ReadOnlyAccess", "PowerUserAccess"].map((p) => `arn:aws:iam::aws:policy/${p}`);

/** Object data, secret values and parameter values: what a plan must never read. */
export const DATA_READS = [
  "s3:GetObject",
  "s3:GetObjectVersion",
  "secretsmanager:GetSecretValue",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "logs:GetLogEvents",
  "logs:FilterLogEvents",
];

/** The plan role: its state object and lock file, and no data reads anywhere else. */
export function planPolicy(stateObject: string | undefined, stateRoleArn?: string): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  // The backend reaches a bucket of another account through that account's role for this environment.
  if (stateRoleArn) statements.push({ Sid: "AssumeStateRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: stateRoleArn });
  if (stateObject) {
    // A plan takes the state lock (a lock file beside the state object) and reads the state.
    statements.push({ Sid: "StateLock", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${stateObject}.tflock` });
    statements.push({ Sid: "NoDataButTheState", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], NotResource: [stateObject, `${stateObject}.tflock`] });
  } else {
    statements.push({ Sid: "NoObjectData", Effect: "Deny", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "*" });
  }
  statements.push({ Sid: "NoSecretsOrData", Effect: "Deny", Action: DATA_READS.filter((a) => !a.startsWith("s3:")), Resource: "*" });
  return statements;
}

/**
 * IAM for the deploy role: the stack's own roles (`<prefix>-*`), and only with the stack's permissions
 * boundary, so no role it creates or changes can do more than the boundary allows (no IAM at all). It may
 * not touch the boundary policy or remove a boundary, and of the GitHub roles it may change only tags
 * (an administrator deploys their policies and trust: docs/iam.md).
 */
export function deployIamPolicy(accountId: string, prefix: string, boundaryArn: string): string {
  const roles = `arn:aws:iam::${accountId}:role/${prefix}-*`;
  const githubRoles = `arn:aws:iam::${accountId}:role/${prefix}-github-*`;
  const bounded = ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"];
  const attach = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"];
  const other = ["iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"];
  const read = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"];
  return policyDocument(
    { Sid: "ReadStackRoles", Effect: "Allow", Action: read, Resource: roles },
    {
      Sid: "ChangeStackRolesWithinTheBoundary",
      Effect: "Allow",
      Action: bounded,
      Resource: roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
    },
    {
      Sid: "AttachOnlyTheStacksPolicies",
      Effect: "Allow",
      Action: attach,
      Resource: roles,
      Condition: { ArnEquals: { "iam:PolicyARN": ATTACHABLE_POLICIES }, StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
    },
    { Sid: "StackRoles", Effect: "Allow", Action: other, Resource: roles },
    {
      Sid: "PassStackRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "codedeploy.amazonaws.com", "vpc-flow-logs.amazonaws.com"] } },
    },
    { Sid: "ReadTheBoundary", Effect: "Allow", Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:TagPolicy", "iam:UntagPolicy"], Resource: boundaryArn },
    { Sid: "ReadTheOidcProvider", Effect: "Allow", Action: ["iam:GetOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"], Resource: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
    { Sid: "NotTheGithubRoles", Effect: "Deny", Action: [...bounded, ...attach, "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PassRole"], Resource: githubRoles },
    { Sid: "KeepEveryBoundary", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
    {
      Sid: "NotTheBoundaryPolicy",
      Effect: "Deny",
      Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      Resource: boundaryArn,
    },
  );
}

/** What containPolicy reads of the environment (Terraform Cloud's apply role shares it). */
export type ContainScope = Pick<GithubAccessProps, "accountId" | "environment" | "release" | "namePaths" | "hostedZoneIds"> & { names: { prefix: string } };

/**
 * What takes PowerUserAccess back to this environment in an account other environments share: nothing
 * tagged with another environment, no other ECR repository, log group, hosted zone or state object, and
 * no secret or parameter values (Terraform does not need them).
 */
export function containPolicy(props: ContainScope, stateObject: string | undefined): string {
  const { accountId: a } = props;
  const tag = "aws:ResourceTag/environment";
  const region = props.release?.region ?? "*";
  const statements: PolicyStatement[] = [
    {
      Sid: "NothingOfAnotherEnvironment",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { StringNotEquals: { [tag]: props.environment }, Null: { [tag]: "false" } },
    },
    {
      Sid: "OnlyThisEnvironmentsRepositories",
      Effect: "Deny",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchDeleteImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy", "ecr:PutLifecyclePolicy"],
      NotResource: `arn:aws:ecr:${region}:${a}:repository/${props.namePaths.repositories}/*`,
    },
    {
      Sid: "OnlyThisEnvironmentsLogs",
      Effect: "Deny",
      Action: ["logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DeleteLogStream", "logs:PutSubscriptionFilter", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"],
      NotResource: [`arn:aws:logs:${region}:${a}:log-group:${props.namePaths.logGroups}/*`],
    },
    { Sid: "NoSecretValues", Effect: "Deny", Action: DATA_READS.filter((x) => /^(secretsmanager|ssm):/.test(x)), Resource: "*" },
    {
      // S3 evaluates no resource tags on buckets: the names say whose they are.
      Sid: "OnlyThisEnvironmentsBuckets",
      Effect: "Deny",
      Action: [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketAcl",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketLogging",
        "s3:PutBucketTagging",
      ],
      NotResource: `arn:aws:s3:::${props.names.prefix}-*`,
    },
  ];
  if (props.hostedZoneIds.length > 0) {
    statements.push({
      Sid: "OnlyThisEnvironmentsZones",
      Effect: "Deny",
      Action: ["route53:ChangeResourceRecordSets", "route53:DeleteHostedZone", "route53:ChangeTagsForResource"],
      NotResource: props.hostedZoneIds.map((id) => `arn:aws:route53:::hostedzone/${id}`),
    });
  }
  if (stateObject) {
    statements.push({
      Sid: "OnlyThisEnvironmentsObjects",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
      // Its own state and lock file, and its own buckets' objects; the state bucket is shared with other environments.
      NotResource: [stateObject, `${stateObject}.tflock`, `arn:aws:s3:::${props.names.prefix}-*/*`],
    });
  }
  return policyDocument(...statements);
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
    // A revision keeps its tags (workload): ECS authorizes tags given at registration as TagResource.
    {
      Sid: "TagTaskDefinitions",
      Effect: "Allow",
      Action: "ecs:TagResource",
      Resource: arn("ecs", "task-definition/*"),
      Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
    },
    {
      Sid: "Service",
      Effect: "Allow",
      Action: "ecs:DescribeServices",
      Resource: [r.service, ...(r.workerServices ?? [])].map((s) => arn("ecs", `service/${r.cluster}/${s}`)),
    },
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
  const parameters = [r.networkParameter, ...(r.webServices ?? []).map((w) => w.networkParameter)].filter((p): p is string => Boolean(p));
  if (parameters.length > 0) {
    statements.push({ Sid: "ServiceNetwork", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameters.length === 1 ? arn("ssm", `parameter${parameters[0]}`) : parameters.map((p) => arn("ssm", `parameter${p}`)) });
  }
  if (r.webServices?.length) {
    // Routed web services: a deployment on each one's group and its progress; the revision and the
    // configuration are the application's and the Deploy statement's.
    statements.push({
      Sid: "DeployWebServices",
      Effect: "Allow",
      Action: ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
      Resource: r.webServices.map((w) => arn("codedeploy", `deploymentgroup:${r.codeDeploy.application}/${w.deploymentGroup}`)),
    });
  }
  if (r.workerServices?.length) {
    // A worker's rollout: the new revision, then the circuit breaker watches it.
    statements.push({ Sid: "RollWorkers", Effect: "Allow", Action: "ecs:UpdateService", Resource: r.workerServices.map((s) => arn("ecs", `service/${r.cluster}/${s}`)) });
  }
  if (r.releaseTaskFamily) {
    const cluster = arn("ecs", `cluster/${r.cluster}`);
    statements.push(
      { Sid: "RunReleaseTasks", Effect: "Allow", Action: "ecs:RunTask", Resource: arn("ecs", `task-definition/${r.releaseTaskFamily}:*`), Condition: { ArnEquals: { "ecs:cluster": cluster } } },
      { Sid: "WatchReleaseTasks", Effect: "Allow", Action: ["ecs:DescribeTasks", "ecs:StopTask"], Resource: arn("ecs", `task/${r.cluster}/*`) },
      // The release tasks' security group, found by name (its id exists only after apply).
      { Sid: "FindSecurityGroup", Effect: "Allow", Action: "ec2:DescribeSecurityGroups", Resource: "*" },
    );
  }
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
