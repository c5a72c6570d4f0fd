import { asArray, perResource, PolicyRule, resources } from "../model";

/** The AWS-managed SNS key: its key policy lets no AWS service (CloudWatch, EventBridge) use it. */
const AWS_MANAGED_SNS_KEY = /^(alias\/aws\/sns|arn:aws[a-z-]*:kms:[^:]+:\d+:alias\/aws\/sns)$/;

export const backgroundRules: PolicyRule[] = [
  perResource(
    {
      id: "ecs-rolling-rolls-back",
      title: "A service ECS rolls out itself has the circuit breaker with rollback, and leaves its revision to releases",
      mirrors: [],
      fix: "Set deployment_circuit_breaker { enable = true, rollback = true } and add task_definition to lifecycle.ignore_changes.",
    },
    ["aws_ecs_service"],
    (s) => {
      const controller = s.deployment_controller?.type ?? "ECS";
      if (controller !== "ECS") return undefined;
      const breaker = s.deployment_circuit_breaker;
      if (!breaker?.enable || !breaker?.rollback) return "no circuit breaker with rollback: a rollout whose tasks never start keeps trying, and the old tasks are gone";
      return asArray(s.lifecycle?.ignore_changes).includes("task_definition") ? undefined : "task_definition not ignored: the next apply would undo a release";
    },
  ),
  perResource(
    {
      id: "scheduled-runs-are-kept",
      title: "A schedule retries a run it could not start, then keeps it in a dead-letter queue",
      mirrors: [],
      fix: "Give the schedule's target a retry_policy and a dead_letter_config (an SQS queue the scheduler role may send to).",
    },
    ["aws_scheduler_schedule"],
    (s) => {
      const target = s.target ?? {};
      if (!target.dead_letter_config?.arn) return "no dead-letter queue: a run Scheduler cannot start is lost without a trace";
      return target.retry_policy ? undefined : "no retry policy";
    },
  ),
  {
    id: "notifications-reach-people",
    title: "Topics that alarms and EventBridge rules publish to are not encrypted with the AWS-managed key",
    mirrors: [],
    fix: "Encrypt the topic with a customer-managed key whose policy lets cloudwatch.amazonaws.com and events.amazonaws.com use it.",
    check: (config) => {
      const topics = new Set<string>();
      for (const [, alarm] of resources(config, "aws_cloudwatch_metric_alarm")) for (const a of [...asArray(alarm.alarm_actions), ...asArray(alarm.ok_actions)]) topics.add(String(a));
      for (const [, target] of resources(config, "aws_cloudwatch_event_target")) topics.add(String(target.arn));
      return resources(config, "aws_sns_topic")
        .filter(([address, topic]) => topics.has(`\${${address}.arn}`) && AWS_MANAGED_SNS_KEY.test(String(topic.kms_master_key_id ?? "")))
        .map(([address]) => ({
          rule: "notifications-reach-people",
          resource: address,
          message: "encrypted with alias/aws/sns, which CloudWatch and EventBridge cannot use: alarms and failed runs would never arrive",
        }));
    },
  },
];
