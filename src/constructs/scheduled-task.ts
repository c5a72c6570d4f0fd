import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { ScheduledPlan } from "../plan/background";
import { policyDocument, serviceTrustPolicy } from "./iam";
import { backgroundTask, BackgroundTaskProps } from "./background-task";

export interface ScheduledTaskProps extends BackgroundTaskProps {
  plan: ScheduledPlan;
  cluster: { arn: string; name: string };
  /** Private subnets, one per zone. */
  subnetIds: string[];
  platformVersion: string;
  accountId: string;
  region: string;
  permissionsBoundary?: string;
  /** The environment's notifications topic: failed runs and dead letters are reported there. */
  notificationTopicArn: string;
}

/**
 * A task EventBridge Scheduler starts on a cron or rate expression, always with the latest revision
 * of its task definition (a release registers new ones without Terraform). A run Scheduler cannot start
 * is retried, then kept in an encrypted dead-letter queue; an alarm on that queue and an EventBridge rule
 * on the job's tasks stopping with a non-zero exit code tell the notifications topic.
 */
export class ScheduledTask extends Construct {
  readonly family: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id);
    const { plan } = props;
    const { definition, securityGroupId } = backgroundTask(this, plan, props, "scheduled", `Scheduled job ${plan.name}: no ingress`);
    const deadLetters = new SqsQueue(this, "dead-letters", {
      name: plan.deadLetterQueueName,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 1209600,
    });

    const role = new IamRole(this, "scheduler-role", {
      name: plan.scheduleName,
      assumeRolePolicy: serviceTrustPolicy("scheduler.amazonaws.com", props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    const family = definition.arnWithoutRevision;
    const policy = new IamRolePolicy(this, "scheduler-policy", {
      role: role.id,
      name: "run-task",
      policy: policyDocument(
        {
          Sid: "RunThisJob",
          Effect: "Allow",
          Action: "ecs:RunTask",
          Resource: [family, `${family}:*`],
          Condition: { ArnEquals: { "ecs:cluster": props.cluster.arn } },
        },
        // Scheduler tags the tasks it starts (enable_ecs_managed_tags, propagate_tags).
        {
          Sid: "TagTheRun",
          Effect: "Allow",
          Action: "ecs:TagResource",
          Resource: `arn:aws:ecs:${props.region}:${props.accountId}:task/${props.cluster.name}/*`,
          Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
        },
        {
          Sid: "PassTaskRoles",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: [props.runtime.executionRoleArn, props.runtime.taskRoleArn],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetters.arn },
      ),
    });

    new SchedulerSchedule(this, "schedule", {
      name: plan.scheduleName,
      groupName: "default",
      scheduleExpression: plan.expression,
      scheduleExpressionTimezone: plan.timezone,
      state: plan.enabled ? "ENABLED" : "DISABLED",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: props.cluster.arn,
        roleArn: role.arn,
        deadLetterConfig: { arn: deadLetters.arn },
        retryPolicy: { maximumRetryAttempts: plan.retries, maximumEventAgeInSeconds: plan.maximumEventAgeSeconds },
        ecsParameters: {
          // The family without a revision: each run takes the latest revision a release registered.
          taskDefinitionArn: family,
          launchType: "FARGATE",
          platformVersion: props.platformVersion,
          taskCount: 1,
          networkConfiguration: { subnets: props.subnetIds, securityGroups: [securityGroupId], assignPublicIp: false },
          enableEcsManagedTags: true,
          propagateTags: "TASK_DEFINITION",
        },
      },
      // Scheduler checks nothing at creation; a run fails if the role cannot start the task yet.
      dependsOn: [policy],
    });

    new CloudwatchMetricAlarm(this, "dead-letters-alarm", {
      alarmName: `${plan.scheduleName}-not-started`,
      alarmDescription: `Scheduler could not start ${plan.family} (a run is in ${plan.deadLetterQueueName})`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: deadLetters.name },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.notificationTopicArn],
    });
    // A run that starts but exits non-zero is invisible to Scheduler: ECS's own event says so.
    const failed = new CloudwatchEventRule(this, "failed-runs", {
      name: `${plan.scheduleName}-failed`,
      description: `${plan.family}: a run's container exited non-zero`,
      eventPattern: JSON.stringify({
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
          clusterArn: [props.cluster.arn],
          group: [`family:${plan.family}`],
          lastStatus: ["STOPPED"],
          containers: { exitCode: [{ "anything-but": 0 }] },
        },
      }),
    });
    new CloudwatchEventTarget(this, "failed-runs-target", { rule: failed.name, targetId: "notifications", arn: props.notificationTopicArn });

    this.family = definition.family;
    this.securityGroupId = securityGroupId;
  }
}
