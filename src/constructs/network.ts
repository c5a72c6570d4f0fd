import { Fn, ITerraformDependable, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcIpv4CidrBlockAssociation } from "@cdktf/provider-aws/lib/vpc-ipv4-cidr-block-association";
import type { NetworkPlan } from "../plan/environment";
import { FlowLogs } from "./flow-logs";

export interface NetworkProps {
  /** Prefix of every Name tag, such as `inpock-production`. */
  namePrefix: string;
  /** Subnet CIDRs, NAT layout and flow logs, from the planner. */
  plan: NetworkPlan;
  /** Flow log IAM role and log group names. */
  flowLogNames: { role: string; logGroup: string };
  /** The account, for the flow log role's trust condition. */
  accountId: string;
  /** The permissions boundary of the roles this construct creates. */
  permissionsBoundary?: string;
}

/**
 * The VPC (new or existing), a public and a private subnet per availability
 * zone, internet egress through NAT gateways, and VPC flow logs.
 * Private subnets route only through NAT; only public subnets reach the
 * internet gateway.
 */
export class Network extends Construct {
  readonly vpcId: string;
  /** True when the public subnets have IPv6, so the load balancer can be dual-stack. */
  readonly dualStack: boolean;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** The private subnets' routes out through NAT: tasks started before them cannot pull their images. */
  readonly privateRoutes: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { plan, namePrefix } = props;
    this.dualStack = plan.ipv6 && plan.vpc.kind === "new";
    const name = (suffix: string) => ({ Name: `${namePrefix}-${suffix}` });

    let internetGatewayId: string;
    let vpcIpv6Block: string | undefined;
    let natDependsOn: InternetGateway[] | undefined;
    let subnetsDependOn: VpcIpv4CidrBlockAssociation[] | undefined;
    if (plan.vpc.kind === "new") {
      const vpc = new Vpc(this, "vpc", {
        cidrBlock: plan.vpc.cidr,
        assignGeneratedIpv6CidrBlock: plan.ipv6 || undefined,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: name("vpc"),
      });
      this.vpcId = vpc.id;
      vpcIpv6Block = vpc.ipv6CidrBlock;
      // Strip the default group's allow-all rules so nothing can use it by accident.
      new DefaultSecurityGroup(this, "default-security-group", { vpcId: vpc.id, tags: name("default-deny") });
      const internetGateway = new InternetGateway(this, "internet-gateway", { vpcId: vpc.id, tags: name("igw") });
      internetGatewayId = internetGateway.id;
      natDependsOn = [internetGateway];
    } else {
      this.vpcId = plan.vpc.id;
      internetGatewayId = plan.vpc.internetGatewayId;
      if (plan.vpc.secondaryCidr) {
        subnetsDependOn = [
          new VpcIpv4CidrBlockAssociation(this, "secondary-cidr", { vpcId: this.vpcId, cidrBlock: plan.vpc.secondaryCidr }),
        ];
      }
    }

    const zoneKey = (zone: string) => zone.slice(-1);
    // Public subnets take the first /64s of the VPC's /56, one per zone.
    const ipv6Block = (tier: "public" | "private", index: number) =>
      tier === "public" && vpcIpv6Block ? Fn.cidrsubnet(vpcIpv6Block, 8, index) : undefined;
    const subnet = (tier: "public" | "private", zone: string, cidrBlock: string, index: number) =>
      new Subnet(this, `${tier}-${zoneKey(zone)}`, {
        vpcId: this.vpcId,
        cidrBlock,
        ipv6CidrBlock: ipv6Block(tier, index),
        availabilityZone: zone,
        mapPublicIpOnLaunch: false,
        dependsOn: subnetsDependOn,
        tags: { ...name(`${tier}-${zoneKey(zone)}`), tier },
      });
    const publicSubnets = plan.subnets.map((s, i) => subnet("public", s.availabilityZone, s.publicCidr, i));
    const privateSubnets = plan.subnets.map((s, i) => subnet("private", s.availabilityZone, s.privateCidr, i));
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: this.vpcId, tags: name("public") });
    new Route(this, "public-internet", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGatewayId,
    });
    if (vpcIpv6Block) {
      new Route(this, "public-internet-ipv6", {
        routeTableId: publicRoutes.id,
        destinationIpv6CidrBlock: "::/0",
        gatewayId: internetGatewayId,
      });
    }
    publicSubnets.forEach((s, i) => {
      const key = zoneKey(plan.subnets[i].availabilityZone);
      new RouteTableAssociation(this, `public-routes-${key}`, { subnetId: s.id, routeTableId: publicRoutes.id });
    });

    const natGatewayIds = this.natGateways(plan, publicSubnets, natDependsOn, name);
    privateSubnets.forEach((s, i) => {
      const key = zoneKey(plan.subnets[i].availabilityZone);
      const routes = new RouteTable(this, `private-routes-${key}`, { vpcId: this.vpcId, tags: name(`private-${key}`) });
      const route = new Route(this, `private-internet-${key}`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGatewayIds[natGatewayIds.length === 1 ? 0 : i],
      });
      const association = new RouteTableAssociation(this, `private-routes-${key}-association`, { subnetId: s.id, routeTableId: routes.id });
      this.privateRoutes.push(route, association);
    });

    if (plan.flowLogs) {
      new FlowLogs(this, "flow-logs", {
        vpcId: this.vpcId,
        retentionDays: plan.flowLogs.retentionDays,
        roleName: props.flowLogNames.role,
        logGroupName: props.flowLogNames.logGroup,
        accountId: props.accountId,
        permissionsBoundary: props.permissionsBoundary,
      });
    }

    this.output("vpc_id", this.vpcId, "The VPC the environment runs in");
    this.output("public_subnet_ids", this.publicSubnetIds, "Subnets of the load balancer and NAT gateways");
    this.output("private_subnet_ids", this.privateSubnetIds, "Subnets of the service's tasks");
  }

  /** NAT gateway ids, one per AZ or a single one, created or given. */
  private natGateways(
    plan: NetworkPlan,
    publicSubnets: Subnet[],
    dependsOn: InternetGateway[] | undefined,
    name: (s: string) => Record<string, string>,
  ): string[] {
    if (plan.nat.kind === "existing") return plan.nat.ids;
    const zones = plan.nat.zones;
    const eips = zones.map((zone) => new Eip(this, `nat-ip-${zone.slice(-1)}`, { domain: "vpc", tags: name(`nat-${zone.slice(-1)}`) }));
    const gateways = zones.map((zone, i) => {
      const subnet = publicSubnets[plan.subnets.findIndex((s) => s.availabilityZone === zone)];
      return new NatGateway(this, `nat-${zone.slice(-1)}`, {
        allocationId: eips[i].allocationId,
        subnetId: subnet.id,
        dependsOn,
        tags: name(`nat-${zone.slice(-1)}`),
      });
    });
    // Partners allowlist these addresses (seed 003: external APIs must keep working).
    this.output("nat_egress_ips", eips.map((e) => e.publicIp), "Public IPs of the NAT gateways: the environment's egress addresses");
    return gateways.map((g) => g.id);
  }

  private output(id: string, value: string | string[], description: string): void {
    new TerraformOutput(this, id, { value, description }).overrideLogicalId(id);
  }
}
