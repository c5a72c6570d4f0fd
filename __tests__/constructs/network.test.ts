import { ProjectStack } from "../../stacks/project-stack";
import { Network } from "../../src/constructs/network";
import { NetworkPlan } from "../../src/plan/environment";
import { resourcesOf, synthJson, testApp } from "../support/app";

const subnets = [
  { availabilityZone: "ap-northeast-2a", privateCidr: "10.0.0.0/19", publicCidr: "10.0.96.0/21" },
  { availabilityZone: "ap-northeast-2b", privateCidr: "10.0.32.0/19", publicCidr: "10.0.104.0/21" },
  { availabilityZone: "ap-northeast-2c", privateCidr: "10.0.64.0/19", publicCidr: "10.0.112.0/21" },
];

const newVpc: NetworkPlan = {
  vpc: { kind: "new", cidr: "10.0.0.0/16" },
  ipv6: true,
  subnets,
  nat: { kind: "create", zones: subnets.map((s) => s.availabilityZone) },
  flowLogs: { retentionDays: 90 },
};

function synth(plan: NetworkPlan): any {
  const stack = new ProjectStack(testApp(), "test");
  new Network(stack, "network", {
    namePrefix: "shop-prod",
    plan,
    flowLogNames: { role: "shop-prod-vpc-flow-logs", logGroup: "/shop/prod/vpc-flow-logs" },
    accountId: "123456789012",
  });
  return synthJson(stack);
}

/** The routes of the route tables associated with the subnets of one tier, per table. */
function routesOfTier(json: any, tier: string): any[][] {
  const subnetIds = Object.entries<any>(resourcesOf(json, "aws_subnet"))
    .filter(([, s]) => s.tags.tier === tier)
    .map(([id]) => `\${aws_subnet.${id}.id}`);
  const tableRefs = new Set(
    Object.values<any>(resourcesOf(json, "aws_route_table_association"))
      .filter((a) => subnetIds.includes(a.subnet_id))
      .map((a) => a.route_table_id),
  );
  const routes = Object.values<any>(resourcesOf(json, "aws_route"));
  return [...tableRefs].map((table) => routes.filter((r) => r.route_table_id === table));
}

/** The NAT gateway a private subnet's default route goes through. */
function natOfPrivateSubnet(json: any, key: string): string {
  return resourcesOf(json, "aws_route")[`network_private-internet-${key}`].nat_gateway_id;
}

describe("Network", () => {
  it("matches the snapshot for a new VPC", () => {
    expect(synth(newVpc)).toMatchSnapshot();
  });

  it("matches the snapshot for an existing VPC with a secondary block and existing NAT", () => {
    expect(
      synth({
        vpc: { kind: "existing", id: "vpc-0123456789abcdef0", internetGatewayId: "igw-0123456789abcdef0", secondaryCidr: "100.64.0.0/16" },
        ipv6: false,
        subnets,
        nat: { kind: "existing", ids: ["nat-0123456789abcdef0"] },
      }),
    ).toMatchSnapshot();
  });

  it("gives private subnets no route to the internet gateway, only to a NAT gateway", () => {
    const json = synth(newVpc);
    const privateTables = routesOfTier(json, "private");
    expect(privateTables).toHaveLength(3);
    for (const routes of privateTables) {
      expect(routes).toHaveLength(1);
      expect(routes[0].gateway_id).toBeUndefined();
      expect(routes[0].nat_gateway_id).toMatch(/^\$\{aws_nat_gateway\./);
    }
    const publicTables = routesOfTier(json, "public");
    const igw = "${aws_internet_gateway.network_internet-gateway.id}";
    expect(publicTables.map((routes) => routes.map((r) => [r.destination_cidr_block ?? r.destination_ipv6_cidr_block, r.gateway_id]))).toEqual([
      [
        ["0.0.0.0/0", igw],
        ["::/0", igw],
      ],
    ]);
  });

  it("routes each private subnet through the NAT gateway of its own zone when there is one per AZ", () => {
    const json = synth(newVpc);
    expect(Object.keys(resourcesOf(json, "aws_nat_gateway"))).toHaveLength(3);
    for (const key of ["a", "b", "c"]) {
      expect(natOfPrivateSubnet(json, key)).toBe(`\${aws_nat_gateway.network_nat-${key}.id}`);
      expect(resourcesOf(json, "aws_nat_gateway")[`network_nat-${key}`].subnet_id).toBe(`\${aws_subnet.network_public-${key}.id}`);
    }
  });

  it("shares one NAT gateway when asked for one", () => {
    const json = synth({ ...newVpc, nat: { kind: "create", zones: ["ap-northeast-2a"] } });
    expect(Object.keys(resourcesOf(json, "aws_nat_gateway"))).toEqual(["network_nat-a"]);
    expect(["a", "b", "c"].map((key) => natOfPrivateSubnet(json, key))).toEqual(Array(3).fill("${aws_nat_gateway.network_nat-a.id}"));
  });

  it("exports the NAT gateways' public IPs, which partners allowlist", () => {
    expect(synth(newVpc).output.nat_egress_ips.value).toEqual([
      "${aws_eip.network_nat-ip-a.public_ip}",
      "${aws_eip.network_nat-ip-b.public_ip}",
      "${aws_eip.network_nat-ip-c.public_ip}",
    ]);
  });

  it("creates no VPC or gateway in an existing VPC, and subnets wait for the secondary block", () => {
    const json = synth({
      vpc: { kind: "existing", id: "vpc-0123456789abcdef0", internetGatewayId: "igw-0123456789abcdef0", secondaryCidr: "100.64.0.0/16" },
      ipv6: false,
      subnets,
      nat: { kind: "existing", ids: ["nat-0123456789abcdef0", "nat-0123456789abcdef1", "nat-0123456789abcdef2"] },
    });
    expect(resourcesOf(json, "aws_vpc")).toEqual({});
    expect(resourcesOf(json, "aws_internet_gateway")).toEqual({});
    expect(resourcesOf(json, "aws_nat_gateway")).toEqual({});
    expect(json.output.nat_egress_ips).toBeUndefined();
    for (const subnet of Object.values<any>(resourcesOf(json, "aws_subnet"))) {
      expect(subnet.vpc_id).toBe("vpc-0123456789abcdef0");
      expect(subnet.depends_on).toEqual(["aws_vpc_ipv4_cidr_block_association.network_secondary-cidr"]);
    }
    expect(natOfPrivateSubnet(json, "c")).toBe("nat-0123456789abcdef2");
    expect(resourcesOf(json, "aws_flow_log")).toEqual({});
  });

  it("sends flow logs to a log group with the planned retention", () => {
    const json = synth(newVpc);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["network_flow-logs_log-group"]).toMatchObject({
      name: "/shop/prod/vpc-flow-logs",
      retention_in_days: 90,
    });
    expect(resourcesOf(json, "aws_flow_log")["network_flow-logs_flow-log"]).toMatchObject({ traffic_type: "ALL", vpc_id: "${aws_vpc.network_vpc.id}" });
    // AWS checks at creation that the role may deliver (issue 10's apply lane).
    expect(resourcesOf(json, "aws_flow_log")["network_flow-logs_flow-log"].depends_on).toEqual(["aws_iam_role_policy.network_flow-logs_write-logs"]);
  });

  it("gives the public subnets the first /64s of the VPC's IPv6 block and a default IPv6 route", () => {
    const json = synth(newVpc);
    expect(resourcesOf(json, "aws_vpc").network_vpc.assign_generated_ipv6_cidr_block).toBe(true);
    expect(resourcesOf(json, "aws_subnet")["network_public-b"].ipv6_cidr_block).toBe("${cidrsubnet(aws_vpc.network_vpc.ipv6_cidr_block, 8, 1)}");
    expect(resourcesOf(json, "aws_subnet")["network_private-b"].ipv6_cidr_block).toBeUndefined();
    expect(resourcesOf(json, "aws_route")["network_public-internet-ipv6"]).toMatchObject({
      destination_ipv6_cidr_block: "::/0",
      gateway_id: "${aws_internet_gateway.network_internet-gateway.id}",
    });
  });

  it("tags every subnet with its tier and launches nothing with a public IP", () => {
    const all = Object.values<any>(resourcesOf(synth(newVpc), "aws_subnet"));
    expect(all.map((s) => s.tags.tier).sort()).toEqual(["private", "private", "private", "public", "public", "public"]);
    expect(all.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });
});
