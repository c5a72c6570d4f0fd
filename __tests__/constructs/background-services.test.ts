/**
 * Workers, scheduled jobs and release tasks beside the web service: what each gets, what each may reach,
 * and what nobody may reach.
 */
import { BackgroundServices } from "../../src/constructs/background-services";
import { WebService } from "../../src/constructs/web-service";
import { backgroundSections } from "../../src/manifest/background-schema";
import { backgroundSecretArns, planBackground } from "../../src/plan/background";
import { ProjectStack } from "../../stacks/project-stack";
import { z } from "zod";
import { resourcesOf, synthJson, testApp } from "../support/app";
import { testNetwork } from "../support/network";
import { servicePlan } from "../support/service";

const SECTIONS = {
  workers: {
    celery: {
      command: ["celery", "-A", "config", "worker"],
      secrets: { BROKER_TOKEN: "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/broker-token" },
      autoScaling: { minCapacity: 1, maxCapacity: 6, queue: { namespace: "Shop", metricName: "BacklogPerTask", targetValue: 100 } },
      healthCheck: { command: ["CMD-SHELL", "celery -A config inspect ping -d celery@$HOSTNAME"] },
    },
    beat: { command: ["celery", "-A", "config", "beat"] },
  },
  scheduled: { report: { command: ["python", "manage.py", "report"], schedule: "cron(0 3 * * ? *)", timezone: "Asia/Seoul" } },
  release: { tasks: [{ name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"] }] },
};

function synth(sections: Record<string, unknown> = SECTIONS, serviceOverrides: Record<string, unknown> = { redis: { mode: "create" } }): any {
  const stack = new ProjectStack(testApp(), "test");
  const network = testNetwork(stack, false);
  const service = servicePlan(serviceOverrides);
  const plan = planBackground(z.object(backgroundSections).parse(sections), service);
  const web = new WebService(stack, "web", { plan: service, network, region: "ap-northeast-2", accountId: "123456789012", extraSecretArns: backgroundSecretArns(plan) });
  new BackgroundServices(stack, "background", {
    plan,
    web: web.shared,
    vpcId: network.vpcId,
    subnetIds: network.privateSubnetIds,
    platformVersion: "1.4.0",
    accountId: "123456789012",
    region: "ap-northeast-2",
    webClients: service.discovery.clientTasks,
  });
  return synthJson(stack);
}

const json = synth();
const byName = (type: string, key: string, value: string) => Object.values<any>(resourcesOf(json, type)).find((r) => r[key] === value);
const containers = (family: string) => JSON.parse(byName("aws_ecs_task_definition", "family", family).container_definitions);

describe("BackgroundServices", () => {
  it("matches the snapshot", () => {
    expect({ resource: json.resource, output: json.output }).toMatchSnapshot();
  });

  it("runs each worker as its own ECS service, rolled out by ECS with the circuit breaker's rollback, behind no load balancer", () => {
    const celery = byName("aws_ecs_service", "name", "shop-prod-worker-celery");
    expect(celery).toMatchObject({
      deployment_controller: { type: "ECS" },
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_minimum_healthy_percent: 100,
      launch_type: "FARGATE",
      network_configuration: { assign_public_ip: false },
      lifecycle: { ignore_changes: ["task_definition", "desired_count"] },
    });
    expect(celery.load_balancer).toBeUndefined();
    // Beat has no auto scaling: Terraform keeps its count at one.
    expect(byName("aws_ecs_service", "name", "shop-prod-worker-beat").lifecycle.ignore_changes).toEqual(["task_definition"]);
  });

  it("gives workers, jobs and release tasks one django container: Django's image and settings, their command, no port", () => {
    const [celery] = containers("shop-prod-worker-celery");
    const [web] = JSON.parse(byName("aws_ecs_task_definition", "family", "shop-prod-web").container_definitions);
    expect(celery).toMatchObject({ name: "django", image: web.image, command: ["celery", "-A", "config", "worker"], portMappings: [], readonlyRootFilesystem: true, stopTimeout: 60 });
    expect(celery.healthCheck.command).toEqual(["CMD-SHELL", "celery -A config inspect ping -d celery@$HOSTNAME"]);
    expect(celery.logConfiguration.options["awslogs-stream-prefix"]).toBe("worker-celery");
    expect(celery.secrets.map((s: any) => s.name)).toEqual(["BROKER_TOKEN", "DJANGO_SECRET_KEY"]);
    expect(celery.environment.find((e: any) => e.name === "REDIS_URL").value).toMatch(/^rediss:\/\/\$\{aws_elasticache_replication_group\./);
    expect(containers("shop-prod-worker-beat")[0].healthCheck).toBeUndefined();
    const [release] = containers("shop-prod-release");
    expect(release.command).toBeUndefined();
    expect(byName("aws_ecs_task_definition", "family", "shop-prod-release").tags).toEqual({ workload: "release" });
    expect(byName("aws_ecs_task_definition", "family", "shop-prod-job-report").tags).toEqual({ workload: "scheduled" });
  });

  it("lets the shared execution role read the workers' own secrets", () => {
    const policy = JSON.parse(byName("aws_iam_role_policy", "name", "start-task").policy);
    expect(policy.Statement.find((s: any) => s.Sid === "ReadParameters").Resource).toContain("arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/broker-token");
  });

  it("scales a worker on its queue metric, and only on the policies it turned on", () => {
    const policies = Object.values<any>(resourcesOf(json, "aws_appautoscaling_policy")).filter((p) => p.name.startsWith("${aws_ecs_service.background_worker-celery"));
    expect(policies.map((p) => p.name.split("-").pop())).toEqual(["cpu", "queue"]);
    expect(policies[1].target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 100,
      customized_metric_specification: { namespace: "Shop", metric_name: "BacklogPerTask", statistic: "Average" },
    });
  });

  it("gives every worker, job and the release tasks a security group nothing may connect to; Redis admits each", () => {
    const groups = ["shop-prod-worker-celery", "shop-prod-worker-beat", "shop-prod-job-report", "shop-prod-release"];
    const ingress = Object.values<any>(resourcesOf(json, "aws_vpc_security_group_ingress_rule"));
    for (const name of groups) {
      const address = Object.entries<any>(resourcesOf(json, "aws_security_group")).find(([, g]) => g.name === name)![0];
      const id = `\${aws_security_group.${address}.id}`;
      expect(ingress.filter((r) => r.security_group_id === id)).toEqual([]);
      expect(ingress.filter((r) => r.referenced_security_group_id === id).map((r) => [r.security_group_id, r.from_port])).toEqual([["${aws_security_group.web_redis_security-group.id}", 6379]]);
    }
  });

  it("admits to the web service by its Cloud Map name only the tasks the manifest names", () => {
    const toWeb = (j: any) => Object.values<any>(resourcesOf(j, "aws_vpc_security_group_ingress_rule")).filter((r) => r.security_group_id === "${aws_security_group.web_service-security-group_security-group.id}");
    expect(toWeb(json).map((r) => r.description)).toEqual(["From the load balancer to nginx"]);
    const allowed = toWeb(synth(SECTIONS, { redis: { mode: "create" }, serviceDiscovery: { clientTasks: ["report"] } }));
    expect(allowed.map((r) => [r.referenced_security_group_id, r.from_port]).sort()).toEqual([
      ["${aws_security_group.background_job-report_security-group_security-group.id}", 80],
      ["${aws_security_group.web_load-balancer_security-group.id}", 80],
    ]);
  });

  describe("a scheduled job", () => {
    const schedule = byName("aws_scheduler_schedule", "name", "shop-prod-job-report");

    it("runs the latest revision of its own family on its expression, retried, then dead-lettered", () => {
      expect(schedule).toMatchObject({
        schedule_expression: "cron(0 3 * * ? *)",
        schedule_expression_timezone: "Asia/Seoul",
        state: "ENABLED",
        flexible_time_window: { mode: "OFF" },
        target: {
          retry_policy: { maximum_retry_attempts: 2, maximum_event_age_in_seconds: 3600 },
          dead_letter_config: { arn: "${aws_sqs_queue.background_job-report_dead-letters.arn}" },
          ecs_parameters: { task_definition_arn: "${aws_ecs_task_definition.background_job-report_task-definition.arn_without_revision}", launch_type: "FARGATE", task_count: 1 },
        },
      });
      expect(byName("aws_sqs_queue", "name", "shop-prod-job-report-dlq").sqs_managed_sse_enabled).toBe(true);
    });

    it("may start only its own task, with the task's roles, in its cluster", () => {
      const policy = JSON.parse(byName("aws_iam_role_policy", "role", "${aws_iam_role.background_job-report_scheduler-role.id}").policy);
      const run = policy.Statement.find((s: any) => s.Action === "ecs:RunTask");
      expect(run.Resource).toEqual(["${aws_ecs_task_definition.background_job-report_task-definition.arn_without_revision}", "${aws_ecs_task_definition.background_job-report_task-definition.arn_without_revision}:*"]);
      expect(run.Condition).toEqual({ ArnEquals: { "ecs:cluster": "${aws_ecs_cluster.web_service_cluster.arn}" } });
      expect(policy.Statement.find((s: any) => s.Action === "iam:PassRole").Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
    });

    it("tells the notifications topic about a run that could not start or exited non-zero", () => {
      expect(byName("aws_cloudwatch_metric_alarm", "alarm_name", "shop-prod-job-report-not-started").alarm_actions).toEqual(["${aws_sns_topic.web_notifications_topic.arn}"]);
      const rule = byName("aws_cloudwatch_event_rule", "name", "shop-prod-job-report-failed");
      expect(JSON.parse(rule.event_pattern).detail).toEqual({
        clusterArn: ["${aws_ecs_cluster.web_service_cluster.arn}"],
        group: ["family:shop-prod-job-report"],
        lastStatus: ["STOPPED"],
        containers: { exitCode: [{ "anything-but": 0 }] },
      });
      expect(Object.values<any>(resourcesOf(json, "aws_cloudwatch_event_target"))[0].arn).toBe("${aws_sns_topic.web_notifications_topic.arn}");
    });
  });

  it("tells the release workflow which commands to run, in order", () => {
    expect(json.output.release_tasks.value).toEqual([{ name: "migrate", command: ["python", "manage.py", "migrate", "--noinput"], timeoutMinutes: 15 }]);
    expect(json.output.release_task_family.value).toBe("${aws_ecs_task_definition.background_release_task-definition.family}");
  });

  it("adds nothing when the manifest has no workers, jobs or release tasks", () => {
    const none = synth({});
    expect(resourcesOf(none, "aws_scheduler_schedule")).toEqual({});
    expect(Object.values<any>(resourcesOf(none, "aws_ecs_service")).map((s) => s.name)).toEqual(["shop-prod-web"]);
    expect(none.output.release_tasks).toBeUndefined();
  });
});
