/**
 * The web service as composed in a stack: the task, the service and its
 * security group, auto scaling, Redis, service discovery, DNS and deployment.
 */
import { WebService } from "../../src/constructs/web-service";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, testApp } from "../support/app";
import { testNetwork } from "../support/network";
import { servicePlan } from "../support/service";

function synth(overrides: Record<string, unknown> = {}, dualStack = true, disposable = false): any {
  const stack = new ProjectStack(testApp(), "test");
  const network = testNetwork(stack, dualStack);
  new WebService(stack, "web", { plan: servicePlan(overrides, disposable), network, region: "ap-northeast-2", accountId: "123456789012" });
  return synthJson(stack);
}

const one = (json: any, type: string) => {
  const all = Object.values<any>(resourcesOf(json, type));
  expect(all).toHaveLength(1);
  return all[0];
};
const containers = (json: any) => JSON.parse(one(json, "aws_ecs_task_definition").container_definitions);

describe("WebService", () => {
  const json = synth();

  // The orderings AWS needs and Terraform cannot see from references (found by the apply lane, issue 10).
  describe("ordering", () => {
    it("the service waits for the rules that attach its target group, its execution policy and the private routes", () => {
      expect(one(json, "aws_ecs_service").depends_on).toEqual([
        "aws_lb_listener_rule.web_load-balancer_https-forward",
        "aws_lb_listener_rule.web_load-balancer_test-forward",
        "aws_iam_role_policy.web_task_execution-policy",
        "aws_route.network_private-internet-a",
        "aws_route_table_association.network_private-routes-a-association",
        "aws_route.network_private-internet-c",
        "aws_route_table_association.network_private-routes-c-association",
      ]);
    });

    it("the deployment group waits for its role's policy", () => {
      expect(one(json, "aws_codedeploy_deployment_group").depends_on).toEqual(["aws_iam_role_policy_attachment.web_deployment_role-policy"]);
    });
  });

  describe("teardown guards", () => {
    const disposable = synth({}, true, true);

    it("are on by default: deletion protection, kept revisions, no force_destroy or force_delete", () => {
      expect(one(json, "aws_lb").enable_deletion_protection).toBe(true);
      expect(one(json, "aws_ecs_task_definition").skip_destroy).toBe(true);
      expect(resourcesOf(json, "aws_s3_bucket")["web_access-logs_bucket"].force_destroy).toBeUndefined();
      for (const repo of Object.values<any>(resourcesOf(json, "aws_ecr_repository"))) expect(repo.force_delete).toBeUndefined();
    });

    it("are off in a disposable environment, so destroy finishes in one pass", () => {
      expect(one(disposable, "aws_lb").enable_deletion_protection).toBe(false);
      expect(one(disposable, "aws_ecs_task_definition").skip_destroy).toBe(false);
      expect(resourcesOf(disposable, "aws_s3_bucket")["web_access-logs_bucket"].force_destroy).toBe(true);
      for (const repo of Object.values<any>(resourcesOf(disposable, "aws_ecr_repository"))) expect(repo.force_delete).toBe(true);
    });
  });

  it("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
  });

  describe("service", () => {
    it("is deployed by CodeDeploy, which (with auto scaling) owns what Terraform then ignores", () => {
      const service = one(json, "aws_ecs_service");
      expect(service.deployment_controller).toEqual({ type: "CODE_DEPLOY" });
      expect(service.lifecycle).toEqual({ ignore_changes: ["task_definition", "load_balancer", "desired_count", "network_configuration", "platform_version"] });
      // What CodeDeploy applies instead: the network settings each deployment's AppSpec carries.
      const settings = one(json, "aws_ssm_parameter");
      expect(settings.name).toBe("/shop/prod/web/network-configuration");
      expect(JSON.parse(settings.value)).toEqual({
        subnets: ["${aws_subnet.network_private-a.id}", "${aws_subnet.network_private-c.id}"],
        securityGroups: ["${aws_security_group.web_service-security-group_security-group.id}"],
        assignPublicIp: "DISABLED",
      });
      expect(service.load_balancer).toEqual([
        { container_name: "nginx", container_port: 80, target_group_arn: "${aws_lb_target_group.web_load-balancer_blue.arn}" },
      ]);
    });

    it("runs in the private subnets without a public IP, registered in Cloud Map", () => {
      const service = one(json, "aws_ecs_service");
      expect(service.network_configuration).toEqual({
        assign_public_ip: false,
        security_groups: ["${aws_security_group.web_service-security-group_security-group.id}"],
        subnets: ["${aws_subnet.network_private-a.id}", "${aws_subnet.network_private-c.id}"],
      });
      expect(service.service_registries.registry_arn).toBe("${aws_service_discovery_service.web_discovery_service.arn}");
      expect(service.health_check_grace_period_seconds).toBe(60);
    });

    it("has exactly one ingress rule, from the load balancer's group to nginx", () => {
      const serviceGroup = "${aws_security_group.web_service-security-group_security-group.id}";
      const ingress = Object.values<any>(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter((r) => r.security_group_id === serviceGroup);
      expect(ingress).toEqual([
        {
          security_group_id: serviceGroup,
          referenced_security_group_id: "${aws_security_group.web_load-balancer_security-group.id}",
          ip_protocol: "tcp",
          from_port: 80,
          to_port: 80,
          description: "From the load balancer to nginx",
        },
      ]);
    });

    it("lets in each service-discovery client the manifest names, to nginx only, and no one else", () => {
      const withClients = synth({ serviceDiscovery: { clients: [{ securityGroupId: "sg-0123456789abcdef0", description: "the billing worker" }] } });
      const serviceGroup = "${aws_security_group.web_service-security-group_security-group.id}";
      const ingress = Object.values<any>(resourcesOf(withClients, "aws_vpc_security_group_ingress_rule")).filter((r) => r.security_group_id === serviceGroup);
      expect(ingress.map((r) => [r.referenced_security_group_id, r.from_port, r.to_port, r.description]).sort((a, b) => String(a[3]).localeCompare(String(b[3])))).toEqual([
        ["${aws_security_group.web_load-balancer_security-group.id}", 80, 80, "From the load balancer to nginx"],
        ["sg-0123456789abcdef0", 80, 80, "Service discovery client: the billing worker"],
      ]);
    });

    it("turns Container Insights on", () => {
      expect(one(json, "aws_ecs_cluster").setting).toEqual([{ name: "containerInsights", value: "enabled" }]);
    });
  });

  describe("task", () => {
    it("runs nginx after Django is healthy, both with health checks and read-only root filesystems", () => {
      const [django, nginx] = containers(json);
      expect([django.name, nginx.name]).toEqual(["django", "nginx"]);
      expect(nginx.dependsOn).toEqual([{ containerName: "django", condition: "HEALTHY" }]);
      expect(django.dependsOn).toEqual([]);
      for (const c of [django, nginx]) {
        expect(c.healthCheck.command.join(" ")).toContain("/health/");
        expect(c.readonlyRootFilesystem).toBe(true);
        expect(c.logConfiguration.options["awslogs-group"]).toBe("${aws_cloudwatch_log_group.web_task_logs.name}");
      }
      expect(nginx.portMappings).toEqual([{ containerPort: 80, hostPort: 80, protocol: "tcp" }]);
      expect(nginx.environment).toEqual([]);
    });

    it("passes secrets by ARN, never as values", () => {
      const [django] = containers(json);
      expect(django.secrets).toEqual([{ name: "DJANGO_SECRET_KEY", valueFrom: "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:shop/key" }]);
      expect(django.environment.map((e: any) => e.name)).not.toContain("DJANGO_SECRET_KEY");
    });

    it("has separate execution and task roles; the execution role reads only the named secrets, as IAM sees them (with the random suffix)", () => {
      const task = one(json, "aws_ecs_task_definition");
      expect(task.execution_role_arn).toBe("${aws_iam_role.web_task_execution-role.arn}");
      expect(task.task_role_arn).toBe("${aws_iam_role.web_task_task-role.arn}");
      const policy = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["web_task_execution-policy"].policy);
      expect(policy.Statement.find((s: any) => s.Sid === "ReadSecrets")).toEqual({
        Sid: "ReadSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: ["arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:shop/key-??????"],
      });
      expect(policy.Statement.find((s: any) => s.Sid === "PullImages").Resource).toEqual([
        "${aws_ecr_repository.web_repositories_django.arn}",
        "${aws_ecr_repository.web_repositories_nginx.arn}",
      ]);
      expect(resourcesOf(json, "aws_iam_role_policy_attachment")).not.toHaveProperty("web_task_task-role-policy");
    });

    it("sizes the task from the manifest and splits CPU only when asked", () => {
      expect(one(json, "aws_ecs_task_definition")).toMatchObject({ cpu: "512", memory: "1024" });
      expect(containers(json).map((c: any) => c.cpu)).toEqual([undefined, undefined]);
      const split = containers(synth({ cpu: 1, memory: 2048, cpuSplit: { nginx: 0.15 } }));
      expect(split.map((c: any) => c.cpu)).toEqual([871, 153]);
    });

    it("runs the initial image tag from this stack's repositories, which are immutable and scanned", () => {
      expect(containers(json)[0].image).toBe("${aws_ecr_repository.web_repositories_django.repository_url}:initial");
      for (const repo of Object.values<any>(resourcesOf(json, "aws_ecr_repository"))) {
        expect(repo).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true } });
      }
    });
  });

  describe("Redis", () => {
    it("lets the service into an existing Redis's security group and passes its URL", () => {
      const existing = synth({ redis: { mode: "existing", securityGroupId: "sg-0123456789abcdef0", url: "redis://redis.internal:6379/0" } });
      expect(resourcesOf(existing, "aws_vpc_security_group_ingress_rule")["web_redis_from-service"]).toMatchObject({
        security_group_id: "sg-0123456789abcdef0",
        referenced_security_group_id: "${aws_security_group.web_service-security-group_security-group.id}",
        from_port: 6379,
      });
      expect(containers(existing)[0].environment).toContainEqual({ name: "REDIS_URL", value: "redis://redis.internal:6379/0" });
      expect(resourcesOf(existing, "aws_elasticache_replication_group")).toEqual({});
    });

    it("creates an encrypted, multi-AZ replication group when asked, and passes its TLS URL", () => {
      const created = synth({ redis: { mode: "create", replicas: 1 } });
      expect(one(created, "aws_elasticache_replication_group")).toMatchObject({
        num_cache_clusters: 2,
        automatic_failover_enabled: true,
        multi_az_enabled: true,
        at_rest_encryption_enabled: "true",
        transit_encryption_enabled: true,
      });
      expect(containers(created)[0].environment).toContainEqual({
        name: "REDIS_URL",
        value: "rediss://${aws_elasticache_replication_group.web_redis_replication-group.primary_endpoint_address}:6379/0",
      });
    });

    it("creates nothing for Redis by default", () => {
      expect(Object.keys(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).filter((k) => k.includes("redis"))).toEqual([]);
      expect(containers(json)[0].environment.map((e: any) => e.name)).not.toContain("REDIS_URL");
    });
  });

  describe("DNS", () => {
    it("validates the certificate in the hosted zone and points A and AAAA aliases at a dual-stack load balancer", () => {
      const records = Object.values<any>(resourcesOf(json, "aws_route53_record"));
      const aliases = records.filter((r) => r.alias).map((r) => `${r.type} ${r.name}`);
      expect(aliases.sort()).toEqual(["A shop.example.com", "A www.example.com", "AAAA shop.example.com", "AAAA www.example.com"]);
      expect(records.filter((r) => !r.alias)).toHaveLength(2);
      expect(records.every((r) => r.zone_id === "Z0123456789EXAMPLE")).toBe(true);
      expect(one(json, "aws_acm_certificate")).toMatchObject({
        domain_name: "shop.example.com",
        subject_alternative_names: ["www.example.com"],
        validation_method: "DNS",
      });
    });

    it("makes no AAAA records for an IPv4-only load balancer", () => {
      const records = Object.values<any>(resourcesOf(synth({}, false), "aws_route53_record"));
      expect(records.filter((r) => r.type === "AAAA")).toEqual([]);
    });
  });

  describe("auto scaling", () => {
    it("tracks CPU, memory and requests per task, scaling out faster than in", () => {
      const policies = Object.values<any>(resourcesOf(json, "aws_appautoscaling_policy"));
      expect(policies.map((p) => p.name)).toEqual(["cpu", "memory", "requests"].map((m) => `\${aws_ecs_service.web_service_service.name}-${m}`));
      for (const p of policies) {
        expect(p.target_tracking_scaling_policy_configuration).toMatchObject({ scale_out_cooldown: 60, scale_in_cooldown: 300 });
      }
      expect(one(json, "aws_appautoscaling_target")).toMatchObject({ min_capacity: 2, max_capacity: 10 });
    });

    it("counts requests of both target groups, so scaling survives a blue/green swap", () => {
      const requests = resourcesOf(json, "aws_appautoscaling_policy")["web_auto-scaling_requests"];
      const metrics = requests.target_tracking_scaling_policy_configuration.customized_metric_specification.metrics;
      expect(metrics.find((m: any) => m.return_data).expression).toBe("(FILL(requests0, 0) + FILL(requests1, 0)) / tasks");
    });
  });

  describe("deployment", () => {
    it("is blue/green with traffic control, both listeners and both target groups", () => {
      const group = one(json, "aws_codedeploy_deployment_group");
      expect(group.deployment_style).toEqual({ deployment_option: "WITH_TRAFFIC_CONTROL", deployment_type: "BLUE_GREEN" });
      expect(group.deployment_config_name).toBe("CodeDeployDefault.ECSAllAtOnce");
      expect(group.load_balancer_info.target_group_pair_info).toEqual({
        prod_traffic_route: { listener_arns: ["${aws_lb_listener.web_load-balancer_https.arn}"] },
        test_traffic_route: { listener_arns: ["${aws_lb_listener.web_load-balancer_test.arn}"] },
        target_group: [{ name: "${aws_lb_target_group.web_load-balancer_blue.name}" }, { name: "${aws_lb_target_group.web_load-balancer_green.name}" }],
      });
    });

    it("keeps the old task set for the rollback window and rolls back on failure and on alarms", () => {
      const group = one(json, "aws_codedeploy_deployment_group");
      expect(group.blue_green_deployment_config.terminate_blue_instances_on_deployment_success).toEqual({
        action: "TERMINATE",
        termination_wait_time_in_minutes: 5,
      });
      expect(group.auto_rollback_configuration).toEqual({ enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] });
      expect(group.alarm_configuration.alarms).toHaveLength(6);
      const alarms = Object.values<any>(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);
      expect(alarms.sort()).toEqual([
        "shop-prod-5xx-rate-blue",
        "shop-prod-5xx-rate-green",
        "shop-prod-elb-5xx-rate",
        "shop-prod-slow-responses",
        "shop-prod-unhealthy-targets-blue",
        "shop-prod-unhealthy-targets-green",
      ]);
    });

    it("measures each target group's own 5xx rate, so a canary's errors are not diluted by the old tasks' traffic", () => {
      const alarms = Object.values<any>(resourcesOf(json, "aws_cloudwatch_metric_alarm"));
      const green = alarms.find((a) => a.alarm_name === "shop-prod-5xx-rate-green");
      const dimensions = green.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric.dimensions.TargetGroup);
      expect(dimensions).toEqual(["${aws_lb_target_group.web_load-balancer_green.arn_suffix}", "${aws_lb_target_group.web_load-balancer_green.arn_suffix}"]);
      const elb = alarms.find((a) => a.alarm_name === "shop-prod-elb-5xx-rate");
      expect(elb.metric_query.find((q: any) => q.id === "errors").metric.metric_name).toBe("HTTPCode_ELB_5XX_Count");
    });

    it("tells people: alarms and failed, stopped or rolled-back deployments go to an encrypted SNS topic with the manifest's subscribers", () => {
      const notified = synth({ deployment: { alarms: { notify: ["oncall@shop.example"] } } });
      const topic = one(notified, "aws_sns_topic");
      // A key of its own: alias/aws/sns lets no AWS service (CloudWatch, EventBridge) publish to the topic.
      expect(topic.kms_master_key_id).toBe("${aws_kms_key.web_notifications_key.arn}");
      const keyPolicy = JSON.parse(resourcesOf(notified, "aws_kms_key")["web_notifications_key"].policy);
      expect(keyPolicy.Statement.find((s: any) => s.Sid === "ServicesPublish")).toMatchObject({
        Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      });
      const topicPolicy = JSON.parse(one(notified, "aws_sns_topic_policy").policy);
      expect(topicPolicy.Statement.find((s: any) => s.Sid === "ServicesPublish")).toMatchObject({ Action: "sns:Publish", Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] } });
      expect(one(notified, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "oncall@shop.example" });
      for (const alarm of Object.values<any>(resourcesOf(notified, "aws_cloudwatch_metric_alarm"))) expect(alarm.alarm_actions).toEqual(["${aws_sns_topic.web_notifications_topic.arn}"]);
      expect(one(notified, "aws_codedeploy_deployment_group").trigger_configuration).toEqual([
        { trigger_name: "failed-or-rolled-back", trigger_target_arn: "${aws_sns_topic.web_notifications_topic.arn}", trigger_events: ["DeploymentFailure", "DeploymentRollback", "DeploymentStop"] },
      ]);
    });

    it("waits on the test listener for a manual continue when the manifest says so, and stops the release if nobody does", () => {
      expect(one(json, "aws_codedeploy_deployment_group").blue_green_deployment_config.deployment_ready_option).toEqual({ action_on_timeout: "CONTINUE_DEPLOYMENT" });
      const waiting = one(synth({ deployment: { testTrafficWaitMinutes: 60 } }), "aws_codedeploy_deployment_group");
      expect(waiting.blue_green_deployment_config.deployment_ready_option).toEqual({ action_on_timeout: "STOP_DEPLOYMENT", wait_time_in_minutes: 60 });
    });

    it("uses the traffic-shifting config from the manifest", () => {
      expect(one(synth({ deployment: { trafficShifting: "canary10Percent5Minutes" } }), "aws_codedeploy_deployment_group").deployment_config_name).toBe(
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
      );
    });
  });

  describe("initial images", () => {
    const built = synth({ initialImages: "build" });

    it("are built from app/ and pushed to ECR during deploy, before the service starts", () => {
      const images = resourcesOf(built, "docker_image");
      expect(images["web_initial-images_django-image"]).toMatchObject({
        name: "${aws_ecr_repository.web_repositories_django.repository_url}:initial",
        build: { context: "../../../app/django", platform: "linux/amd64" },
        provider: "docker.ecr",
      });
      expect(images["web_initial-images_nginx-image"].build.build_args).toEqual({ NGINX_PORT: "80", DJANGO_UPSTREAM: "127.0.0.1:8000" });
      expect(Object.values<any>(resourcesOf(built, "docker_registry_image")).map((r) => r.keep_remotely)).toEqual([true, true]);
      expect(one(built, "aws_ecs_service").depends_on).toEqual(
        expect.arrayContaining(["docker_registry_image.web_initial-images_django-push", "docker_registry_image.web_initial-images_nginx-push"]),
      );
    });

    it("log in to ECR with an authorization token", () => {
      expect(built.data.aws_ecr_authorization_token).toBeDefined();
      expect(built.provider.docker[0].registry_auth[0]).toEqual({
        address: '${replace(data.aws_ecr_authorization_token.web_initial-images_registry-token.proxy_endpoint, "https://", "")}',
        username: "${data.aws_ecr_authorization_token.web_initial-images_registry-token.user_name}",
        password: "${data.aws_ecr_authorization_token.web_initial-images_registry-token.password}",
      });
    });

    it("are not built by default (push them yourself, or let the release workflow)", () => {
      expect(resourcesOf(json, "docker_image")).toEqual({});
      expect(json.provider?.docker).toBeUndefined();
    });
  });

  it("draws one dashboard: the deployment alarms, blue and green side by side, the load balancer's own 5xx, CPU and memory", () => {
    const body = JSON.parse(one(json, "aws_cloudwatch_dashboard").dashboard_body);
    expect(body.widgets[0].properties.alarms).toHaveLength(6);
    const titles = body.widgets.slice(1).map((w: any) => w.properties.title);
    expect(titles).toEqual([
      "Requests per target group",
      "5xx from the tasks, per target group",
      "5xx from the load balancer itself (no healthy task)",
      "Response time p95 (seconds)",
      "Healthy tasks per target group",
      "CPU and memory (% of the task's reservation)",
    ]);
    const requests = body.widgets[1].properties.metrics.map((m: any[]) => m[5]);
    expect(requests).toEqual(["${aws_lb_target_group.web_load-balancer_blue.arn_suffix}", "${aws_lb_target_group.web_load-balancer_green.arn_suffix}"]);
  });

  describe("ECS Exec", () => {
    const withExec = synth({ exec: { enabled: true } });

    it("is off unless the manifest turns it on", () => {
      expect(one(json, "aws_ecs_service").enable_execute_command).toBe(false);
      expect(Object.keys(resourcesOf(json, "aws_kms_key"))).toEqual(["web_notifications_key"]);
    });

    it("encrypts sessions and their log with a rotated key of its own, and logs every session", () => {
      expect(one(withExec, "aws_ecs_service").enable_execute_command).toBe(true);
      expect(resourcesOf(withExec, "aws_kms_key")["web_exec_key"].enable_key_rotation).toBe(true);
      expect(resourcesOf(withExec, "aws_kms_alias")["web_exec_alias"].name).toBe("alias/shop-prod-ecs-exec");
      const sessionLog = Object.values<any>(resourcesOf(withExec, "aws_cloudwatch_log_group")).find((g) => g.name === "/ecs/shop-prod/exec");
      expect(sessionLog.kms_key_id).toBe("${aws_kms_key.web_exec_key.arn}");
      expect(one(withExec, "aws_ecs_cluster").configuration.execute_command_configuration).toEqual({
        kms_key_id: "${aws_kms_key.web_exec_key.arn}",
        logging: "OVERRIDE",
        log_configuration: { cloud_watch_log_group_name: "${aws_cloudwatch_log_group.web_exec_log-group.name}", cloud_watch_encryption_enabled: true },
      });
    });

    it("lets the task role open exec channels, use the key and write the session log, nothing more", () => {
      const policy = Object.values<any>(resourcesOf(withExec, "aws_iam_role_policy")).find((p) => p.name === "ecs-exec");
      expect(policy.role).toBe("${aws_iam_role.web_task_task-role.name}");
      const statements = JSON.parse(policy.policy).Statement.map((st: any) => [st.Sid, st.Resource]);
      expect(statements).toEqual([
        ["OpenExecChannels", "*"],
        ["UseSessionKey", "${aws_kms_key.web_exec_key.arn}"],
        ["WriteSessionLog", "arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/shop-prod/exec:*"],
        ["FindSessionLog", "arn:aws:logs:ap-northeast-2:123456789012:log-group:*"],
      ]);
    });

    it("gives the exec agent writable folders in the read-only Django container", () => {
      const django = JSON.parse(one(withExec, "aws_ecs_task_definition").container_definitions).find((c: any) => c.name === "django");
      expect(django.readonlyRootFilesystem).toBe(true);
      expect(django.mountPoints.map((m: any) => m.containerPath)).toEqual(["/tmp", "/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"]);
    });
  });

  it("outputs what the release pipeline needs", () => {
    expect(Object.keys(json.output).sort()).toEqual(
      [
        "cluster_name",
        "codedeploy_application",
        "codedeploy_deployment_group",
        "containers",
        "dashboard_url",
        "execution_role_arn",
        "load_balanced_container",
        "load_balancer_dns_name",
        "log_group",
        "nat_egress_ips",
        "private_subnet_ids",
        "public_subnet_ids",
        "repository_urls",
        "service_discovery_name",
        "service_name",
        "service_security_group_id",
        "task_family",
        "task_role_arn",
        "url",
        "vpc_id",
      ].sort(),
    );
    expect(json.output.url.value).toBe("https://shop.example.com");
  });
});
