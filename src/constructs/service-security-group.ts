import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { outboundThroughNat } from "./task-security-group";

export interface ServiceSecurityGroupProps {
  name: string;
  vpcId: string;
  /** The load balancer's security group: the only source the tasks accept. */
  loadBalancerSecurityGroupId: string;
  /** The port the load balancer reaches the tasks on (nginx). */
  port: number;
  /** Security groups that may call the tasks by their Cloud Map name, on the same port. Default: none. */
  discoveryClients?: { securityGroupId: string; description: string }[];
}

/**
 * The tasks' security group: one ingress rule from the load balancer's group to nginx's port
 * (nothing reaches Django or the tasks directly), the matching egress rule on the load
 * balancer's group, and one ingress rule per service-discovery client the manifest names.
 */
export class ServiceSecurityGroup extends Construct {
  readonly id: string;

  constructor(scope: Construct, id: string, props: ServiceSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: "Web service tasks: only the load balancer may connect",
      vpcId: props.vpcId,
    });
    new VpcSecurityGroupIngressRule(this, "from-load-balancer", {
      securityGroupId: group.id,
      referencedSecurityGroupId: props.loadBalancerSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: props.port,
      toPort: props.port,
      description: "From the load balancer to nginx",
    });
    new VpcSecurityGroupEgressRule(this, "load-balancer-to-tasks", {
      securityGroupId: props.loadBalancerSecurityGroupId,
      referencedSecurityGroupId: group.id,
      ipProtocol: "tcp",
      fromPort: props.port,
      toPort: props.port,
      description: "To the web service's nginx",
    });
    // Cloud Map answers with the tasks' private IPs: a client reaches nginx only through a rule of its own.
    (props.discoveryClients ?? []).forEach((client, i) =>
      new VpcSecurityGroupIngressRule(this, `from-discovery-client-${i}`, {
        securityGroupId: group.id,
        referencedSecurityGroupId: client.securityGroupId,
        ipProtocol: "tcp",
        fromPort: props.port,
        toPort: props.port,
        description: `Service discovery client: ${client.description}`,
      }),
    );
    // Tasks call external APIs, ECR, Secrets Manager and CloudWatch through NAT.
    outboundThroughNat(this, group.id, "Outbound through NAT: external APIs, ECR, Secrets Manager, CloudWatch");
    this.id = group.id;
  }
}
