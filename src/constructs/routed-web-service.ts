import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { RoutedWebServicePlan } from "../plan/web-services";
import { ServiceAutoScaling } from "./auto-scaling";
import { BlueGreenDeployment } from "./blue-green-deployment";
import { DnsRecords } from "./dns-records";
import { FargateService } from "./fargate-service";
import { forwardRule, serviceTargetGroup } from "./load-balancer";
import { ServiceDashboard } from "./service-dashboard";
import { ServiceSecurityGroup } from "./service-security-group";
import { fargateTaskDefinition } from "./task-definition";
import type { WebServiceShared } from "./web-service";

export interface RoutedWebServiceProps {
  plan: RoutedWebServicePlan;
  /** The service's load balancer, cluster, roles, images, Redis, CodeDeploy application and topic. */
  web: WebServiceShared;
  vpcId: string;
  /** Private subnets, one per zone. */
  subnetIds: string[];
  /** The zone that holds the service's hostnames (and this one's own). */
  hostedZoneId: string;
  /** The load balancer listens on IPv6 too: AAAA records for this service's own hostnames. */
  dualStack: boolean;
  /** The service's settings this one shares: its health check path, deregistration delay, platform and grace period. */
  shared: { healthCheckPath: string; deregistrationDelaySeconds: number; platformVersion: string; healthCheckGracePeriodSeconds: number };
  accountId: string;
  region: string;
}

/**
 * A web service beside the main one on the same load balancer: its own blue and green target groups,
 * listener rules on both HTTPS listeners matching its hosts and paths (before the main service's rule),
 * tasks with their own security group, auto scaling, a dashboard, and a CodeDeploy deployment group in
 * the same application. It runs the main service's images, roles and log group.
 */
export class RoutedWebService extends Construct {
  readonly serviceName: string;
  readonly family: string;
  readonly deploymentGroupName: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: RoutedWebServiceProps) {
    super(scope, id);
    const { plan, web } = props;
    const { names } = plan;
    const lb = web.loadBalancer;
    const targets = { vpcId: props.vpcId, port: plan.entrypoint.port, healthCheckPath: props.shared.healthCheckPath, deregistrationDelaySeconds: props.shared.deregistrationDelaySeconds };
    const blue = serviceTargetGroup(this, "blue", names.targetGroupBlue, targets);
    const green = serviceTargetGroup(this, "green", names.targetGroupGreen, targets);
    const rules = [
      forwardRule(this, "https-forward", lb.productionListenerArn, plan.routing, blue.arn),
      forwardRule(this, "test-forward", lb.testListenerArn, plan.routing, blue.arn),
    ];
    if (plan.ownHostnames.length > 0) {
      new DnsRecords(this, "dns", {
        hostnames: plan.ownHostnames,
        hostedZoneId: props.hostedZoneId,
        target: { dnsName: lb.dnsName, zoneId: lb.zoneId },
        ipv6: props.dualStack,
      });
    }

    const group = new ServiceSecurityGroup(this, "security-group", {
      name: names.securityGroup,
      vpcId: props.vpcId,
      loadBalancerSecurityGroupId: lb.securityGroupId,
      port: plan.entrypoint.port,
    });
    web.redis?.allowClient(`from-web-${plan.name}`, group.id, `Redis from the web service ${plan.name}`);
    const task = fargateTaskDefinition(
      this,
      "task-definition",
      {
        family: names.family,
        size: plan.task,
        containers: plan.containers,
        images: { django: web.djangoImage, nginx: web.nginxImage },
        extraEnvironment: { django: web.extraEnvironment },
        workload: "web",
      },
      web.runtime,
    );
    const service = new FargateService(this, "service", {
      names: { cluster: web.cluster.name, service: names.service },
      cluster: web.cluster,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      taskDefinitionArn: task.arn,
      securityGroupId: group.id,
      targetGroupArn: blue.arn,
      entrypoint: plan.entrypoint,
      desiredCount: plan.desiredCount,
      platformVersion: props.shared.platformVersion,
      healthCheckGracePeriodSeconds: props.shared.healthCheckGracePeriodSeconds,
      networkParameterName: names.networkParameter,
      // AWS refuses CreateService while its target group is on no load balancer: the rules attach it.
      dependsOn: [...rules, ...web.startDependencies],
    });

    const metrics = { loadBalancer: lb.arnSuffix, targetGroups: [blue.arnSuffix, green.arnSuffix] };
    new ServiceAutoScaling(this, "auto-scaling", {
      ...plan.autoScaling,
      resourceId: service.scalingResourceId,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      metrics,
    });
    const deployment = new BlueGreenDeployment(this, "deployment", {
      names: { application: web.codeDeploy.applicationName, deploymentGroup: names.deploymentGroup, alarm: names.alarm },
      shared: web.codeDeploy,
      alarmScope: "targetGroups",
      accountId: props.accountId,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      productionListenerArn: lb.productionListenerArn,
      testListenerArn: lb.testListenerArn,
      targetGroups: { blue: blue.name, green: green.name },
      metrics,
      deploymentConfig: plan.deployment.config,
      terminationWaitMinutes: plan.deployment.terminationWaitMinutes,
      testTrafficWaitMinutes: plan.deployment.testTrafficWaitMinutes,
      alarms: plan.deployment.alarms,
      notificationTopicArn: web.notificationTopicArn,
    });

    const dashboard = new ServiceDashboard(this, "dashboard", {
      name: names.alarm("service"),
      region: props.region,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      metrics,
      alarmArns: deployment.alarmArns,
    });

    this.serviceName = service.serviceName;
    this.family = task.family;
    this.deploymentGroupName = deployment.deploymentGroupName;
    this.securityGroupId = group.id;
    new TerraformOutput(this, "output", {
      description: `The web service ${plan.name}: what its releases name`,
      value: {
        service: service.serviceName,
        task_family: task.family,
        codedeploy_deployment_group: deployment.deploymentGroupName,
        security_group_id: group.id,
        dashboard_url: `https://${props.region}.console.aws.amazon.com/cloudwatch/home?region=${props.region}#dashboards/dashboard/${dashboard.name}`,
        routing: { hosts: plan.routing.hosts, paths: plan.routing.paths, priority: plan.routing.priority },
      },
    }).overrideLogicalId(`web_service_${plan.name.replace(/-/g, "_")}`);
  }
}
