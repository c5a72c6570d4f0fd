/**
 * What the internet can reach in one stack, and what this plan changes of it: security-group rules that admit
 * an address range (0.0.0.0/0 and ::/0 called out), internet-facing load balancers and their listeners, public
 * IPs (tasks, subnets, instances, and the NAT gateways' egress-only addresses), and buckets open to anyone.
 * Pure: reads the synthesized JSON, and the plan's actions when there is a plan.
 */
import { asArray, parseJson, resources, TerraformConfig } from "../policy/model";

const WORLD = ["0.0.0.0/0", "::/0"];
type Plan = { resource_changes?: { address: string; change: { actions: string[] } }[] } | undefined;

/** What the plan does to a resource, as the table's last column says it. */
function planned(plan: Plan, address: string): string {
  if (!plan?.resource_changes) return "create";
  const actions = plan.resource_changes.find((c) => c.address === address)?.change.actions ?? ["no-op"];
  const key = actions.join("+");
  if (key === "no-op" || key === "read") return "unchanged";
  if (key === "delete+create" || key === "create+delete") return "**replace**";
  return key === "create" ? "**new**" : key === "delete" ? "removed" : key;
}

const shortName = (address: string) => address.split(".").slice(1).join(".");
const refOf = (value: unknown) => /^\$\{([a-z0-9_]+\.[^.}]+)\.[a-z_]+\}$/.exec(String(value))?.[1];

/** The resources whose attributes name `ref` (a security group's users, a bucket's settings). */
function users(config: TerraformConfig, ref: string, skip: string[] = []): string[] {
  return Object.entries(config.resource ?? {}).flatMap(([type, byName]) =>
    skip.includes(type) ? [] : Object.entries(byName).filter(([, attrs]) => JSON.stringify(attrs).includes(`\${${ref}.`)).map(([name]) => `${type}.${name}`),
  );
}

interface Opening {
  address: string;
  protocol: string;
  ports: string;
  source: string;
  group: unknown;
  why: string;
}

/** Every ingress that admits an address range, whichever of the three resource shapes says it. */
function openings(config: TerraformConfig): Opening[] {
  const ports = (r: any) => (r.ip_protocol === "-1" || r.protocol === "-1" ? "all" : r.from_port === r.to_port ? `${r.from_port}` : `${r.from_port}-${r.to_port}`);
  const found: Opening[] = [];
  for (const [address, r] of resources(config, "aws_vpc_security_group_ingress_rule")) {
    const source = r.cidr_ipv4 ?? r.cidr_ipv6;
    if (source) found.push({ address, protocol: r.ip_protocol, ports: ports(r), source, group: r.security_group_id, why: r.description ?? "" });
  }
  for (const [address, r] of resources(config, "aws_security_group_rule").filter(([, r]) => r.type === "ingress")) {
    for (const source of [...asArray(r.cidr_blocks), ...asArray(r.ipv6_cidr_blocks)]) {
      found.push({ address, protocol: r.protocol, ports: ports(r), source: String(source), group: r.security_group_id, why: r.description ?? "" });
    }
  }
  for (const [address, g] of resources(config, "aws_security_group")) {
    for (const r of asArray(g.ingress) as any[]) {
      for (const source of [...asArray(r.cidr_blocks), ...asArray(r.ipv6_cidr_blocks)]) {
        found.push({ address, protocol: r.protocol, ports: ports(r), source: String(source), group: `\${${address}.id}`, why: r.description ?? "" });
      }
    }
  }
  return found;
}

function rules(config: TerraformConfig, plan: Plan): string {
  const rows = openings(config).map((o) => {
    const group = refOf(o.group);
    const to = group ? users(config, group, ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_security_group_rule"]).filter((u) => u !== group) : [];
    return `| ${o.protocol}/${o.ports} | ${o.source}${WORLD.includes(o.source) ? " (anywhere)" : ""} | ${to.length > 0 ? to.join(", ") : (group ?? String(o.group))} | ${o.why} | ${planned(plan, o.address)} |`;
  });
  if (rows.length === 0) return "No security-group rule admits an address range.";
  return ["| protocol/port | from | to | why | in this plan |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

function loadBalancers(config: TerraformConfig, plan: Plan): string {
  const listeners = resources(config, "aws_lb_listener");
  const lines = [...resources(config, "aws_lb"), ...resources(config, "aws_alb")].map(([address, lb]) => {
    const mine = listeners.filter(([, l]) => refOf(l.load_balancer_arn) === address);
    const list = mine.map(([a, l]) => `\n  - \`${shortName(a)}\`: ${l.protocol} ${l.port}${l.ssl_policy ? ` (${l.ssl_policy})` : ""}, default action ${(asArray(l.default_action)[0] as any)?.type ?? "?"} (${planned(plan, a)})`);
    const facing = lb.internal === true ? "internal, reachable only from inside the VPC" : "**internet-facing**, with public IPs";
    return `- \`${shortName(address)}\` (${planned(plan, address)}): ${facing}; ${list.length > 0 ? `listeners:${list.join("")}` : "no listener"}`;
  });
  return lines.length > 0 ? `Load balancers:\n\n${lines.join("\n")}` : "No load balancer.";
}

function publicIps(config: TerraformConfig, plan: Plan): string {
  const found = [
    ...resources(config, "aws_ecs_service").filter(([, s]) => s.network_configuration?.assign_public_ip === true).map(([a]) => `task of \`${a}\` (${planned(plan, a)})`),
    ...resources(config, "aws_subnet").filter(([, s]) => s.map_public_ip_on_launch === true).map(([a]) => `every network interface launched in \`${a}\` (${planned(plan, a)})`),
    ...resources(config, "aws_instance").filter(([, i]) => i.associate_public_ip_address === true).map(([a]) => `\`${a}\` (${planned(plan, a)})`),
  ];
  const nat = resources(config, "aws_eip").length;
  return [
    found.length > 0 ? `Public IPs: ${found.join(", ")}.` : "No task, subnet or instance gets a public IP.",
    nat > 0 ? `${nat} Elastic IP${nat > 1 ? "s" : ""} on NAT gateways: outbound only, a NAT gateway accepts no connection from the internet.` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

/** A statement lets anyone in: Allow to every principal, with no condition narrowing who. */
const toAnyone = (st: any) => st.Effect === "Allow" && (st.Principal === "*" || asArray(st.Principal?.AWS).includes("*"));

function buckets(config: TerraformConfig, plan: Plan): string {
  const all = resources(config, "aws_s3_bucket");
  if (all.length === 0) return "";
  const lines = all.map(([address, b]) => {
    const settings = (type: string) => resources(config, type).filter(([, r]) => refOf(r.bucket) === address);
    const block = settings("aws_s3_bucket_public_access_block")[0]?.[1];
    const blocked = block && ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => block[k] === true);
    const statements = settings("aws_s3_bucket_policy").flatMap(([a, p]) => asArray(parseJson(p.policy)?.Statement).filter(toAnyone).map((st: any) => ({ a, st })));
    const grant = ({ a, st }: { a: string; st: any }) =>
      `\`${asArray(st.Action).join(", ")}\` to anyone${st.Condition ? ` when ${Object.values<any>(st.Condition).flatMap((kv) => Object.keys(kv)).join(", ")} match` : ""} (\`${shortName(a)}\`, ${planned(plan, a)})`;
    const acls = settings("aws_s3_bucket_acl").filter(([, a]) => /^public-/.test(String(a.acl))).map(([a, acl]) => `ACL ${acl.acl} (${planned(plan, a)})`);
    const open = [...statements.filter(({ st }) => !st.Condition).map(grant), ...acls];
    const conditional = statements.filter(({ st }) => st.Condition).map(grant);
    const name = b.bucket ?? shortName(address);
    if (blocked) return `- \`${name}\`: public access blocked (all four settings)${open.length + conditional.length > 0 ? `, which overrides ${[...open, ...conditional].join("; ")}` : ""}.`;
    if (open.length > 0) return `- \`${name}\` (${planned(plan, address)}): **public**: ${[...open, ...conditional].join("; ")}.`;
    if (conditional.length > 0) return `- \`${name}\`: no public access block; open to anyone only under conditions: ${conditional.join("; ")}.`;
    return `- \`${name}\`: no public access block, and no policy or ACL grants anyone.`;
  });
  return `Buckets:\n\n${lines.join("\n")}`;
}

export function internetExposure(config: TerraformConfig, plan?: Plan): string {
  return ["## Reachable from the internet", rules(config, plan), loadBalancers(config, plan), publicIps(config, plan), buckets(config, plan)].filter(Boolean).join("\n\n");
}
