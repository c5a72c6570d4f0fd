import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { serviceTrustPolicy } from "./iam";

export interface BlueGreenDeploymentProps {
  names: { application: string; deploymentGroup: string; role: string; alarm: (what: string) => string };
  accountId: string;
  clusterName: string;
  serviceName: string;
  productionListenerArn: string;
  testListenerArn: string;
  /** Target group names: blue takes traffic first, green receives each release. */
  targetGroups: { blue: string; green: string };
  /** CloudWatch dimension values (`arn_suffix`) of the load balancer and both target groups. */
  metrics: { loadBalancer: string; targetGroups: string[] };
  /** A CodeDeploy ECS deployment config, such as CodeDeployDefault.ECSAllAtOnce. */
  deploymentConfig: string;
  /** Minutes the blue tasks keep running after traffic moves: the rollback window. */
  terminationWaitMinutes: number;
  alarms: { enabled: boolean; http5xxPercent: number; targetResponseTimeSeconds: number };
}

/**
 * CodeDeploy blue/green releases of the ECS service: traffic moves to the new
 * (green) task set as the deployment config says, the old (blue) one is kept
 * for the rollback window, and a failed deployment or a firing alarm rolls back.
 */
export class BlueGreenDeployment extends Construct {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly alarmNames: string[];

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.names.role,
      assumeRolePolicy: serviceTrustPolicy("codedeploy.amazonaws.com", props.accountId),
    });
    const rolePolicy = new IamRolePolicyAttachment(this, "role-policy", {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
    });
    const app = new CodedeployApp(this, "application", { name: props.names.application, computePlatform: "ECS" });

    const alarms = this.alarms(props);
    this.alarmNames = alarms.map((a) => a.alarmName);
    const group = new CodedeployDeploymentGroup(this, "deployment-group", {
      appName: app.name,
      deploymentGroupName: props.names.deploymentGroup,
      serviceRoleArn: role.arn,
      deploymentConfigName: props.deploymentConfig,
      deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
      blueGreenDeploymentConfig: {
        deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: "TERMINATE",
          terminationWaitTimeInMinutes: props.terminationWaitMinutes,
        },
      },
      ecsService: { clusterName: props.clusterName, serviceName: props.serviceName },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          prodTrafficRoute: { listenerArns: [props.productionListenerArn] },
          testTrafficRoute: { listenerArns: [props.testListenerArn] },
          targetGroup: [{ name: props.targetGroups.blue }, { name: props.targetGroups.green }],
        },
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: props.alarms.enabled ? ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] : ["DEPLOYMENT_FAILURE"],
      },
      alarmConfiguration: props.alarms.enabled ? { enabled: true, alarms: this.alarmNames } : undefined,
      // CreateDeploymentGroup checks that the role may manage the service.
      dependsOn: [rolePolicy],
    });
    this.applicationName = app.name;
    this.deploymentGroupName = group.deploymentGroupName;
  }

  /** The alarms a deployment watches: 5xx rate, unhealthy targets, slow responses. */
  private alarms(props: BlueGreenDeploymentProps): CloudwatchMetricAlarm[] {
    const lb = { LoadBalancer: props.metrics.loadBalancer };
    const alb = (metricName: string, stat: string, dimensions: Record<string, string> = lb) => ({
      metric: { namespace: "AWS/ApplicationELB", metricName, stat, period: 60, dimensions },
    });
    const common = { evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "notBreaching" };
    const errorRate = new CloudwatchMetricAlarm(this, "http-5xx-rate", {
      alarmName: props.names.alarm("5xx-rate"),
      alarmDescription: `More than ${props.alarms.http5xxPercent}% of requests answered 5xx by the tasks`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.alarms.http5xxPercent,
      ...common,
      metricQuery: [
        { id: "errors", returnData: false, ...alb("HTTPCode_Target_5XX_Count", "Sum") },
        { id: "requests", returnData: false, ...alb("RequestCount", "Sum") },
        { id: "rate", returnData: true, label: "5xx %", expression: "100 * FILL(errors, 0) / IF(requests > 0, requests, 1)" },
      ],
    });
    const unhealthy = props.metrics.targetGroups.map(
      (targetGroup, i) =>
        new CloudwatchMetricAlarm(this, `unhealthy-targets-${i}`, {
          alarmName: props.names.alarm(`unhealthy-targets-${i === 0 ? "blue" : "green"}`),
          alarmDescription: "A task fails the load balancer's health check",
          comparisonOperator: "GreaterThanThreshold",
          threshold: 0,
          ...common,
          namespace: "AWS/ApplicationELB",
          metricName: "UnHealthyHostCount",
          statistic: "Maximum",
          period: 60,
          dimensions: { ...lb, TargetGroup: targetGroup },
        }),
    );
    const slow = new CloudwatchMetricAlarm(this, "slow-responses", {
      alarmName: props.names.alarm("slow-responses"),
      alarmDescription: `p95 target response time above ${props.alarms.targetResponseTimeSeconds} s`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.alarms.targetResponseTimeSeconds,
      ...common,
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      extendedStatistic: "p95",
      period: 60,
      dimensions: lb,
    });
    return [errorRate, ...unhealthy, slow];
  }
}
