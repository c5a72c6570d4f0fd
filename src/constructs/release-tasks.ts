import { Construct } from "constructs";
import type { ReleaseTasksPlan } from "../plan/background";
import { backgroundTask, BackgroundTaskProps } from "./background-task";

export interface ReleaseTasksProps extends BackgroundTaskProps {
  plan: ReleaseTasksPlan;
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
    const { definition, securityGroupId } = backgroundTask(this, plan, props, "release", "Release tasks: no ingress");
    this.family = definition.family;
    this.securityGroupId = securityGroupId;
  }
}
