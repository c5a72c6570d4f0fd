import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { GITHUB_OIDC_HOST } from "../src/plan/environment";
import { Network } from "../src/constructs/network";
import { configureStateBackend } from "../src/constructs/state-backend";
import { GithubAccess } from "../src/constructs/github-access";
import { TerraformCloudAccess } from "../src/constructs/terraform-cloud-access";
import { PermissionsBoundary } from "../src/constructs/permissions-boundary";
import { WebService } from "../src/constructs/web-service";
import { BackgroundServices } from "../src/constructs/background-services";
import { RoutedWebService } from "../src/constructs/routed-web-service";
import { backgroundSecretArns } from "../src/plan/background";
import { webServiceSecretArns } from "../src/plan/web-services";
import { resourceNames } from "../src/plan/names";
import type { EnvironmentPlan } from "../src/plan/environment";
import { ProjectStack } from "./project-stack";

/** One environment (staging, production, ...): its network, and the web service on it. */
export class EnvironmentStack extends ProjectStack {
  readonly network: Network;

  constructor(scope: Construct, id: string, plan: EnvironmentPlan) {
    super(scope, id, plan.waivers);
    new AwsProvider(this, "aws", {
      region: plan.region,
      // A plan or apply with credentials of any other account fails before touching it.
      allowedAccountIds: [plan.accountId],
      defaultTags: [{ tags: plan.tags }],
    });
    configureStateBackend(this, plan.state);
    const boundary = new PermissionsBoundary(this, "boundary", {
      name: `${plan.names.prefix}-boundary`,
      accountId: plan.accountId,
      prefix: plan.names.prefix,
      environment: plan.tags.environment,
    });
    this.network = new Network(this, "network", {
      namePrefix: plan.names.prefix,
      plan: plan.network,
      flowLogNames: { role: plan.names.flowLogsRole, logGroup: plan.names.flowLogsGroup },
      accountId: plan.accountId,
      permissionsBoundary: boundary.arn,
    });
    const web = plan.service
      ? new WebService(this, "web", {
          plan: plan.service,
          network: this.network,
          region: plan.region,
          accountId: plan.accountId,
          permissionsBoundary: boundary.arn,
          extraSecretArns: [...backgroundSecretArns(plan.background), ...webServiceSecretArns(plan.webServices)],
          routedHostnames: plan.webServices.flatMap((w) => w.ownHostnames),
        })
      : undefined;
    if (web && plan.service?.domain) {
      const service = plan.service;
      for (const routed of plan.webServices) {
        new RoutedWebService(this, `web-${routed.name}`, {
          plan: routed,
          web: web.shared,
          vpcId: this.network.vpcId,
          subnetIds: this.network.privateSubnetIds,
          hostedZoneId: service.domain!.hostedZoneId,
          dualStack: this.network.dualStack,
          shared: {
            healthCheckPath: service.healthCheckPath,
            deregistrationDelaySeconds: service.loadBalancer.deregistrationDelaySeconds,
            platformVersion: service.platformVersion,
            healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
          },
          accountId: plan.accountId,
          region: plan.region,
        });
      }
    }
    if (web && plan.service) {
      new BackgroundServices(this, "background", {
        plan: plan.background,
        web: web.shared,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        platformVersion: plan.service.platformVersion,
        accountId: plan.accountId,
        region: plan.region,
        permissionsBoundary: boundary.arn,
        webClients: plan.service.discovery.clientTasks,
      });
    }
    if (plan.github) {
      const names = plan.names;
      // One per account (src/plan/github-oidc.ts): created here, read here when it exists already (a plan
      // fails clearly if it does not), or named when the bootstrap stack creates it in this account.
      const url = `https://${GITHUB_OIDC_HOST}`;
      const oidcProvider = plan.github.createsOidcProvider
        ? new IamOpenidConnectProvider(this, "github-oidc", { url, clientIdList: ["sts.amazonaws.com"] }).arn
        : plan.github.oidcProvider === "existing"
          ? new DataAwsIamOpenidConnectProvider(this, "github-oidc", { url }).arn
          : `arn:aws:iam::${plan.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
      const promoted = plan.github.promoteFrom ? resourceNames(plan.app, plan.github.promoteFrom).repositories : undefined;
      new GithubAccess(this, "github", {
        names: { prefix: names.prefix, planRole: names.githubPlanRole, deployRole: names.githubDeployRole, releaseRole: names.githubReleaseRole },
        accountId: plan.accountId,
        oidcProviderArn: oidcProvider,
        repository: plan.github.repository,
        deployEnvironment: plan.github.deployEnvironment,
        environment: plan.environment,
        boundaryArn: boundary.staticArn,
        branch: plan.github.branch,
        hostedZoneIds: plan.service?.domain ? [plan.service.domain.hostedZoneId] : [],
        namePaths: { repositories: `${plan.app}/${plan.environment}`, logGroups: `/${plan.app}/${plan.environment}` },
        state: plan.state.backend === "s3" ? { bucket: plan.state.bucket, key: plan.state.key, roleArn: plan.state.roleArn } : undefined,
        release: web && {
          region: plan.region,
          repositoryArns: web.release.repositoryArns,
          promoteFromRepositoryArns: promoted
            ? Object.values(promoted).map((name) => `arn:aws:ecr:${plan.region}:${plan.accountId}:repository/${name}`)
            : [],
          taskRoleArns: web.release.taskRoleArns,
          codeDeploy: { application: names.codeDeployApp, deploymentGroup: names.deploymentGroup },
          cluster: names.cluster,
          service: names.service,
          workerServices: plan.background.workers.map((w) => w.serviceName),
          networkParameter: names.networkParameter,
          releaseTaskFamily: plan.background.release?.family,
          webServices: plan.webServices.map((w) => ({ deploymentGroup: w.names.deploymentGroup, networkParameter: w.names.networkParameter })),
        },
      });
    }
    const state = plan.state;
    if (state.backend === "cloud" && state.dynamicCredentials) {
      new TerraformCloudAccess(this, "terraform-cloud", {
        ...state,
        credentials: state.dynamicCredentials,
        accountId: plan.accountId,
        boundaryArn: boundary.staticArn,
        scope: {
          accountId: plan.accountId,
          environment: plan.environment,
          names: { prefix: plan.names.prefix },
          namePaths: { repositories: `${plan.app}/${plan.environment}`, logGroups: `/${plan.app}/${plan.environment}` },
          hostedZoneIds: plan.service?.domain ? [plan.service.domain.hostedZoneId] : [],
        },
      });
    }
  }
}
