/** A two-zone network with one NAT gateway, as the construct tests build their services on. */
import type { Construct } from "constructs";
import { Network } from "../../src/constructs/network";

export function testNetwork(scope: Construct, dualStack = true): Network {
  return new Network(scope, "network", {
    namePrefix: "shop-prod",
    plan: {
      vpc: { kind: "new", cidr: "10.0.0.0/16" },
      ipv6: dualStack,
      subnets: [
        { availabilityZone: "ap-northeast-2a", privateCidr: "10.0.0.0/18", publicCidr: "10.0.128.0/20" },
        { availabilityZone: "ap-northeast-2c", privateCidr: "10.0.64.0/18", publicCidr: "10.0.144.0/20" },
      ],
      nat: { kind: "create", zones: ["ap-northeast-2a"] },
    },
    flowLogNames: { role: "r", logGroup: "g" },
    accountId: "123456789012",
  });
}
