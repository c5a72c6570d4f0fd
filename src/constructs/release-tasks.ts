import { Construct } from "constructs";
import type { ReleaseTasksPlan } from "../plan/background";
import { fargateTaskDefinition, TaskRuntime } from "./task-definition";
import { TaskSecurityGroup } from "./task-security-group";

export interface ReleaseTasksProps {
  plan: ReleaseTasksPlan;
  vpcId: string;
  /** The Django image the web service runs; each release registers a revision with its own. */
  image: string;
  runtime: TaskRuntime;
  extraEnvironment?: Record<string, string>;
}

/**
 * What a release runs before traffic moves (`manage.py migrate`): a one-container task definition the
 * release registers with its new image and runs once per task with the command overridden, in its own
 * security group with no ingress. Nothing runs it between releases.
 */
export class ReleaseTasks extends Construct {
  readonly family: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: ReleaseTasksProps) {
    super(scope, id);
    const { plan } = props;
    const group = new TaskSecurityGroup(this, "security-group", { name: plan.securityGroupName, vpcId: props.vpcId, description: "Release tasks: no ingress" });
    const definition = fargateTaskDefinition(
      this,
      "task-definition",
      { family: plan.family, size: plan.task, containers: [plan.container], images: { django: props.image }, extraEnvironment: { django: props.extraEnvironment ?? {} }, workload: "release" },
      props.runtime,
    );
    this.family = definition.family;
    this.securityGroupId = group.id;
  }
}
