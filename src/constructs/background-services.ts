import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { BackgroundPlan } from "../plan/background";
import { ReleaseTasks } from "./release-tasks";
import { ScheduledTask } from "./scheduled-task";
import type { WebServiceShared } from "./web-service";
import { WorkerService } from "./worker-service";

export interface BackgroundServicesProps {
  plan: BackgroundPlan;
  /** The web service's cluster, roles, image, Redis and topic. */
  web: WebServiceShared;
  vpcId: string;
  /** Private subnets, one per zone. */
  subnetIds: string[];
  platformVersion: string;
  accountId: string;
  region: string;
  permissionsBoundary?: string;
  /** Workers and jobs that may call the web service by its Cloud Map name (service.serviceDiscovery.clientTasks). */
  webClients: string[];
}

/**
 * Everything that runs beside the web service from its image: workers (ECS services with rolling
 * deployments), scheduled jobs (EventBridge Scheduler) and the release tasks' definition. Each gets its
 * own security group; Redis admits each, and the web service admits only those the manifest names.
 */
export class BackgroundServices extends Construct {
  constructor(scope: Construct, id: string, props: BackgroundServicesProps) {
    super(scope, id);
    const { plan, web } = props;
    const common = {
      cluster: web.cluster,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      image: web.djangoImage,
      runtime: web.runtime,
      extraEnvironment: web.extraEnvironment,
      platformVersion: props.platformVersion,
    };
    const groups = new Map<string, { id: string; what: string }>();
    const workers = plan.workers.map((w) => {
      const worker = new WorkerService(this, `worker-${w.name}`, { ...common, plan: w, dependsOn: web.startDependencies });
      groups.set(w.name, { id: worker.securityGroupId, what: `worker ${w.name}` });
      return { plan: w, worker };
    });
    const jobs = plan.scheduled.map((j) => {
      const job = new ScheduledTask(this, `job-${j.name}`, {
        ...common,
        plan: j,
        accountId: props.accountId,
        region: props.region,
        permissionsBoundary: props.permissionsBoundary,
        notificationTopicArn: web.notificationTopicArn,
      });
      groups.set(j.name, { id: job.securityGroupId, what: `scheduled job ${j.name}` });
      return { plan: j, job };
    });
    const release = plan.release && new ReleaseTasks(this, "release", { plan: plan.release, vpcId: props.vpcId, image: web.djangoImage, runtime: web.runtime, extraEnvironment: web.extraEnvironment });
    if (release) groups.set("release", { id: release.securityGroupId, what: "release tasks" });

    for (const [name, group] of groups) web.redis?.allowClient(`from-${name}`, group.id, `Redis from the ${group.what}`);
    for (const name of props.webClients) {
      const group = groups.get(name)!;
      // Cloud Map answers with the web tasks' private IPs: this rule is what lets the caller connect.
      new VpcSecurityGroupIngressRule(this, `web-from-${name}`, {
        securityGroupId: web.serviceSecurityGroupId,
        referencedSecurityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: web.servicePort,
        toPort: web.servicePort,
        description: `Service discovery client: the ${group.what}`,
      });
    }

    const output = (id: string, value: unknown, description: string) => new TerraformOutput(this, id, { value, description }).overrideLogicalId(id);
    output("workers", Object.fromEntries(workers.map(({ plan: w, worker }) => [w.name, { service: worker.serviceName, family: worker.family }])), "Worker services and their task definition families");
    output("scheduled_jobs", Object.fromEntries(jobs.map(({ plan: j, job }) => [j.name, { family: job.family, schedule: j.scheduleName, expression: j.expression }])), "Scheduled jobs");
    if (release && plan.release) {
      output("release_task_family", release.family, "The release tasks' task definition family");
      output("release_task_security_group_id", release.securityGroupId, "The release tasks' security group");
      output("release_tasks", plan.release.tasks, "Commands every release runs, in order, before traffic moves");
    }
  }
}
