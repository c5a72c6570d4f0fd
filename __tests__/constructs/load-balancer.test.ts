import { LoadBalancer, LoadBalancerProps } from "../../src/constructs/load-balancer";
import { ProjectStack } from "../../stacks/project-stack";
import { resourcesOf, synthJson, testApp } from "../support/app";

function synth(overrides: Partial<LoadBalancerProps> = {}): any {
  const stack = new ProjectStack(testApp(), "test");
  new LoadBalancer(stack, "lb", {
    names: { loadBalancer: "shop-prod", securityGroup: "shop-prod-alb", targetGroupBlue: "shop-prod-blue", targetGroupGreen: "shop-prod-green" },
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-a", "subnet-b"],
    dualStack: true,
    certificateArn: "arn:aws:acm:ap-northeast-2:123456789012:certificate/abc",
    hostnames: ["shop.example.com"],
    targetPort: 80,
    healthCheckPath: "/health/",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    testListener: { port: 8443, allowedCidrs: ["203.0.113.0/24"] },
    ...overrides,
  });
  return synthJson(stack);
}

describe("LoadBalancer", () => {
  it("matches the snapshot", () => {
    expect(synth()).toMatchSnapshot();
  });

  it("never forwards from a listener's default action: 80 redirects, 443 and the test port answer 404", () => {
    const listeners = resourcesOf(synth(), "aws_lb_listener");
    expect(listeners.lb_http.default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
    for (const id of ["lb_https", "lb_test"]) {
      expect(listeners[id].default_action.map((a: any) => a.type)).toEqual(["fixed-response"]);
      expect(listeners[id].protocol).toBe("HTTPS");
      expect(listeners[id].ssl_policy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    }
    expect(listeners.lb_test.port).toBe(8443);
  });

  it("forwards in listener rules that Terraform leaves to CodeDeploy afterwards", () => {
    const rules = resourcesOf(synth(), "aws_lb_listener_rule");
    expect(Object.keys(rules).sort()).toEqual(["lb_https-forward", "lb_test-forward"]);
    for (const rule of Object.values<any>(rules)) {
      expect(rule.action).toEqual([{ type: "forward", target_group_arn: "${aws_lb_target_group.lb_blue.arn}" }]);
      expect(rule.condition).toEqual([{ host_header: { values: ["shop.example.com"] } }]);
      expect(rule.lifecycle).toEqual({ ignore_changes: ["action"] });
    }
  });

  it("opens 443 and 80 to the internet on IPv4 and IPv6, and the test port only to the given CIDRs", () => {
    const rules = Object.values<any>(resourcesOf(synth(), "aws_vpc_security_group_ingress_rule"));
    const summary = rules.map((r) => `${r.from_port} ${r.cidr_ipv4 ?? r.cidr_ipv6}`).sort();
    expect(summary).toEqual(["443 0.0.0.0/0", "443 ::/0", "80 0.0.0.0/0", "80 ::/0", "8443 203.0.113.0/24"]);
    expect(rules.every((r) => r.description)).toBe(true);
  });

  it("is hardened: invalid headers dropped, deletion protection on by default, dual-stack when asked", () => {
    const lb = resourcesOf(synth(), "aws_lb")["lb_load-balancer"];
    expect(lb).toMatchObject({ drop_invalid_header_fields: true, enable_deletion_protection: true, internal: false, ip_address_type: "dualstack" });
    expect(resourcesOf(synth({ dualStack: false, deletionProtection: false }), "aws_lb")["lb_load-balancer"]).toMatchObject({
      ip_address_type: "ipv4",
      enable_deletion_protection: false,
    });
  });

  it("has two ip target groups with a short deregistration delay and quick health checks", () => {
    const groups = resourcesOf(synth(), "aws_lb_target_group");
    expect(Object.values<any>(groups).map((g) => g.name)).toEqual(["shop-prod-blue", "shop-prod-green"]);
    for (const g of Object.values<any>(groups)) {
      expect(g).toMatchObject({ target_type: "ip", port: 80, deregistration_delay: "30" });
      expect(g.health_check).toMatchObject({ path: "/health/", healthy_threshold: 2, interval: 10 });
    }
  });
});
