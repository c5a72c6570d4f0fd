import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";

export interface ServiceDashboardProps {
  /** The dashboard's name (one per environment). */
  name: string;
  region: string;
  clusterName: string;
  serviceName: string;
  /** CloudWatch dimension values (`arn_suffix`) of the load balancer and of the blue and green target groups. */
  metrics: { loadBalancer: string; targetGroups: string[] };
  /** The deployment's alarms, shown with their state. */
  alarmArns: string[];
}

/**
 * One CloudWatch dashboard per environment, for whoever is on call during a release: traffic and
 * errors per target group (blue and green side by side, as CodeDeploy shifts between them), the
 * load balancer's own 5xx, response time, healthy tasks, CPU and memory, and the deployment alarms.
 */
export class ServiceDashboard extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const lb = props.metrics.loadBalancer;
    const [blue, green] = props.metrics.targetGroups;
    const alb = (metric: string, extra: Record<string, string> = {}, options: Record<string, unknown> = {}) => [
      "AWS/ApplicationELB",
      metric,
      "LoadBalancer",
      lb,
      ...Object.entries(extra).flat(),
      options,
    ];
    const perTargetGroup = (metric: string, stat: string) => [
      alb(metric, { TargetGroup: blue }, { stat, label: "blue" }),
      alb(metric, { TargetGroup: green }, { stat, label: "green" }),
    ];
    const ecs = (metric: string) => ["AWS/ECS", metric, "ClusterName", props.clusterName, "ServiceName", props.serviceName, { stat: "Average" }];
    const graph = (title: string, metrics: unknown[][], x: number, y: number) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region: props.region, view: "timeSeries", stacked: false, period: 60, metrics },
    });
    const body = {
      widgets: [
        { type: "alarm", x: 0, y: 0, width: 24, height: 3, properties: { title: "Deployment alarms (a firing one rolls a release back)", alarms: props.alarmArns } },
        graph("Requests per target group", perTargetGroup("RequestCount", "Sum"), 0, 3),
        graph("5xx from the tasks, per target group", perTargetGroup("HTTPCode_Target_5XX_Count", "Sum"), 12, 3),
        graph("5xx from the load balancer itself (no healthy task)", [alb("HTTPCode_ELB_5XX_Count", {}, { stat: "Sum" })], 0, 9),
        graph("Response time p95 (seconds)", perTargetGroup("TargetResponseTime", "p95"), 12, 9),
        graph("Healthy tasks per target group", perTargetGroup("HealthyHostCount", "Minimum"), 0, 15),
        graph("CPU and memory (% of the task's reservation)", [ecs("CPUUtilization"), ecs("MemoryUtilization")], 12, 15),
      ],
    };
    const dashboard = new CloudwatchDashboard(this, "dashboard", { dashboardName: props.name, dashboardBody: JSON.stringify(body) });
    this.name = dashboard.dashboardName;
  }
}
