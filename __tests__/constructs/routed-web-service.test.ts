/**
 * A routed web service beside the main one: its rules, target groups, tasks and deployment group, and
 * what it shares with the main service (load balancer, cluster, images, roles, CodeDeploy application).
 */
import { z } from "zod";
import { RoutedWebService } from "../../src/constructs/routed-web-service";
import { WebService } from "../../src/constructs/web-service";
import { webServicesSection } from "../../src/manifest/web-services-schema";
import { planWebServices, webServiceSecretArns } from "../../src/plan/web-services";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, testApp } from "../support/app";
import { testNetwork } from "../support/network";
import { servicePlan } from "../support/service";

const SECTION = {
  webServices: {
    api: { routing: { paths: ["/api/*"] }, cpu: 0.25, memory: 512, desiredCount: 1, autoScaling: { minCapacity: 1, maxCapacity: 3 } },
    admin: {
      routing: { hosts: ["admin.example.com"], priority: 5 },
      django: { secrets: { ADMIN_SSO_KEY: "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/admin-sso" } },
    },
  },
};

function synth(): any {
  const stack = new ProjectStack(testApp(), "test");
  const network = testNetwork(stack, true);
  const service = servicePlan({ redis: { mode: "create" } });
  const routed = planWebServices(z.object(webServicesSection).parse(SECTION).webServices, service);
  const web = new WebService(stack, "web", {
    plan: service,
    network,
    region: "ap-northeast-2",
    accountId: "123456789012",
    extraSecretArns: webServiceSecretArns(routed),
    routedHostnames: routed.flatMap((r) => r.ownHostnames),
  });
  for (const plan of routed) {
    new RoutedWebService(stack, `web-${plan.name}`, {
      plan,
      web: web.shared,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      hostedZoneId: service.domain!.hostedZoneId,
      dualStack: true,
      shared: { healthCheckPath: service.healthCheckPath, deregistrationDelaySeconds: 30, platformVersion: "1.4.0", healthCheckGracePeriodSeconds: 60 },
      accountId: "123456789012",
      region: "ap-northeast-2",
    });
  }
  return synthJson(stack);
}

const json = synth();
const of = (type: string) => resourcesOf(json, type);

describe("RoutedWebService", () => {
  it("matches the snapshot", () => {
    const routedOnly = Object.fromEntries(
      Object.entries<any>(json.resource)
        .map(([type, resources]) => [type, Object.fromEntries(Object.entries(resources).filter(([id]) => id.startsWith("web-")))] as const)
        .filter(([, resources]) => Object.keys(resources).length > 0),
    );
    expect(routedOnly).toMatchSnapshot();
  });

  it("forwards its hosts and paths on both HTTPS listeners, before the service's rule, and leaves the action to CodeDeploy", () => {
    const rules = of("aws_lb_listener_rule");
    expect(rules["web-api_https-forward"]).toMatchObject({
      listener_arn: "${aws_lb_listener.web_load-balancer_https.arn}",
      priority: 10,
      // Paths alone are matched on the service's hostnames only: another host keeps its 404.
      condition: [{ host_header: { values: ["shop.example.com", "www.example.com"] } }, { path_pattern: { values: ["/api/*"] } }],
      action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.web-api_blue.arn}" }],
      lifecycle: { ignore_changes: ["action"] },
    });
    expect(rules["web-api_test-forward"].listener_arn).toBe("${aws_lb_listener.web_load-balancer_test.arn}");
    expect(rules["web-admin_https-forward"]).toMatchObject({ priority: 5, condition: [{ host_header: { values: ["admin.example.com"] } }] });
    for (const id of ["web-api_https-forward", "web-admin_https-forward"]) expect(rules[id].priority).toBeLessThan(rules["web_load-balancer_https-forward"].priority);
    expect(of("aws_lb_target_group")["web-api_green"]).toMatchObject({ name: "shop-prod-api-green", target_type: "ip", port: 80, health_check: { path: "/health/" } });
  });

  it("runs in the service's cluster with the service's images and roles, created only after its rules forward", () => {
    const service = of("aws_ecs_service")["web-api_service_service"];
    expect(service).toMatchObject({
      name: "shop-prod-web-api",
      cluster: "${aws_ecs_cluster.web_service_cluster.arn}",
      deployment_controller: { type: "CODE_DEPLOY" },
      load_balancer: [{ target_group_arn: "${aws_lb_target_group.web-api_blue.arn}", container_name: "nginx", container_port: 80 }],
      network_configuration: { security_groups: ["${aws_security_group.web-api_security-group_security-group.id}"], assign_public_ip: false },
    });
    expect(service.service_registries).toBeUndefined();
    expect(service.depends_on).toEqual(expect.arrayContaining(["aws_lb_listener_rule.web-api_https-forward", "aws_lb_listener_rule.web-api_test-forward", "aws_iam_role_policy.web_task_execution-policy"]));
    expect(Object.keys(of("aws_ecs_cluster"))).toEqual(["web_service_cluster"]);

    const task = of("aws_ecs_task_definition")["web-api_task-definition"];
    const main = of("aws_ecs_task_definition")["web_task_task-definition"];
    expect(task).toMatchObject({ family: "shop-prod-web-api", cpu: "256", memory: "512", execution_role_arn: main.execution_role_arn, task_role_arn: main.task_role_arn, tags: { workload: "web" } });
    const images = (t: any) => JSON.parse(t.container_definitions).map((c: any) => [c.name, c.image, c.logConfiguration.options["awslogs-stream-prefix"]]);
    expect(images(task)).toEqual(images(main).map(([name, image]: string[]) => [name, image, "web-api"]));
  });

  it("admits only the load balancer, and Redis admits it", () => {
    const ingress = Object.entries<any>(of("aws_vpc_security_group_ingress_rule")).filter(([, r]) => r.security_group_id === "${aws_security_group.web-api_security-group_security-group.id}");
    expect(ingress.map(([, r]) => [r.referenced_security_group_id, r.from_port])).toEqual([["${aws_security_group.web_load-balancer_security-group.id}", 80]]);
    expect(of("aws_vpc_security_group_ingress_rule")["web_redis_from-web-api"]).toMatchObject({ referenced_security_group_id: "${aws_security_group.web-api_security-group_security-group.id}" });
  });

  it("deploys through its own group in the service's application, watching its own target groups only", () => {
    const group = of("aws_codedeploy_deployment_group")["web-api_deployment_deployment-group"];
    expect(group).toMatchObject({
      app_name: "${aws_codedeploy_app.web_deployment_application.name}",
      deployment_group_name: "shop-prod-web-api",
      service_role_arn: "${aws_iam_role.web_deployment_role.arn}",
      depends_on: ["aws_iam_role_policy_attachment.web_deployment_role-policy"],
      ecs_service: { service_name: "${aws_ecs_service.web-api_service_service.name}" },
    });
    expect(group.load_balancer_info.target_group_pair_info.target_group).toEqual([{ name: "${aws_lb_target_group.web-api_blue.name}" }, { name: "${aws_lb_target_group.web-api_green.name}" }]);
    expect(Object.keys(of("aws_codedeploy_app"))).toEqual(["web_deployment_application"]);
    const alarms = group.alarm_configuration.alarms.map((ref: string) => of("aws_cloudwatch_metric_alarm")[ref.match(/aws_cloudwatch_metric_alarm\.([^.]+)\./)![1]]);
    expect(alarms).toHaveLength(6);
    // Its dashboard shows the alarms that roll its releases back.
    const dashboard = JSON.parse(of("aws_cloudwatch_dashboard")["web-api_dashboard_dashboard"].dashboard_body);
    expect(dashboard.widgets[0].properties.alarms).toHaveLength(6);
    for (const alarm of alarms) {
      const dimensions = alarm.dimensions ?? alarm.metric_query.find((q: any) => q.metric).metric.dimensions;
      expect(dimensions.TargetGroup).toMatch(/aws_lb_target_group\.web-api_(blue|green)\.arn_suffix/);
    }
  });

  it("puts a host of its own on the certificate and in DNS, and its secrets in the execution role", () => {
    const certificate = of("aws_acm_certificate")["web_certificate_certificate"];
    expect(certificate.subject_alternative_names).toEqual(["www.example.com", "admin.example.com"]);
    const records = Object.values<any>(of("aws_route53_record")).filter((r) => r.name === "admin.example.com");
    expect(records.map((r) => r.type).sort()).toEqual(["A", "AAAA"]);
    const policy = JSON.parse(of("aws_iam_role_policy")["web_task_execution-policy"].policy);
    expect(policy.Statement.find((s: any) => s.Sid === "ReadParameters").Resource).toContain("arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/admin-sso");
  });
});
