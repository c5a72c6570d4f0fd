import { asArray, parseJson, perResource, PolicyRule, refersTo, resources } from "../model";

/** Environment variable names that hold secrets. */
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

/** Each container of a task definition's container_definitions. */
function containers(task: any): any[] {
  return asArray(parseJson(task.container_definitions));
}

const taskRule = (
  rule: Omit<PolicyRule, "check">,
  problem: (container: any) => string | undefined,
): PolicyRule =>
  perResource(rule, ["aws_ecs_task_definition"], (task) => {
    const problems = containers(task).flatMap((c) => {
      const p = problem(c);
      return p ? [`${c.name}: ${p}`] : [];
    });
    return problems.length > 0 ? problems.join("; ") : undefined;
  });

export const containerRules: PolicyRule[] = [
  perResource(
    {
      id: "ecs-no-public-ip",
      title: "ECS services give their tasks no public IP",
      mirrors: ["checkov CKV_AWS_333"],
      fix: "Run tasks in private subnets with assign_public_ip = false; they reach out through NAT.",
    },
    ["aws_ecs_service"],
    (s) => (s.network_configuration?.assign_public_ip === true ? "assign_public_ip is true" : undefined),
  ),
  perResource(
    {
      id: "ecs-container-insights",
      title: "ECS clusters have Container Insights on",
      mirrors: ["checkov CKV_AWS_65"],
      fix: 'Set the cluster setting containerInsights to "enabled" or "enhanced".',
    },
    ["aws_ecs_cluster"],
    (c) => (asArray(c.setting).some((s: any) => s.name === "containerInsights" && s.value !== "disabled") ? undefined : "Container Insights is off"),
  ),
  perResource(
    {
      id: "ecs-code-deploy-owns-releases",
      title: "A CodeDeploy-controlled service leaves its task definition, load balancer, count, network and platform to CodeDeploy",
      mirrors: [],
      fix: "Add task_definition, load_balancer, desired_count, network_configuration and platform_version to the service's lifecycle.ignore_changes (the AppSpec carries the network and platform).",
    },
    ["aws_ecs_service"],
    (s) => {
      if (s.deployment_controller?.type !== "CODE_DEPLOY") return undefined;
      const ignored = asArray(s.lifecycle?.ignore_changes);
      const missing = ["task_definition", "load_balancer", "desired_count", "network_configuration", "platform_version"].filter((a) => !ignored.includes(a));
      return missing.length > 0 ? `the next apply would undo a release, or fail (UpdateService refuses network and platform changes here): ${missing.join(", ")} not ignored` : undefined;
    },
  ),
  perResource(
    {
      id: "ecs-distinct-roles",
      title: "Task definitions use separate execution and task roles",
      mirrors: ["checkov CKV_AWS_249"],
      fix: "Give the task its own role; the execution role is only for ECS to start it.",
    },
    ["aws_ecs_task_definition"],
    (t) => (t.execution_role_arn && t.execution_role_arn === t.task_role_arn ? "the execution role is also the task role" : undefined),
  ),
  taskRule(
    {
      id: "ecs-read-only-root",
      title: "Containers have read-only root filesystems",
      mirrors: ["checkov CKV_AWS_336"],
      fix: "Set readonlyRootFilesystem: true and give writable folders as task volumes.",
    },
    (c) => (c.readonlyRootFilesystem === true ? undefined : "writable root filesystem"),
  ),
  taskRule(
    {
      id: "ecs-not-privileged",
      title: "Containers are not privileged",
      // checkov's CKV_AWS_334 reads a container key "privilege", which ECS does not have: it never fires on privileged: true.
      mirrors: [],
      fix: "Remove privileged: true.",
    },
    (c) => (c.privileged === true ? "privileged" : undefined),
  ),
  perResource(
    {
      id: "ecs-no-host-pid",
      title: "Tasks do not share the host's process namespace",
      // checkov's CKV_AWS_335 looks for pidMode inside a container definition, not the task's pid_mode: it never fires here.
      mirrors: [],
      fix: "Remove pid_mode = host.",
    },
    ["aws_ecs_task_definition"],
    (t) => (t.pid_mode === "host" ? "pid_mode is host" : undefined),
  ),
  taskRule(
    {
      id: "ecs-no-plaintext-secrets",
      title: "No secret in a container's plain environment",
      mirrors: ["trivy AVD-AWS-0036"],
      fix: "Move the value to Secrets Manager or SSM and reference it under service.django.secrets.",
    },
    (c) => {
      const names = asArray(c.environment)
        .map((e: any) => e.name)
        .filter((n: string) => SECRET_NAME.test(n));
      return names.length > 0 ? `plain environment ${names.join(", ")}` : undefined;
    },
  ),
  taskRule(
    {
      id: "ecs-logs",
      title: "Every container sends its logs to CloudWatch",
      mirrors: [],
      fix: "Give the container a logConfiguration with the awslogs driver.",
    },
    (c) => (c.logConfiguration?.logDriver ? undefined : "no log configuration"),
  ),
  perResource(
    {
      id: "ecr-scan-on-push",
      title: "ECR repositories scan every pushed image",
      mirrors: ["checkov CKV_AWS_163"],
      fix: "Set image_scanning_configuration.scan_on_push = true.",
    },
    ["aws_ecr_repository"],
    (r) => (r.image_scanning_configuration?.scan_on_push === true ? undefined : "scan on push is off"),
  ),
  perResource(
    {
      id: "ecr-immutable-tags",
      title: "ECR tags are immutable",
      mirrors: ["checkov CKV_AWS_51"],
      fix: 'Set image_tag_mutability = "IMMUTABLE", so a tag names one image forever.',
    },
    ["aws_ecr_repository"],
    (r) => (r.image_tag_mutability === "IMMUTABLE" ? undefined : "tags can be overwritten"),
  ),
  {
    id: "ecr-lifecycle-policy",
    title: "ECR repositories expire old images",
    mirrors: [],
    fix: "Add an aws_ecr_lifecycle_policy keeping the newest images (service.keepImages).",
    check(config) {
      const policies = resources(config, "aws_ecr_lifecycle_policy").map(([, p]) => p.repository);
      return resources(config, "aws_ecr_repository")
        .filter(([address]) => !policies.some((p) => refersTo(p, address)))
        .map(([address]) => ({ rule: "ecr-lifecycle-policy", resource: address, message: "no lifecycle policy" }));
    },
  },
  perResource(
    {
      id: "log-group-retention",
      title: "Log groups have a retention period",
      mirrors: ["checkov CKV_AWS_66"],
      fix: "Set retention_in_days (service.logRetentionDays, network.flowLogs.retentionDays).",
    },
    ["aws_cloudwatch_log_group"],
    (g) => (g.retention_in_days ? undefined : "logs are kept forever"),
  ),
];
