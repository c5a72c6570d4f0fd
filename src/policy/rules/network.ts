import { perResource, PolicyRule, refersTo, resources } from "../model";

const WORLD = ["0.0.0.0/0", "::/0"];

/** Security groups attached to a load balancer. */
function loadBalancerGroups(config: Parameters<PolicyRule["check"]>[0]): string[] {
  return resources(config, "aws_lb", "aws_alb").flatMap(([, lb]) => lb.security_groups ?? []);
}

export const networkRules: PolicyRule[] = [
  {
    id: "world-ingress-only-to-load-balancer",
    title: "Ingress from anywhere only to a load balancer, on 80 and 443",
    mirrors: ["checkov CKV_AWS_260", "checkov CKV_AWS_24", "checkov CKV_AWS_25", "checkov CKV_AWS_277"],
    fix: "Open the port to specific CIDRs or security groups; only the load balancer's 80 and 443 face the internet.",
    check(config) {
      const lbGroups = loadBalancerGroups(config);
      const rules: [string, any][] = [
        ...resources(config, "aws_vpc_security_group_ingress_rule"),
        ...resources(config, "aws_security_group_rule").filter(([, r]) => r.type === "ingress"),
      ];
      return rules.flatMap(([address, r]) => {
        const sources = [r.cidr_ipv4, r.cidr_ipv6, ...(r.cidr_blocks ?? []), ...(r.ipv6_cidr_blocks ?? [])];
        if (!sources.some((s) => WORLD.includes(s))) return [];
        const ports = [r.from_port, r.to_port];
        const toLoadBalancer = lbGroups.some((g) => g === r.security_group_id);
        if (toLoadBalancer && ports.every((p) => p === 80)) return [];
        if (toLoadBalancer && ports.every((p) => p === 443)) return [];
        return [{ rule: "world-ingress-only-to-load-balancer", resource: address, message: `ingress from anywhere to ports ${ports.join("-")}` }];
      });
    },
  },
  perResource(
    {
      id: "security-group-descriptions",
      title: "Security groups and their rules have descriptions",
      mirrors: ["checkov CKV_AWS_23"],
      fix: "Set description on the group or rule, saying who may connect and why.",
    },
    ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_security_group_rule"],
    (r) => (r.description ? undefined : "no description"),
  ),
  {
    id: "vpc-flow-logs",
    title: "Every VPC created here has flow logs",
    mirrors: ["checkov CKV2_AWS_11"],
    fix: "Keep network.flowLogs.enabled (the default).",
    check(config) {
      const logs = resources(config, "aws_flow_log").map(([, f]) => f.vpc_id);
      return resources(config, "aws_vpc")
        .filter(([address]) => !logs.some((v) => refersTo(v, address)))
        .map(([address]) => ({ rule: "vpc-flow-logs", resource: address, message: "no flow log" }));
    },
  },
  {
    id: "default-security-group-closed",
    title: "A new VPC's default security group allows nothing",
    mirrors: ["checkov CKV2_AWS_12"],
    fix: "Manage aws_default_security_group for the VPC with no ingress and no egress rules.",
    check(config) {
      const closed = resources(config, "aws_default_security_group").filter(([, g]) => !(g.ingress ?? []).length && !(g.egress ?? []).length);
      return resources(config, "aws_vpc")
        .filter(([address]) => !closed.some(([, g]) => refersTo(g.vpc_id, address)))
        .map(([address]) => ({ rule: "default-security-group-closed", resource: address, message: "the default security group keeps its rules" }));
    },
  },
  perResource(
    {
      id: "subnet-no-public-ip",
      title: "Subnets do not give instances public IPs",
      mirrors: ["checkov CKV_AWS_130"],
      fix: "Set map_public_ip_on_launch = false; give addresses explicitly (Elastic IPs).",
    },
    ["aws_subnet"],
    (s) => (s.map_public_ip_on_launch === true ? "map_public_ip_on_launch is true" : undefined),
  ),
];
