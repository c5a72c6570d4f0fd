import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

export interface TaskSecurityGroupProps {
  name: string;
  vpcId: string;
  /** Who the tasks are, on the group's description. */
  description: string;
}

/**
 * The security group of tasks nothing connects to (workers, jobs, release tasks): no ingress rule at
 * all, and outbound through NAT. Redis, and the web service when the manifest says so, admit it by id.
 */
export class TaskSecurityGroup extends Construct {
  readonly id: string;

  constructor(scope: Construct, id: string, props: TaskSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", { name: props.name, description: props.description, vpcId: props.vpcId });
    outboundThroughNat(this, group.id, "Outbound through NAT: Redis, the web service, external APIs, ECR, Secrets Manager, CloudWatch");
    this.id = group.id;
  }
}

/** Tasks' one egress rule (`to-anywhere`): everything, through the private subnets' NAT. */
export function outboundThroughNat(scope: Construct, securityGroupId: string, description: string): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, "to-anywhere", { securityGroupId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description });
}
