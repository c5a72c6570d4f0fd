/** A configuration that breaks each policy rule, and the resource its finding names (rules.test.ts, checkov-mirrors.test.ts). */
import type { TerraformConfig } from "../../src/policy";

export const r = (type: string, name: string, attrs: object): TerraformConfig => ({ resource: { [type]: { [name]: attrs } } });
export const merge = (...configs: TerraformConfig[]): TerraformConfig => {
  const out: any = { resource: {} };
  for (const c of configs) {
    for (const [type, byName] of Object.entries(c.resource ?? {})) out.resource[type] = { ...out.resource[type], ...byName };
    if (c.provider) out.provider = c.provider;
    if (c.terraform) out.terraform = c.terraform;
  }
  return out;
};
const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const task = (container: object) => r("aws_ecs_task_definition", "t", { container_definitions: JSON.stringify([{ name: "app", ...container }]) });
const bucket = r("aws_s3_bucket", "b", { bucket: "b" });

/** rule id -> a configuration that breaks it, and the resource the finding must name. */
export const VIOLATIONS: Record<string, [TerraformConfig, string]> = {
  "world-ingress-only-to-load-balancer": [
    // One port per checkov check the rule mirrors: 22, 3389, 80 (to a group that is not the load balancer's), all.
    merge(
      r("aws_vpc_security_group_ingress_rule", "ssh", { security_group_id: "sg-1", cidr_ipv4: "0.0.0.0/0", from_port: 22, to_port: 22, ip_protocol: "tcp", description: "x" }),
      r("aws_vpc_security_group_ingress_rule", "rdp", { security_group_id: "sg-1", cidr_ipv4: "0.0.0.0/0", from_port: 3389, to_port: 3389, ip_protocol: "tcp", description: "x" }),
      r("aws_vpc_security_group_ingress_rule", "http", { security_group_id: "sg-1", cidr_ipv4: "0.0.0.0/0", from_port: 80, to_port: 80, ip_protocol: "tcp", description: "x" }),
      r("aws_vpc_security_group_ingress_rule", "all", { security_group_id: "sg-1", cidr_ipv4: "0.0.0.0/0", from_port: -1, to_port: -1, ip_protocol: "-1", description: "x" }),
    ),
    "aws_vpc_security_group_ingress_rule.ssh",
  ],
  "ecs-rolling-rolls-back": [
    r("aws_ecs_service", "worker", { name: "w", deployment_controller: { type: "ECS" }, lifecycle: { ignore_changes: ["task_definition"] } }),
    "aws_ecs_service.worker",
  ],
  "scheduled-runs-are-kept": [r("aws_scheduler_schedule", "job", { name: "j", target: { arn: "c", role_arn: "r", retry_policy: { maximum_retry_attempts: 2 } } }), "aws_scheduler_schedule.job"],
  "notifications-reach-people": [
    merge(
      r("aws_sns_topic", "alerts", { name: "alerts", kms_master_key_id: "alias/aws/sns" }),
      r("aws_cloudwatch_metric_alarm", "a", { alarm_name: "a", alarm_actions: ["${aws_sns_topic.alerts.arn}"] }),
    ),
    "aws_sns_topic.alerts",
  ],
  "security-group-descriptions": [r("aws_security_group", "g", { name: "g" }), "aws_security_group.g"],
  "vpc-flow-logs": [r("aws_vpc", "v", { cidr_block: "10.0.0.0/16" }), "aws_vpc.v"],
  "default-security-group-closed": [r("aws_vpc", "v", { cidr_block: "10.0.0.0/16" }), "aws_vpc.v"],
  "subnet-no-public-ip": [r("aws_subnet", "s", { map_public_ip_on_launch: true }), "aws_subnet.s"],
  "https-listener-tls13": [r("aws_lb_listener", "l", { protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-2016-08" }), "aws_lb_listener.l"],
  "http-only-redirects": [r("aws_lb_listener", "l", { protocol: "HTTP", default_action: [{ type: "fixed-response" }] }), "aws_lb_listener.l"],
  "listener-default-never-forwards": [r("aws_lb_listener", "l", { protocol: "HTTPS", default_action: [{ type: "forward", target_group_arn: "x" }] }), "aws_lb_listener.l"],
  "load-balancer-drops-invalid-headers": [r("aws_lb", "lb", { load_balancer_type: "application" }), "aws_lb.lb"],
  "load-balancer-deletion-protection": [r("aws_lb", "lb", { enable_deletion_protection: false }), "aws_lb.lb"],
  "load-balancer-access-logs": [r("aws_lb", "lb", {}), "aws_lb.lb"],
  "load-balancer-desync-mitigation": [r("aws_lb", "lb", { desync_mitigation_mode: "monitor" }), "aws_lb.lb"],
  "target-group-health-check": [r("aws_lb_target_group", "tg", { protocol: "HTTP", deregistration_delay: "30" }), "aws_lb_target_group.tg"],
  "target-group-deregistration-delay": [r("aws_lb_target_group", "tg", { health_check: { path: "/" } }), "aws_lb_target_group.tg"],
  "certificate-create-before-destroy": [r("aws_acm_certificate", "c", { domain_name: "x.example.com" }), "aws_acm_certificate.c"],
  "ecs-no-public-ip": [r("aws_ecs_service", "s", { network_configuration: { assign_public_ip: true } }), "aws_ecs_service.s"],
  "ecs-container-insights": [r("aws_ecs_cluster", "c", { setting: [{ name: "containerInsights", value: "disabled" }] }), "aws_ecs_cluster.c"],
  "ecs-code-deploy-owns-releases": [
    r("aws_ecs_service", "s", { deployment_controller: { type: "CODE_DEPLOY" }, lifecycle: { ignore_changes: ["desired_count"] } }),
    "aws_ecs_service.s",
  ],
  "ecs-distinct-roles": [r("aws_ecs_task_definition", "t", { execution_role_arn: "arn:r", task_role_arn: "arn:r", container_definitions: "[]" }), "aws_ecs_task_definition.t"],
  "ecs-read-only-root": [task({ readonlyRootFilesystem: false }), "aws_ecs_task_definition.t"],
  "ecs-not-privileged": [task({ privileged: true }), "aws_ecs_task_definition.t"],
  "ecs-no-host-pid": [r("aws_ecs_task_definition", "t", { pid_mode: "host", container_definitions: "[]" }), "aws_ecs_task_definition.t"],
  "ecs-no-plaintext-secrets": [task({ environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }), "aws_ecs_task_definition.t"],
  "ecs-logs": [task({}), "aws_ecs_task_definition.t"],
  "ecr-scan-on-push": [r("aws_ecr_repository", "e", { image_tag_mutability: "IMMUTABLE" }), "aws_ecr_repository.e"],
  "ecr-immutable-tags": [r("aws_ecr_repository", "e", { image_tag_mutability: "MUTABLE" }), "aws_ecr_repository.e"],
  "ecr-lifecycle-policy": [r("aws_ecr_repository", "e", {}), "aws_ecr_repository.e"],
  "log-group-retention": [r("aws_cloudwatch_log_group", "g", { name: "/x" }), "aws_cloudwatch_log_group.g"],
  "s3-versioning": [bucket, "aws_s3_bucket.b"],
  "s3-encryption": [
    merge(bucket, r("aws_s3_bucket_server_side_encryption_configuration", "e", { bucket: "${aws_s3_bucket.b.id}", rule: [{ apply_server_side_encryption_by_default: {} }] })),
    "aws_s3_bucket.b",
  ],
  "s3-public-access-block": [
    merge(
      bucket,
      r("aws_s3_bucket_public_access_block", "p", { bucket: "${aws_s3_bucket.b.id}", block_public_acls: false, block_public_policy: false, ignore_public_acls: false, restrict_public_buckets: false }),
    ),
    "aws_s3_bucket.b",
  ],
  "s3-tls-only": [bucket, "aws_s3_bucket.b"],
  "s3-owner-enforced": [merge(bucket, r("aws_s3_bucket_ownership_controls", "o", { bucket: "${aws_s3_bucket.b.id}", rule: { object_ownership: "ObjectWriter" } })), "aws_s3_bucket.b"],
  "s3-abort-incomplete-uploads": [
    merge(bucket, r("aws_s3_bucket_lifecycle_configuration", "l", { bucket: "${aws_s3_bucket.b.id}", rule: [{ id: "expire", status: "Enabled", filter: [{ prefix: "" }], expiration: [{ days: 90 }] }] })),
    "aws_s3_bucket.b",
  ],
  "state-bucket-prevent-destroy": [r("aws_s3_bucket", "b", { bucket: "b", tags: { purpose: "terraform-state" } }), "aws_s3_bucket.b"],
  "dynamodb-point-in-time-recovery": [r("aws_dynamodb_table", "t", { name: "locks" }), "aws_dynamodb_table.t"],
  "redis-encryption-at-rest": [r("aws_elasticache_replication_group", "g", { at_rest_encryption_enabled: "false" }), "aws_elasticache_replication_group.g"],
  "redis-encryption-in-transit": [r("aws_elasticache_replication_group", "g", { transit_encryption_enabled: false }), "aws_elasticache_replication_group.g"],
  "redis-backups": [r("aws_elasticache_replication_group", "g", { snapshot_retention_limit: 0 }), "aws_elasticache_replication_group.g"],
  "iam-no-administrator": [
    r("aws_iam_role_policy_attachment", "a", { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    "aws_iam_role_policy_attachment.a",
  ],
  "iam-no-wildcard-actions": [r("aws_iam_role_policy", "p", { name: "p", role: "r", policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) }), "aws_iam_role_policy.p"],
  "iam-scoped-resources": [r("aws_iam_role_policy", "p", { name: "p", role: "r", policy: policy({ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }) }), "aws_iam_role_policy.p"],
  "iam-trust-scoped": [
    r("aws_iam_role", "r", { name: "r", assume_role_policy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }),
    "aws_iam_role.r",
  ],
  "provider-allowed-accounts": [{ provider: { aws: [{ region: "us-east-1" }] } }, "provider.aws"],
  "state-encrypted-and-locked": [{ terraform: { backend: { s3: { bucket: "b", key: "k", encrypt: true } } } }, "terraform.backend.s3"],
  "ecs-service-waits-for-forwarding": [
    merge(
      r("aws_lb_target_group", "blue", { port: 80 }),
      r("aws_lb_listener_rule", "forward", { action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.blue.arn}" }] }),
      // The defect the apply lane found: the service does not wait for the rule that attaches its group.
      r("aws_ecs_service", "s", { load_balancer: [{ target_group_arn: "${aws_lb_target_group.blue.arn}" }], depends_on: ["aws_iam_role_policy.p"] }),
    ),
    "aws_ecs_service.s",
  ],
  "codedeploy-auto-rollback": [r("aws_codedeploy_deployment_group", "g", { auto_rollback_configuration: { enabled: false } }), "aws_codedeploy_deployment_group.g"],
  "listener-rule-priorities-unique": [
    merge(
      r("aws_lb_listener_rule", "a", { listener_arn: "${aws_lb_listener.https.arn}", priority: 10 }),
      r("aws_lb_listener_rule", "b", { listener_arn: "${aws_lb_listener.https.arn}", priority: 10 }),
    ),
    "aws_lb_listener_rule.b",
  ],
  "deployment-group-moves-its-own-service": [
    merge(
      r("aws_ecs_service", "api", { name: "api", load_balancer: [{ target_group_arn: "${aws_lb_target_group.api_blue.arn}" }] }),
      // The api's group names the main service's target groups: its releases would move the main service's traffic.
      r("aws_codedeploy_deployment_group", "api", {
        ecs_service: { service_name: "${aws_ecs_service.api.name}" },
        load_balancer_info: { target_group_pair_info: { target_group: [{ name: "${aws_lb_target_group.blue.name}" }, { name: "${aws_lb_target_group.green.name}" }] } },
      }),
    ),
    "aws_codedeploy_deployment_group.api",
  ],
};

