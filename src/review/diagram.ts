/**
 * An architecture diagram (Mermaid) drawn from a stack's synthesized
 * resources: traffic edges come from the security group rules (who may
 * connect to whom, on which port), the other edges from the references
 * between resources. Nothing is drawn by hand, so the diagram cannot drift.
 */
import { asArray, parseJson, resources, TerraformConfig } from "../policy/model";

/** Resource types drawn as boxes, with their label. */
const NODES: Record<string, (attrs: any) => string> = {
  aws_route53_record: (r) => (r.alias ? `DNS ${r.type} ${r.name}` : "DNS validation record"),
  aws_acm_certificate: (r) => `Certificate ${r.domain_name}`,
  aws_lb: (r) => `Load balancer ${r.name}`,
  aws_lb_target_group: (r) => `Target group ${r.name}`,
  aws_ecs_cluster: (r) => `ECS cluster ${r.name}`,
  aws_ecs_service: (r) => `ECS service ${r.name}`,
  aws_ecs_task_definition: (r) =>
    `Task ${r.family}: ${asArray(parseJson(r.container_definitions))
      .map((c: any) => c.name)
      .join(" + ")}`,
  aws_ecr_repository: (r) => `ECR ${r.name}`,
  aws_elasticache_replication_group: (r) => `Redis ${r.replication_group_id}`,
  aws_service_discovery_service: (r) => `Cloud Map ${r.name}`,
  aws_codedeploy_deployment_group: (r) => `CodeDeploy ${r.deployment_group_name}`,
  aws_nat_gateway: (r) => `NAT gateway ${r.tags?.Name ?? ""}`.trim(),
  aws_internet_gateway: () => "Internet gateway",
  aws_s3_bucket: (r) => `S3 ${r.bucket}`,
  aws_dynamodb_table: (r) => `DynamoDB ${r.name}`,
  docker_container: (r) => `container ${r.name}`,
};

/**
 * Resources that join boxes without being one: a listener joins its load balancer and its certificate,
 * a listener rule the load balancer and a target group.
 */
const CONNECTORS = new Set(["aws_lb_listener", "aws_lb_listener_rule", "aws_acm_certificate_validation"]);

/** A reference inside a `${...}` expression: `aws_lb.web_load-balancer_load-balancer.arn`. */
const REFERENCE = /\b((?:aws|docker)_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)\./g;

function referencesOf(attrs: unknown): string[] {
  const text = JSON.stringify(attrs);
  return [...text.matchAll(REFERENCE)].map((m) => `${m[1]}.${m[2]}`);
}

export function architectureDiagram(config: TerraformConfig): string {
  const all = new Map(Object.entries(config.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, a]) => [`${type}.${name}`, a] as [string, any])));
  const ids = new Map<string, string>();
  const lines: string[] = [];
  const node = (address: string, label: string) => {
    if (!ids.has(address)) {
      ids.set(address, `n${ids.size}`);
      lines.push(`  ${ids.get(address)}["${label.replace(/"/g, "'")}"]`);
    }
    return ids.get(address)!;
  };
  const isNode = (address: string) => address.split(".")[0] in NODES && all.has(address);
  for (const [address, attrs] of all) if (isNode(address)) node(address, NODES[address.split(".")[0]](attrs));

  const edges = new Set<string>();
  const edge = (from: string, to: string, arrow: string) => from !== to && edges.add(`  ${from} ${arrow} ${to}`);

  // Traffic: who may connect to whom, from the security group rules.
  const users = (groupRef: string) =>
    [...all].filter(([address, a]) => isNode(address) && JSON.stringify(a).includes(groupRef)).map(([address]) => ids.get(address)!);
  for (const [, rule] of resources(config, "aws_vpc_security_group_ingress_rule")) {
    const target = String(rule.security_group_id);
    const targets = target.startsWith("sg-") ? [node(target, `existing ${target}`)] : users(target);
    const port = rule.from_port === rule.to_port ? `${rule.from_port}` : `${rule.from_port}-${rule.to_port}`;
    const sources = rule.referenced_security_group_id
      ? users(String(rule.referenced_security_group_id))
      : [node(`cidr:${rule.cidr_ipv4 ?? rule.cidr_ipv6}`, ["0.0.0.0/0", "::/0"].includes(rule.cidr_ipv4 ?? rule.cidr_ipv6) ? "Internet" : String(rule.cidr_ipv4 ?? rule.cidr_ipv6))];
    for (const s of sources) for (const t of targets) edge(s, t, `-->|${port}|`);
  }
  for (const [address] of resources(config, "aws_nat_gateway")) edge(ids.get(address)!, node("cidr:0.0.0.0/0", "Internet"), "-->|egress|");

  // Dependencies: references between boxes. Through a connector, a box reaches only the load balancer
  // behind it (CodeDeploy -> listener -> load balancer); the connector itself joins its load balancer
  // to what it names (a listener rule's target group, a listener's certificate).
  const direct = (address: string) => referencesOf(all.get(address)).filter(isNode);
  const viaConnectors = (address: string, seen = new Set<string>()): string[] =>
    referencesOf(all.get(address)).flatMap((ref) => {
      if (seen.has(ref) || !CONNECTORS.has(ref.split(".")[0])) return [];
      seen.add(ref);
      // A certificate validation stands for its certificate, not for its DNS records.
      const reached = ref.startsWith("aws_acm_certificate_validation.") ? direct(ref).filter((r) => r.startsWith("aws_acm_certificate.")) : direct(ref);
      return [...reached, ...viaConnectors(ref, seen)];
    });
  for (const [address] of all) {
    const type = address.split(".")[0];
    if (isNode(address)) {
      for (const ref of direct(address)) edge(ids.get(address)!, ids.get(ref)!, "-.->");
      for (const ref of viaConnectors(address).filter((r) => r.startsWith("aws_lb."))) edge(ids.get(address)!, ids.get(ref)!, "-.->");
    } else if (type === "aws_lb_listener" || type === "aws_lb_listener_rule") {
      const reached = [...direct(address), ...viaConnectors(address)];
      const hub = reached.find((r) => r.startsWith("aws_lb."));
      // A rule's edge to its target group says what it routes there: several services share one load balancer.
      const route = type === "aws_lb_listener_rule" ? routeOf(all.get(address)) : "";
      for (const other of reached) {
        if (hub && other !== hub) edge(ids.get(hub)!, ids.get(other)!, route && other.startsWith("aws_lb_target_group.") ? `-.->|"${route}"|` : "-.->");
      }
    }
  }
  return ["```mermaid", "graph LR", ...lines, ...[...edges].sort(), "```"].join("\n");
}

/** What a listener rule matches, shortly: its paths, else its hosts. */
function routeOf(rule: any): string {
  const conditions = asArray(rule?.condition);
  const values = (key: string) => conditions.flatMap((c: any) => asArray(c?.[key]?.values ?? c?.[key]?.[0]?.values)).map(String);
  const paths = values("path_pattern");
  return (paths.length ? paths : values("host_header")).join(" ").replace(/"/g, "'");
}
