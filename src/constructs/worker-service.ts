import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { WorkerPlan } from "../plan/background";
import { ServiceAutoScaling } from "./auto-scaling";
import { backgroundTask, BackgroundTaskProps } from "./background-task";

export interface WorkerServiceProps extends BackgroundTaskProps {
  plan: WorkerPlan;
  cluster: { arn: string; name: string };
  /** Private subnets, one per zone. */
  subnetIds: string[];
  platformVersion: string;
  /** Resources the service waits for: the execution policy, NAT routes, first images. */
  dependsOn?: ITerraformDependable[];
}

/**
 * A long-running task with no load balancer (a Celery worker, beat): its own security group with no
 * ingress, a one-container task definition, and an ECS service with rolling deployments guarded by the
 * circuit breaker (a rollout whose tasks keep failing stops and rolls back by itself).
 */
export class WorkerService extends Construct {
  readonly securityGroupId: string;
  readonly serviceName: string;
  readonly family: string;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    const { plan } = props;
    const { definition, securityGroupId } = backgroundTask(this, plan, props, "worker", `Worker ${plan.name}: no ingress`);
    const service = new EcsService(this, "service", {
      name: plan.serviceName,
      cluster: props.cluster.arn,
      launchType: "FARGATE",
      platformVersion: props.platformVersion,
      taskDefinition: definition.arn,
      desiredCount: plan.desiredCount,
      deploymentController: { type: "ECS" },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // Every old task keeps running until its replacement runs: a worker's backlog never loses consumers.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [securityGroupId], assignPublicIp: false },
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      waitForSteadyState: false,
      dependsOn: props.dependsOn,
      // A release registers the new revision and rolls it out (update-service); auto scaling owns the count.
      lifecycle: { ignoreChanges: plan.autoScaling ? ["task_definition", "desired_count"] : ["task_definition"] },
    });
    if (plan.autoScaling) {
      const scaling = plan.autoScaling;
      new ServiceAutoScaling(this, "auto-scaling", {
        resourceId: `service/${props.cluster.name}/${service.name}`,
        clusterName: props.cluster.name,
        serviceName: service.name,
        minCapacity: scaling.minCapacity,
        maxCapacity: scaling.maxCapacity,
        cpuTargetPercent: scaling.cpuTargetPercent,
        memoryTargetPercent: scaling.memoryTargetPercent,
        queue: scaling.queue,
        scaleOutCooldownSeconds: scaling.scaleOutCooldownSeconds,
        scaleInCooldownSeconds: scaling.scaleInCooldownSeconds,
      });
    }
    this.securityGroupId = securityGroupId;
    this.serviceName = service.name;
    this.family = definition.family;
  }
}
