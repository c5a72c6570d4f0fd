import { Construct } from "constructs";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { RedisPlan } from "../plan/service";

export interface RedisAccessProps {
  /** An existing Redis to let the service into, or one to create. */
  plan: Exclude<RedisPlan, { mode: "none" }>;
  /** The service's security group: the only client allowed. */
  clientSecurityGroupId: string;
  names: { group: string; securityGroup: string };
  vpcId: string;
  /** Private subnets, for a created cluster. */
  subnetIds: string[];
}

/**
 * Redis for the service (the seed uses it as a database). Existing: the
 * service's group is let into the Redis server's group on its port. Created:
 * an ElastiCache replication group in the private subnets, encrypted at rest
 * and in transit, multi-AZ with automatic failover when it has replicas.
 */
export class RedisAccess extends Construct {
  /** The URL Django connects to; undefined for an existing Redis (its URL is in the manifest). */
  readonly url?: string;
  private serverSecurityGroupId!: string;
  private readonly port: number;

  constructor(scope: Construct, id: string, props: RedisAccessProps) {
    super(scope, id);
    const { plan } = props;
    this.port = plan.port;
    const allowService = (securityGroupId: string) => {
      this.serverSecurityGroupId = securityGroupId;
      this.allowClient("from-service", props.clientSecurityGroupId, "Redis from the web service");
    };
    if (plan.mode === "existing") {
      allowService(plan.securityGroupId);
      return;
    }
    const group = new SecurityGroup(this, "security-group", {
      name: props.names.securityGroup,
      description: "Redis: only the web service may connect",
      vpcId: props.vpcId,
    });
    allowService(group.id);
    const subnets = new ElasticacheSubnetGroup(this, "subnets", {
      name: props.names.group,
      description: "Private subnets of the web service",
      subnetIds: props.subnetIds,
    });
    const withReplicas = plan.replicas > 0;
    const redis = new ElasticacheReplicationGroup(this, "replication-group", {
      replicationGroupId: props.names.group,
      description: "Redis for the web service",
      engine: "redis",
      engineVersion: plan.engineVersion,
      nodeType: plan.nodeType,
      port: plan.port,
      numCacheClusters: 1 + plan.replicas,
      automaticFailoverEnabled: withReplicas,
      multiAzEnabled: withReplicas,
      subnetGroupName: subnets.name,
      securityGroupIds: [group.id],
      atRestEncryptionEnabled: "true",
      transitEncryptionEnabled: true,
      snapshotRetentionLimit: 7,
    });
    this.url = `rediss://${redis.primaryEndpointAddress}:${plan.port}/0`;
  }

  /** Lets one more client in (a worker, a job): one ingress rule from its security group, on Redis's port. */
  allowClient(id: string, clientSecurityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.serverSecurityGroupId,
      referencedSecurityGroupId: clientSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: this.port,
      toPort: this.port,
      description,
    });
  }
}
