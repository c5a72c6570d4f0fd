import { GithubAccess, GithubAccessProps } from "../../src/constructs/github-access";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, testApp } from "../support/app";

const props: GithubAccessProps = {
  names: { prefix: "shop-prod", planRole: "shop-prod-github-plan", deployRole: "shop-prod-github-deploy", releaseRole: "shop-prod-github-release" },
  accountId: "123456789012",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
  repository: "acme/shop",
  deployEnvironment: "production",
  environment: "prod",
  boundaryArn: "arn:aws:iam::123456789012:policy/shop-prod-boundary",
  branch: "main",
  hostedZoneIds: ["Z0123456789EXAMPLE"],
  namePaths: { repositories: "shop/prod", logGroups: "/shop/prod" },
  state: { bucket: "shop-tfstate", key: "shop/prod/terraform.tfstate" },
  release: {
    region: "ap-northeast-2",
    repositoryArns: ["arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/prod/django"],
    promoteFromRepositoryArns: ["arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/staging/django"],
    taskRoleArns: ["arn:aws:iam::123456789012:role/shop-prod-ecs-task"],
    codeDeploy: { application: "shop-prod", deploymentGroup: "shop-prod-web" },
    cluster: "shop-prod",
    service: "shop-prod-web",
  },
};

function synth(overrides: Partial<GithubAccessProps> = {}): any {
  const stack = new ProjectStack(testApp(), "test");
  new GithubAccess(stack, "github", { ...props, ...overrides });
  return synthJson(stack);
}

const roles = (json: any) => resourcesOf(json, "aws_iam_role");
const trust = (role: any) => JSON.parse(role.assume_role_policy).Statement[0];

describe("GithubAccess", () => {
  const json = synth();

  it("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
  });

  it("trusts only this repository, and only its workflow files: ci.yml on pull requests and infra.yml of the branch for plan, infra.yml and release.yml of the branch in the GitHub environment", () => {
    const condition = (id: string) => trust(roles(json)[id]).Condition;
    const sub = "token.actions.githubusercontent.com:sub";
    expect(condition("github_plan-role").StringLike[sub]).toBe("repo:acme/shop:pull_request:job_workflow_ref:acme/shop/.github/workflows/ci.yml@refs/pull/*");
    // The infra workflow's plan job runs outside any GitHub environment: approval gates the apply, after the plan.
    const infraPlan = JSON.parse(roles(json)["github_plan-role"].assume_role_policy).Statement[1].Condition;
    expect(infraPlan.StringEquals[sub]).toBe("repo:acme/shop:ref:refs/heads/main:job_workflow_ref:acme/shop/.github/workflows/infra.yml@refs/heads/main");
    expect(infraPlan.StringLike).toBeUndefined();
    expect(condition("github_deploy-role").StringEquals[sub]).toBe("repo:acme/shop:environment:production:job_workflow_ref:acme/shop/.github/workflows/infra.yml@refs/heads/main");
    expect(condition("github_release-role").StringEquals[sub]).toBe("repo:acme/shop:environment:production:job_workflow_ref:acme/shop/.github/workflows/release.yml@refs/heads/main");
    for (const statement of Object.values<any>(roles(json)).flatMap((role) => JSON.parse(role.assume_role_policy).Statement)) {
      expect(statement).toMatchObject({
        Action: "sts:AssumeRoleWithWebIdentity",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      });
      expect(statement.Condition.StringEquals["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
    }
  });

  it("gives the release role only what a release does", () => {
    const policy = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["github_release-policy"].policy);
    const sids = policy.Statement.map((s: any) => s.Sid);
    expect(sids).toEqual(["EcrLogin", "PushImages", "TaskDefinitions", "TagTaskDefinitions", "Service", "PassTaskRoles", "Deploy", "DeploymentConfig", "PullImagesToPromote"]);
    const star = policy.Statement.filter((s: any) => s.Resource === "*").map((s: any) => s.Sid);
    expect(star).toEqual(["EcrLogin", "TaskDefinitions"]);
    expect(policy.Statement.find((s: any) => s.Sid === "PassTaskRoles").Condition).toEqual({
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
  });

  it("has no release role without a service, and no state permission without S3 state", () => {
    const bare = synth({ release: undefined, state: undefined });
    expect(Object.keys(roles(bare)).sort()).toEqual(["github_deploy-role", "github_plan-role"]);
    expect(Object.keys(resourcesOf(bare, "aws_iam_role_policy")).sort()).toEqual(["github_deploy-stack-roles", "github_deploy-this-environment-only", "github_plan-state-lock"]);
    // Without S3 state there is no state to read: the plan role reads no object at all.
    const plan = JSON.parse(resourcesOf(bare, "aws_iam_role_policy")["github_plan-state-lock"].policy).Statement;
    expect(plan.find((s: any) => s.Sid === "NoObjectData")).toMatchObject({ Effect: "Deny", Resource: "*" });
  });

  it("lets the deploy role manage the stack's roles but not the GitHub roles, nor attach other policies", () => {
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")["github_deploy-power-user"].policy_arn).toBe("arn:aws:iam::aws:policy/PowerUserAccess");
    const statements = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["github_deploy-stack-roles"].policy).Statement;
    const byId = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
    expect(byId.StackRoles.Resource).toBe("arn:aws:iam::123456789012:role/shop-prod-*");
    expect(byId.AttachOnlyTheStacksPolicies.Condition.ArnEquals["iam:PolicyARN"]).not.toContain("arn:aws:iam::aws:policy/AdministratorAccess");
    expect(byId.AttachOnlyTheStacksPolicies.Condition.StringEquals["iam:PermissionsBoundary"]).toBe(props.boundaryArn);
    expect(byId.ChangeStackRolesWithinTheBoundary.Condition.StringEquals["iam:PermissionsBoundary"]).toBe(props.boundaryArn);
    expect(byId.NotTheGithubRoles).toMatchObject({ Effect: "Deny", Resource: "arn:aws:iam::123456789012:role/shop-prod-github-*" });
    expect(byId.NotTheGithubRoles.Action).toEqual(expect.arrayContaining(["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"]));
  });

  it("outputs the role ARNs for the workflows", () => {
    expect(Object.keys(json.output).sort()).toEqual(["github_deploy_role_arn", "github_plan_role_arn", "github_release_role_arn"]);
  });

  it("lets a release roll its workers and run its release tasks, and nothing else of the kind", () => {
    const withWorkers = synth({ release: { ...props.release!, workerServices: ["shop-prod-worker-celery"], releaseTaskFamily: "shop-prod-release" } });
    const statements = JSON.parse(resourcesOf(withWorkers, "aws_iam_role_policy")["github_release-policy"].policy).Statement;
    const sid = (id: string) => statements.find((s: any) => s.Sid === id);
    expect(sid("Service").Resource).toEqual(["arn:aws:ecs:ap-northeast-2:123456789012:service/shop-prod/shop-prod-web", "arn:aws:ecs:ap-northeast-2:123456789012:service/shop-prod/shop-prod-worker-celery"]);
    expect(sid("RollWorkers")).toMatchObject({ Action: "ecs:UpdateService", Resource: ["arn:aws:ecs:ap-northeast-2:123456789012:service/shop-prod/shop-prod-worker-celery"] });
    expect(sid("RunReleaseTasks")).toMatchObject({
      Action: "ecs:RunTask",
      Resource: "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/shop-prod-release:*",
      Condition: { ArnEquals: { "ecs:cluster": "arn:aws:ecs:ap-northeast-2:123456789012:cluster/shop-prod" } },
    });
    expect(sid("WatchReleaseTasks").Resource).toBe("arn:aws:ecs:ap-northeast-2:123456789012:task/shop-prod/*");
  });

  it("lets a release deploy each routed web service through its own group and read its network settings, and nothing more", () => {
    const routed = synth({
      release: { ...props.release!, networkParameter: "/shop/prod/web/network-configuration", webServices: [{ deploymentGroup: "shop-prod-web-api", networkParameter: "/shop/prod/web-api/network-configuration" }] },
    });
    const statements = JSON.parse(resourcesOf(routed, "aws_iam_role_policy")["github_release-policy"].policy).Statement;
    const sid = (id: string) => statements.find((s: any) => s.Sid === id);
    expect(sid("DeployWebServices")).toEqual({
      Sid: "DeployWebServices",
      Effect: "Allow",
      Action: ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
      Resource: ["arn:aws:codedeploy:ap-northeast-2:123456789012:deploymentgroup:shop-prod/shop-prod-web-api"],
    });
    expect(sid("ServiceNetwork").Resource).toEqual([
      "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/prod/web/network-configuration",
      "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/prod/web-api/network-configuration",
    ]);
    // The routed services run the main service's roles and are not described: no new service or role grant.
    expect(sid("Service").Resource).toEqual(["arn:aws:ecs:ap-northeast-2:123456789012:service/shop-prod/shop-prod-web"]);
    expect(sid("PassTaskRoles").Resource).toEqual(props.release!.taskRoleArns);
    expect(JSON.parse(resourcesOf(synth(), "aws_iam_role_policy")["github_release-policy"].policy).Statement.map((x: any) => x.Sid)).not.toContain("DeployWebServices");
  });
});
