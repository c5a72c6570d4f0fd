/**
 * Names of AWS resources, derived from the app and environment names, and the
 * AWS length limits they must respect. Checked when the manifest is loaded, so
 * that a long name fails before synth instead of at `terraform apply`.
 */

export interface NamedResource {
  /** What the name is for, as the error message says it. */
  what: string;
  name: string;
  /** The AWS limit on this name's length. */
  limit: number;
}

export function resourceNames(app: string, environment: string) {
  const prefix = `${app}-${environment}`;
  return {
    /** `<app>-<environment>`: the prefix of most names. */
    prefix,
    loadBalancer: prefix,
    targetGroupBlue: `${prefix}-blue`,
    targetGroupGreen: `${prefix}-green`,
    flowLogsRole: `${prefix}-vpc-flow-logs`,
    flowLogsGroup: `/${app}/${environment}/vpc-flow-logs`,
    cluster: prefix,
    service: `${prefix}-web`,
    taskFamily: `${prefix}-web`,
    serviceLogGroup: `/${app}/${environment}/web`,
    executionRole: `${prefix}-ecs-execution`,
    taskRole: `${prefix}-ecs-task`,
    codeDeployRole: `${prefix}-codedeploy`,
    codeDeployApp: prefix,
    deploymentGroup: `${prefix}-web`,
    loadBalancerSecurityGroup: `${prefix}-alb`,
    serviceSecurityGroup: `${prefix}-web`,
    redisSecurityGroup: `${prefix}-redis`,
    redisGroup: `${prefix}-redis`,
    repositories: { django: `${app}/${environment}/django`, nginx: `${app}/${environment}/nginx` },
    alarm: (what: string) => `${prefix}-${what}`,
    execKeyAlias: `${prefix}-ecs-exec`,
    execLogGroup: `/ecs/${prefix}/exec`,
    githubPlanRole: `${prefix}-github-plan`,
    githubDeployRole: `${prefix}-github-deploy`,
    githubReleaseRole: `${prefix}-github-release`,
    /** Workers, scheduled jobs and release tasks (src/plan/background.ts). */
    worker: (name: string) => `${prefix}-worker-${name}`,
    job: (name: string) => `${prefix}-job-${name}`,
    /** A routed web service's resources (src/plan/web-services.ts); checked against their limits when the manifest loads. */
    webService: (name: string) => ({
      service: `${prefix}-web-${name}`,
      family: `${prefix}-web-${name}`,
      securityGroup: `${prefix}-web-${name}`,
      targetGroupBlue: `${prefix}-${name}-blue`,
      targetGroupGreen: `${prefix}-${name}-green`,
      deploymentGroup: `${prefix}-web-${name}`,
      networkParameter: `/${app}/${environment}/web-${name}/network-configuration`,
      /** CloudWatch alarm names of its deployment. */
      alarm: (what: string) => `${prefix}-web-${name}-${what}`,
    }),
    releaseFamily: `${prefix}-release`,
    schedulerRole: `${prefix}-scheduler`,
    /** SSM parameter holding the web service's network settings, which each CodeDeploy deployment applies. */
    networkParameter: `/${app}/${environment}/web/network-configuration`,
    /** The Cloud Map namespace's default name. */
    namespace: `${environment}.${app}.internal`,
  };
}

export type ResourceNames = ReturnType<typeof resourceNames>;

/** Every limited name with its AWS limit. */
export function limitedNames(names: ResourceNames): NamedResource[] {
  return [
    { what: "load balancer name", name: names.loadBalancer, limit: 32 },
    { what: "target group name", name: names.targetGroupBlue, limit: 32 },
    { what: "target group name", name: names.targetGroupGreen, limit: 32 },
    { what: "ElastiCache replication group id", name: names.redisGroup, limit: 40 },
    { what: "IAM role name", name: names.flowLogsRole, limit: 64 },
    { what: "IAM role name", name: names.executionRole, limit: 64 },
    { what: "IAM role name", name: names.taskRole, limit: 64 },
    { what: "IAM role name", name: names.codeDeployRole, limit: 64 },
    { what: "IAM role name", name: names.githubReleaseRole, limit: 64 },
    { what: "CodeDeploy application name", name: names.codeDeployApp, limit: 100 },
    { what: "CodeDeploy deployment group name", name: names.deploymentGroup, limit: 100 },
    { what: "ECS cluster name", name: names.cluster, limit: 255 },
    { what: "ECS service name", name: names.service, limit: 255 },
    { what: "task definition family", name: names.taskFamily, limit: 255 },
    { what: "security group name", name: names.loadBalancerSecurityGroup, limit: 255 },
    { what: "ECR repository name", name: names.repositories.django, limit: 256 },
    { what: "log group name", name: names.flowLogsGroup, limit: 512 },
    { what: "log group name", name: names.serviceLogGroup, limit: 512 },
  ];
}

/** The first name that breaks its limit, or undefined. */
export function nameTooLong(names: ResourceNames): NamedResource | undefined {
  return limitedNames(names).find((n) => n.name.length > n.limit);
}
