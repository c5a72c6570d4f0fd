import { Construct } from "constructs";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";

export interface ServiceAutoScalingProps {
  /** `service/<cluster>/<service>`. */
  resourceId: string;
  clusterName: string;
  serviceName: string;
  minCapacity: number;
  maxCapacity: number;
  /** 0 leaves this policy out. */
  cpuTargetPercent: number;
  /** 0 leaves this policy out. */
  memoryTargetPercent: number;
  /** Requests per task per minute; 0 or absent leaves this policy out. */
  requestsPerTarget?: number;
  /** The load balancer and both target groups, as CloudWatch names them (`arn_suffix`); needed for requests. */
  metrics?: { loadBalancer: string; targetGroups: string[] };
  /** A queue metric held at a target (a worker's backlog per task). Default: none. */
  queue?: { namespace: string; metricName: string; dimensions: Record<string, string>; statistic: string; targetValue: number };
  /** Seconds after a scale-out before another; short, to scale out fast (seed 003). */
  scaleOutCooldownSeconds: number;
  /** Seconds after a scale-in before another; long, so a brief lull does not drop capacity. */
  scaleInCooldownSeconds: number;
}

/** Target tracking on CPU, memory, requests per task or a queue metric, between a minimum and a maximum count. */
export class ServiceAutoScaling extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAutoScalingProps) {
    super(scope, id);
    const target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: props.resourceId,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
    });
    const policy = (id: string, targetValue: number, metric: object) =>
      new AppautoscalingPolicy(this, id, {
        name: `${props.serviceName}-${id}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue,
          scaleOutCooldown: props.scaleOutCooldownSeconds,
          scaleInCooldown: props.scaleInCooldownSeconds,
          ...metric,
        },
      });
    if (props.cpuTargetPercent > 0) {
      policy("cpu", props.cpuTargetPercent, { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } });
    }
    if (props.memoryTargetPercent > 0) {
      policy("memory", props.memoryTargetPercent, {
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageMemoryUtilization" },
      });
    }
    if (props.queue) {
      const q = props.queue;
      policy("queue", q.targetValue, {
        customizedMetricSpecification: {
          namespace: q.namespace,
          metricName: q.metricName,
          statistic: q.statistic,
          dimensions: Object.entries(q.dimensions).map(([name, value]) => ({ name, value })),
        },
      });
    }
    const metrics = props.metrics;
    if (props.requestsPerTarget && metrics) {
      // ALBRequestCountPerTarget names one target group, but blue/green releases move traffic
      // between two: count both groups' requests and divide by the running tasks.
      const requests = (tg: string, i: number) => ({
        id: `requests${i}`,
        returnData: false,
        metricStat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCount",
            dimensions: [
              { name: "LoadBalancer", value: metrics.loadBalancer },
              { name: "TargetGroup", value: tg },
            ],
          },
        },
      });
      const groups = metrics.targetGroups.map(requests);
      policy("requests", props.requestsPerTarget, {
        customizedMetricSpecification: {
          metrics: [
            ...groups,
            {
              id: "tasks",
              returnData: false,
              metricStat: {
                stat: "Average",
                metric: {
                  namespace: "ECS/ContainerInsights",
                  metricName: "RunningTaskCount",
                  dimensions: [
                    { name: "ClusterName", value: props.clusterName },
                    { name: "ServiceName", value: props.serviceName },
                  ],
                },
              },
            },
            {
              id: "perTask",
              label: "Requests per task",
              returnData: true,
              expression: `(${groups.map((g) => `FILL(${g.id}, 0)`).join(" + ")}) / tasks`,
            },
          ],
        },
      });
    }
  }
}
