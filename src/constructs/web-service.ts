import { ITerraformDependable, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { ServicePlan } from "../plan/service";
import { REDIS_URL_VARIABLE } from "../plan/service";
import { ServiceAutoScaling } from "./auto-scaling";
import { AccessLogBucket } from "./access-log-bucket";
import { ExecSessions } from "./exec-sessions";
import { ServiceDashboard } from "./service-dashboard";
import { BlueGreenDeployment } from "./blue-green-deployment";
import { Certificate } from "./certificate";
import { ContainerRepositories } from "./container-repositories";
import { DnsRecords } from "./dns-records";
import { FargateService } from "./fargate-service";
import { InitialImages } from "./initial-images";
import { LoadBalancer } from "./load-balancer";
import type { Network } from "./network";
import { RedisAccess } from "./redis";
import { ServiceDiscovery } from "./service-discovery";
import { ServiceSecurityGroup } from "./service-security-group";
import { TaskRuntime, WebTaskDefinition } from "./task-definition";
import { Notifications } from "./notifications";

export interface WebServiceProps {
  plan: ServicePlan;
  network: Network;
  region: string;
  accountId: string;
  /** The permissions boundary of the roles the service creates. */
  permissionsBoundary?: string;
  /** Secrets of the workers, jobs and routed web services, which start with the web service's execution role. Default: none. */
  extraSecretArns?: string[];
  /** Hostnames of routed web services beyond domain.hostnames: the certificate covers them too. Default: none. */
  routedHostnames?: string[];
}

/** What the workers, jobs and release tasks share with the web service (BackgroundServices). */
export interface WebServiceShared {
  cluster: { arn: string; name: string };
  runtime: TaskRuntime;
  /** Django's image as the first task definition runs it. */
  djangoImage: string;
  /** Environment known only at deploy time (a created Redis endpoint). */
  extraEnvironment: Record<string, string>;
  redis?: RedisAccess;
  notificationTopicArn: string;
  /** The web tasks' security group and nginx's port: a worker allowed to call the service by name gets a rule to it. */
  serviceSecurityGroupId: string;
  servicePort: number;
  /** What a service must wait for before it can start tasks. */
  startDependencies: ITerraformDependable[];
  /** nginx's image as the first task definition runs it (routed web services run it too). */
  nginxImage: string;
  /** What a routed web service attaches to: the listeners its rules join, the load balancer's group and DNS name. */
  loadBalancer: {
    securityGroupId: string;
    arnSuffix: string;
    dnsName: string;
    zoneId: string;
    productionListenerArn: string;
    testListenerArn: string;
  };
  /** The CodeDeploy application and role a routed web service's deployment group joins. */
  codeDeploy: { applicationName: string; roleArn: string; roleReady: ITerraformDependable[] };
}

/**
 * The whole web service of one environment, composed from one-concern
 * constructs: certificate and DNS, load balancer, images, task, service,
 * discovery, Redis, auto scaling and blue/green deployment, plus the outputs
 * the release pipeline reads.
 */
export class WebService extends Construct {
  /** What a release touches, for the GitHub release role. */
  readonly release: { repositoryArns: string[]; taskRoleArns: string[] };
  readonly shared: WebServiceShared;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const { plan, network } = props;
    const names = plan.names;
    const domain = plan.domain;
    if (!domain) throw new Error("WebService needs the service's domain (validated in the manifest)");

    const certificate = new Certificate(this, "certificate", { hostnames: [...domain.hostnames, ...(props.routedHostnames ?? [])], hostedZoneId: domain.hostedZoneId });
    const logs = plan.loadBalancer.accessLogs;
    const logBucket =
      logs.enabled && !logs.bucket
        ? new AccessLogBucket(this, "access-logs", {
            name: `${names.prefix}-alb-logs-${props.accountId}`,
            region: props.region,
            accountId: props.accountId,
            prefix: logs.prefix,
            expireDays: logs.expireDays,
            forceDestroy: plan.disposable,
          })
        : undefined;
    const lb = new LoadBalancer(this, "load-balancer", {
      names: {
        loadBalancer: names.loadBalancer,
        securityGroup: names.loadBalancerSecurityGroup,
        targetGroupBlue: names.targetGroupBlue,
        targetGroupGreen: names.targetGroupGreen,
      },
      vpcId: network.vpcId,
      subnetIds: network.publicSubnetIds,
      dualStack: network.dualStack,
      certificateArn: certificate.certificateArn,
      hostnames: domain.hostnames,
      targetPort: plan.entrypoint.port,
      healthCheckPath: plan.healthCheckPath,
      sslPolicy: plan.loadBalancer.sslPolicy,
      deregistrationDelaySeconds: plan.loadBalancer.deregistrationDelaySeconds,
      idleTimeoutSeconds: plan.loadBalancer.idleTimeoutSeconds,
      deletionProtection: plan.loadBalancer.deletionProtection,
      accessLogs: logs.enabled
        ? { bucket: logBucket?.bucketName ?? logs.bucket!, prefix: logs.prefix, dependsOn: logBucket && [logBucket.policy] }
        : undefined,
      testListener: plan.loadBalancer.testListener,
    });
    new DnsRecords(this, "dns", {
      hostnames: domain.hostnames,
      hostedZoneId: domain.hostedZoneId,
      target: { dnsName: lb.dnsName, zoneId: lb.zoneId },
      ipv6: network.dualStack,
    });

    const repositories = new ContainerRepositories(this, "repositories", {
      names: names.repositories,
      keepImages: plan.keepImages,
      forceDelete: plan.disposable,
    });
    const imageOf = (spec: ServicePlan["containers"][number]) =>
      "uri" in spec.image ? spec.image.uri : `${repositories.repositories[spec.image.repository].repositoryUrl}:${spec.image.tag}`;
    const [django, nginx] = plan.containers;

    const discovery = new ServiceDiscovery(this, "discovery", { ...plan.discovery, vpcId: network.vpcId });
    const serviceGroup = new ServiceSecurityGroup(this, "service-security-group", {
      name: names.serviceSecurityGroup,
      vpcId: network.vpcId,
      loadBalancerSecurityGroupId: lb.securityGroupId,
      port: plan.entrypoint.port,
      discoveryClients: plan.discovery.clients,
    });
    const redis =
      plan.redis.mode === "none"
        ? undefined
        : new RedisAccess(this, "redis", {
            plan: plan.redis,
            clientSecurityGroupId: serviceGroup.id,
            names: { group: names.redisGroup, securityGroup: names.redisSecurityGroup },
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
          });

    const task = new WebTaskDefinition(this, "task", {
      names: { family: names.taskFamily, logGroup: names.serviceLogGroup, executionRole: names.executionRole, taskRole: names.taskRole },
      size: plan.task,
      containers: plan.containers,
      images: { django: imageOf(django), nginx: imageOf(nginx) },
      repositoryArns: Object.values(repositories.repositories).map((r) => r.arn),
      extraEnvironment: redis?.url ? { django: { [REDIS_URL_VARIABLE]: redis.url } } : undefined,
      logRetentionDays: plan.logRetentionDays,
      disposable: plan.disposable,
      region: props.region,
      accountId: props.accountId,
      permissionsBoundary: props.permissionsBoundary,
      extraSecretArns: props.extraSecretArns,
    });

    // The service cannot start before its images exist: with initialImages: build, deploy pushes them first.
    const initialImages =
      plan.initialImages === "build"
        ? new InitialImages(this, "initial-images", {
            containers: plan.containers,
            repositoryUrls: { django: repositories.repositories.django.repositoryUrl, nginx: repositories.repositories.nginx.repositoryUrl },
            tag: plan.initialImageTag,
          })
        : undefined;
    const exec = plan.exec.enabled
      ? new ExecSessions(this, "exec", {
          names: { keyAlias: names.execKeyAlias, logGroup: names.execLogGroup },
          accountId: props.accountId,
          region: props.region,
          taskRoleName: task.taskRoleName,
          logRetentionDays: plan.exec.logRetentionDays,
        })
      : undefined;
    const startDependencies = [task.executionPolicy, ...network.privateRoutes, ...(initialImages?.pushed ?? [])];
    const service = new FargateService(this, "service", {
      names: { cluster: names.cluster, service: names.service },
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      taskDefinitionArn: task.arn,
      securityGroupId: serviceGroup.id,
      targetGroupArn: lb.blue.arn,
      entrypoint: plan.entrypoint,
      registryArn: discovery.registryArn,
      desiredCount: plan.desiredCount,
      platformVersion: plan.platformVersion,
      healthCheckGracePeriodSeconds: plan.healthCheckGracePeriodSeconds,
      networkParameterName: names.networkParameter,
      // AWS refuses CreateService while the target group is on no load balancer (the forward rules wait for
      // the HTTPS listener, which waits for ACM's DNS validation); tasks need their execution policy and NAT routes.
      dependsOn: [...lb.forwardRules, ...startDependencies],
      exec: exec && { kmsKeyArn: exec.kmsKeyArn, logGroupName: exec.logGroupName },
    });

    const metrics = { loadBalancer: lb.arnSuffix, targetGroups: [lb.blue.arnSuffix, lb.green.arnSuffix] };
    new ServiceAutoScaling(this, "auto-scaling", {
      ...plan.autoScaling,
      resourceId: service.scalingResourceId,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      metrics,
    });
    const notifications = new Notifications(this, "notifications", {
      name: names.alarm("notifications"),
      accountId: props.accountId,
      region: props.region,
      emails: plan.deployment.alarms.notify,
    });
    const deployment = new BlueGreenDeployment(this, "deployment", {
      names: { application: names.codeDeployApp, deploymentGroup: names.deploymentGroup, role: names.codeDeployRole, alarm: names.alarm },
      accountId: props.accountId,
      permissionsBoundary: props.permissionsBoundary,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      productionListenerArn: lb.productionListenerArn,
      testListenerArn: lb.testListenerArn,
      targetGroups: { blue: lb.blue.name, green: lb.green.name },
      metrics,
      deploymentConfig: plan.deployment.config,
      terminationWaitMinutes: plan.deployment.terminationWaitMinutes,
      testTrafficWaitMinutes: plan.deployment.testTrafficWaitMinutes,
      alarms: plan.deployment.alarms,
      notificationTopicArn: notifications.topicArn,
    });

    const dashboard = new ServiceDashboard(this, "dashboard", {
      name: names.alarm("service"),
      region: props.region,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      metrics,
      alarmArns: deployment.alarmArns,
    });

    this.shared = {
      cluster: { arn: service.clusterArn, name: service.clusterName },
      runtime: task.runtime,
      djangoImage: imageOf(django),
      extraEnvironment: redis?.url ? { [REDIS_URL_VARIABLE]: redis.url } : {},
      redis,
      notificationTopicArn: notifications.topicArn,
      serviceSecurityGroupId: serviceGroup.id,
      servicePort: plan.entrypoint.port,
      startDependencies,
      nginxImage: imageOf(nginx),
      loadBalancer: {
        securityGroupId: lb.securityGroupId,
        arnSuffix: lb.arnSuffix,
        dnsName: lb.dnsName,
        zoneId: lb.zoneId,
        productionListenerArn: lb.productionListenerArn,
        testListenerArn: lb.testListenerArn,
      },
      codeDeploy: { applicationName: deployment.applicationName, roleArn: deployment.roleArn, roleReady: deployment.roleReady },
    };
    this.release = {
      repositoryArns: Object.values(repositories.repositories).map((r) => r.arn),
      taskRoleArns: [task.taskRoleArn, task.executionRoleArn],
    };

    const output = (id: string, value: unknown, description: string) =>
      new TerraformOutput(this, id, { value, description }).overrideLogicalId(id);
    output("dashboard_url", `https://${props.region}.console.aws.amazon.com/cloudwatch/home?region=${props.region}#dashboards/dashboard/${dashboard.name}`, "The service's CloudWatch dashboard");
    output("url", `https://${domain.hostnames[0]}`, "The service's public URL");
    output("load_balancer_dns_name", lb.dnsName, "The load balancer's own DNS name");
    output("cluster_name", service.clusterName, "ECS cluster");
    output("service_name", service.serviceName, "ECS service");
    output("task_family", task.family, "Task definition family");
    output("task_role_arn", task.taskRoleArn, "Role of the app's own AWS calls");
    output("execution_role_arn", task.executionRoleArn, "Role ECS starts the tasks with");
    output("log_group", names.serviceLogGroup, "The containers' log group");
    output("containers", Object.fromEntries(plan.containers.map((c) => [c.name, { port: c.port }])), "Container names and ports");
    output("load_balanced_container", plan.entrypoint, "The container and port the target groups point at");
    output("repository_urls", { django: repositories.repositories.django.repositoryUrl, nginx: repositories.repositories.nginx.repositoryUrl }, "ECR repositories");
    output("codedeploy_application", deployment.applicationName, "CodeDeploy application");
    output("codedeploy_deployment_group", deployment.deploymentGroupName, "CodeDeploy deployment group");
    output("service_security_group_id", serviceGroup.id, "The tasks' security group (for one-off tasks such as migrations)");
    output("service_discovery_name", discovery.fqdn, "The service's private DNS name");
  }
}
