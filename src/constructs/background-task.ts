import { Construct } from "constructs";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import type { Workload } from "../plan/background";
import type { ContainerSpec } from "../plan/service";
import { fargateTaskDefinition, TaskRuntime } from "./task-definition";
import { TaskSecurityGroup } from "./task-security-group";

/** What every worker, job and the release tasks share with the web service. */
export interface BackgroundTaskProps {
  vpcId: string;
  /** The Django image the web service runs; a release registers revisions with its own. */
  image: string;
  /** Roles and log group shared with the web service. */
  runtime: TaskRuntime;
  /** Environment known only at deploy time (a created Redis endpoint). */
  extraEnvironment?: Record<string, string>;
}

/** The planned task: its family, size, one `django` container and its security group's name. */
export interface BackgroundTaskPlan {
  family: string;
  task: { cpu: number; memory: number };
  container: ContainerSpec;
  securityGroupName: string;
}

/** A one-container task definition tagged with its workload, and a security group with no ingress. */
export function backgroundTask(
  scope: Construct,
  plan: BackgroundTaskPlan,
  props: BackgroundTaskProps,
  workload: Exclude<Workload, "web">,
  description: string,
): { definition: EcsTaskDefinition; securityGroupId: string } {
  const group = new TaskSecurityGroup(scope, "security-group", { name: plan.securityGroupName, vpcId: props.vpcId, description });
  const definition = fargateTaskDefinition(
    scope,
    "task-definition",
    { family: plan.family, size: plan.task, containers: [plan.container], images: { django: props.image }, extraEnvironment: { django: props.extraEnvironment ?? {} }, workload },
    props.runtime,
  );
  return { definition, securityGroupId: group.id };
}
