import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CodedeployApp } from "@cdktf/provider-aws/lib/codedeploy-app";
import { CodedeployDeploymentGroup } from "@cdktf/provider-aws/lib/codedeploy-deployment-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ALARM_PERIODS } from "../plan/service";
import { serviceTrustPolicy } from "./iam";

export interface BlueGreenDeploymentProps {
  /** `role` names the service role this construct creates (not needed with `shared`). */
  names: { application: string; deploymentGroup: string; role?: string; alarm: (what: string) => string };
  /**
   * The CodeDeploy application and service role of another deployment on the same load balancer: a
   * routed web service's group joins them. Default: this construct creates both (`names.application`, `names.role`).
   */
  shared?: { applicationName: string; roleArn: string; roleReady: ITerraformDependable[] };
  /**
   * `loadBalancer` (default): slow responses and the load balancer's own 5xx are watched load-balancer-wide.
   * `targetGroups`: a routed web service shares the load balancer, so it watches its target groups only.
   */
  alarmScope?: "loadBalancer" | "targetGroups";
  accountId: string;
  permissionsBoundary?: string;
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
  /** Minutes green waits on the test listener for `aws deploy continue-deployment`, then stops; 0: no wait. */
  testTrafficWaitMinutes?: number;
  alarms: { enabled: boolean; http5xxPercent: number; targetResponseTimeSeconds: number };
  /** The environment's topic (Notifications): alarms and failed, stopped or rolled-back deployments. */
  notificationTopicArn: string;
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
  readonly alarmArns: string[];
  /** The service role, for another deployment group of the application. */
  readonly roleArn: string;
  /** What a group acting with the role waits for: the role's policy. */
  readonly roleReady: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: BlueGreenDeploymentProps) {
    super(scope, id);
    const { role, rolePolicy, app } = props.shared
      ? { role: { arn: props.shared.roleArn }, rolePolicy: undefined, app: { name: props.shared.applicationName } }
      : this.application(props);
    this.roleReady = props.shared?.roleReady ?? [rolePolicy!];

    // Alarms and failed deployments reach people, not only CodeDeploy.
    const topicArn = props.notificationTopicArn;
    const alarms = this.alarms(props, topicArn);
    this.alarmNames = alarms.map((a) => a.alarmName);
    this.alarmArns = alarms.map((a) => a.arn);
    const wait = props.testTrafficWaitMinutes ?? 0;
    const group = new CodedeployDeploymentGroup(this, "deployment-group", {
      appName: app.name,
      deploymentGroupName: props.names.deploymentGroup,
      serviceRoleArn: role.arn,
      deploymentConfigName: props.deploymentConfig,
      deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
      blueGreenDeploymentConfig: {
        // With a wait, green takes only test traffic until someone continues the deployment; else it stops.
        deploymentReadyOption: wait > 0 ? { actionOnTimeout: "STOP_DEPLOYMENT", waitTimeInMinutes: wait } : { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
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
      triggerConfiguration: [
        { triggerName: "failed-or-rolled-back", triggerTargetArn: topicArn, triggerEvents: ["DeploymentFailure", "DeploymentRollback", "DeploymentStop"] },
      ],
      // CreateDeploymentGroup checks that the role may manage the service.
      dependsOn: this.roleReady,
    });
    this.applicationName = app.name;
    this.deploymentGroupName = group.deploymentGroupName;
    this.roleArn = role.arn;
  }

  /** The CodeDeploy application and the role its deployment groups act with. */
  private application(props: BlueGreenDeploymentProps) {
    const role = new IamRole(this, "role", {
      name: props.names.role,
      assumeRolePolicy: serviceTrustPolicy("codedeploy.amazonaws.com", props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    const rolePolicy = new IamRolePolicyAttachment(this, "role-policy", {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
    });
    const app = new CodedeployApp(this, "application", { name: props.names.application, computePlatform: "ECS" });
    return { role, rolePolicy, app };
  }

  /**
   * The alarms a deployment watches. Per target group, so a canary's errors are not diluted by the
   * old task set's traffic: the 5xx rate and unhealthy tasks of blue and of green (CodeDeploy swaps
   * which one serves, so both are watched). Load-balancer-wide: 5xx answered by the load balancer
   * itself (no healthy task: 502, 503, 504) and slow responses.
   */
  private alarms(props: BlueGreenDeploymentProps, topicArn: string): CloudwatchMetricAlarm[] {
    const lb = { LoadBalancer: props.metrics.loadBalancer };
    const metric = (metricName: string, stat: string, dimensions: Record<string, string>) => ({
      metric: { namespace: "AWS/ApplicationELB", metricName, stat, period: 60, dimensions },
    });
    const common = { evaluationPeriods: ALARM_PERIODS, datapointsToAlarm: ALARM_PERIODS, treatMissingData: "notBreaching", alarmActions: [topicArn], okActions: [topicArn] };
    const rate = (id: string, name: string, description: string, errorsMetric: string, dimensions: Record<string, string>) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: props.names.alarm(name),
        alarmDescription: description,
        comparisonOperator: "GreaterThanThreshold",
        threshold: props.alarms.http5xxPercent,
        ...common,
        metricQuery: [
          { id: "errors", returnData: false, ...metric(errorsMetric, "Sum", dimensions) },
          { id: "requests", returnData: false, ...metric("RequestCount", "Sum", dimensions) },
          { id: "rate", returnData: true, label: "5xx %", expression: "100 * FILL(errors, 0) / IF(requests > 0, requests, 1)" },
        ],
      });
    const color = (i: number) => (i === 0 ? "blue" : "green");
    const perTargetGroup = props.metrics.targetGroups.flatMap((targetGroup, i) => [
      rate(`http-5xx-rate-${i}`, `5xx-rate-${color(i)}`, `More than ${props.alarms.http5xxPercent}% of the ${color(i)} tasks' answers are 5xx`, "HTTPCode_Target_5XX_Count", { ...lb, TargetGroup: targetGroup }),
      new CloudwatchMetricAlarm(this, `unhealthy-targets-${i}`, {
        alarmName: props.names.alarm(`unhealthy-targets-${color(i)}`),
        alarmDescription: `A ${color(i)} task fails the load balancer's health check`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        ...common,
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        statistic: "Maximum",
        period: 60,
        dimensions: { ...lb, TargetGroup: targetGroup },
      }),
    ]);
    const slow = (id: string, name: string, description: string, dimensions: Record<string, string>) =>
      new CloudwatchMetricAlarm(this, id, {
        alarmName: props.names.alarm(name),
        alarmDescription: `${description} above ${props.alarms.targetResponseTimeSeconds} s`,
        comparisonOperator: "GreaterThanThreshold",
        threshold: props.alarms.targetResponseTimeSeconds,
        ...common,
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        extendedStatistic: "p95",
        period: 60,
        dimensions,
      });
    if (props.alarmScope === "targetGroups") {
      // The load balancer's own 5xx and its p95 belong to every service on it: watch this service's groups.
      const slowGroups = props.metrics.targetGroups.map((targetGroup, i) =>
        slow(`slow-responses-${i}`, `slow-responses-${color(i)}`, `p95 response time of the ${color(i)} tasks`, { ...lb, TargetGroup: targetGroup }),
      );
      return [...perTargetGroup, ...slowGroups];
    }
    const elb5xx = rate("elb-5xx-rate", "elb-5xx-rate", `More than ${props.alarms.http5xxPercent}% of requests answered 5xx by the load balancer itself (no healthy task)`, "HTTPCode_ELB_5XX_Count", lb);
    return [...perTargetGroup, elb5xx, slow("slow-responses", "slow-responses", "p95 target response time", lb)];
  }
}
