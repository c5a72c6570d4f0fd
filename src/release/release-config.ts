/**
 * What the release workflow needs to know about an environment, derived from
 * its plan (so nothing is copied by hand), and the CodeDeploy AppSpec it deploys with.
 */
import { imageBuilds } from "../constructs/app-images";
import type { EnvironmentPlan } from "../plan/environment";

export interface ReleaseConfig {
  environment: string;
  region: string;
  accountId: string;
  /** The ECR registry host. */
  registry: string;
  /** ECR repository name per container. */
  repositories: { django: string; nginx: string };
  /** Docker build context, Dockerfile and build arguments per container, relative to the project root. */
  builds: Record<string, { context: string; dockerfile: string; buildArgs: Record<string, string> }>;
  cluster: string;
  service: string;
  taskFamily: string;
  /** Container name -> port. */
  containers: Record<string, number>;
  codeDeploy: { application: string; deploymentGroup: string };
  /** GitHub roles; undefined without a github section. */
  roles?: { plan: string; deploy: string; release: string };
  /** The environment whose images a release promotes, if any. */
  promoteFrom?: string;
  /** Worker services, rolled to the new Django image after the web service. */
  workers: { name: string; service: string; family: string }[];
  /** Scheduled jobs' families: a release registers a revision with the new image, which the next run takes. */
  scheduled: { name: string; family: string }[];
  /** The SSM parameter holding the web service's network settings (for the AppSpec). */
  networkParameter: string;
  /** Routed web services (webServices), deployed in this order through CodeDeploy after the main service. */
  webServices: RoutedWebServiceRelease[];
  /** One-off tasks run with the new image before any traffic moves; undefined when there are none. */
  releaseTasks?: { family: string; securityGroup: string; platformVersion: string; tasks: { name: string; command: string[]; timeoutMinutes: number }[] };
}

/** What a release of one routed web service names: its own service, family, deployment group and network. */
export interface RoutedWebServiceRelease extends DeployTarget {
  name: string;
  service: string;
  family: string;
  /** In the main service's CodeDeploy application (codeDeploy.application). */
  deploymentGroup: string;
  networkParameter: string;
  /** How long a deployment may take: 30 minutes, plus its test-traffic wait and rollback window. */
  waitMinutes: number;
}

/** What an AppSpec names besides the task definition: the load-balanced container and port, the platform. */
export interface DeployTarget {
  container: string;
  port: number;
  platformVersion: string;
}

/** The deploy action's own base wait; it adds the deployment group's waits the same way. */
const DEPLOYMENT_WAIT_MINUTES = 30;

export class ReleaseConfigError extends Error {}

export function releaseConfig(plan: EnvironmentPlan): ReleaseConfig {
  const service = plan.service;
  if (!service) throw new ReleaseConfigError(`${plan.environment} has no service to release`);
  const { names } = plan;
  const role = (name: string) => `arn:aws:iam::${plan.accountId}:role/${name}`;
  const builds = imageBuilds(service.containers);
  const fromRoot = (path: string) => path.replace(/^\.\.\/\.\.\/\.\.\//, "");
  return {
    environment: plan.environment,
    region: plan.region,
    accountId: plan.accountId,
    registry: `${plan.accountId}.dkr.ecr.${plan.region}.amazonaws.com`,
    repositories: names.repositories,
    builds: Object.fromEntries(
      Object.entries(builds).map(([name, b]) => [
        name,
        { context: fromRoot(b.context), dockerfile: `${fromRoot(b.context)}/${b.dockerfile ?? "Dockerfile"}`, buildArgs: b.buildArgs ?? {} },
      ]),
    ),
    cluster: names.cluster,
    service: names.service,
    taskFamily: names.taskFamily,
    containers: Object.fromEntries(service.containers.map((c) => [c.name, c.port!])),
    codeDeploy: { application: names.codeDeployApp, deploymentGroup: names.deploymentGroup },
    roles: plan.github
      ? { plan: role(names.githubPlanRole), deploy: role(names.githubDeployRole), release: role(names.githubReleaseRole) }
      : undefined,
    promoteFrom: plan.github?.promoteFrom,
    networkParameter: names.networkParameter,
    workers: plan.background.workers.map((w) => ({ name: w.name, service: w.serviceName, family: w.family })),
    scheduled: plan.background.scheduled.map((j) => ({ name: j.name, family: j.family })),
    webServices: plan.webServices.map((w) => ({
      name: w.name,
      service: w.names.service,
      family: w.names.family,
      deploymentGroup: w.names.deploymentGroup,
      networkParameter: w.names.networkParameter,
      container: w.entrypoint.container,
      port: w.entrypoint.port,
      platformVersion: service.platformVersion,
      waitMinutes: DEPLOYMENT_WAIT_MINUTES + (w.deployment.testTrafficWaitMinutes ?? 0) + w.deployment.terminationWaitMinutes,
    })),
    releaseTasks: plan.background.release && {
      family: plan.background.release.family,
      securityGroup: plan.background.release.securityGroupName,
      platformVersion: service.platformVersion,
      tasks: plan.background.release.tasks,
    },
  };
}

/** The web service's network settings, as the stack keeps them in SSM (`networkParameter`). */
export interface ServiceNetwork {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: "ENABLED" | "DISABLED";
}

/**
 * The ECS AppSpec of the main service; the deploy action fills in the task definition it registers.
 * With `network`, it carries the service's network settings too: UpdateService refuses them on a
 * CodeDeploy service, so a deployment is how a subnet or security group change reaches it.
 */
export function appSpec(plan: EnvironmentPlan, network?: ServiceNetwork): string {
  const service = plan.service;
  if (!service) throw new ReleaseConfigError(`${plan.environment} has no service to release`);
  return serviceAppSpec({ ...service.entrypoint, platformVersion: service.platformVersion }, network);
}

/** The AppSpec of any CodeDeploy ECS service: `taskDefinition` when the caller registered it itself. */
export function serviceAppSpec(target: DeployTarget, network?: ServiceNetwork, taskDefinition = "<TASK_DEFINITION>"): string {
  return [
    "version: 0.0",
    "Resources:",
    "  - TargetService:",
    "      Type: AWS::ECS::Service",
    "      Properties:",
    `        TaskDefinition: "${taskDefinition}"`,
    "        LoadBalancerInfo:",
    `          ContainerName: "${target.container}"`,
    `          ContainerPort: ${target.port}`,
    `        PlatformVersion: "${target.platformVersion}"`,
    ...(network
      ? [
          "        NetworkConfiguration:",
          "          AwsvpcConfiguration:",
          `            Subnets: ${JSON.stringify(network.subnets)}`,
          `            SecurityGroups: ${JSON.stringify(network.securityGroups)}`,
          `            AssignPublicIp: "${network.assignPublicIp}"`,
        ]
      : []),
    "",
  ].join("\n");
}

/**
 * The AWS environments in the order a release or an infrastructure change goes through them: the ones
 * that promote from nobody first, then each after the one it promotes images from
 * (`github.promoteFrom`), by name within a step. The workflows read this
 * (`npm run release-config -- --matrix`) instead of listing environments by hand.
 */
export function releaseOrder(plans: EnvironmentPlan[]): string[] {
  const byName = new Map(plans.map((p) => [p.environment, p]));
  const depth = (plan: EnvironmentPlan, path: string[] = []): number => {
    if (path.includes(plan.environment)) throw new ReleaseConfigError(`${[...path, plan.environment].join(" -> ")}: github.promoteFrom goes round in a circle; expected a chain that starts somewhere`);
    const from = plan.github?.promoteFrom;
    if (!from) return 0;
    const source = byName.get(from);
    if (!source) throw new ReleaseConfigError(`${plan.environment}: github.promoteFrom: ${from} is not an AWS environment; expected one of: ${[...byName.keys()].join(", ")}`);
    return 1 + depth(source, [...path, plan.environment]);
  };
  return plans
    .map((p) => ({ name: p.environment, step: depth(p) }))
    .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name))
    .map((p) => p.name);
}
