import { Construct } from "constructs";
import { ServiceDiscoveryPrivateDnsNamespace } from "@cdktf/provider-aws/lib/service-discovery-private-dns-namespace";
import { ServiceDiscoveryService } from "@cdktf/provider-aws/lib/service-discovery-service";

export interface ServiceDiscoveryProps {
  /** The private DNS namespace, such as `production.inpock.internal`. */
  namespace: string;
  /** The service's name in it, such as `web`. */
  name: string;
  vpcId: string;
}

/**
 * A Cloud Map private DNS namespace for the environment and the web service's
 * entry in it: `web.production.inpock.internal` answers with the private IPs of
 * up to eight healthy tasks (multivalue), so other services in the VPC reach it by name.
 */
export class ServiceDiscovery extends Construct {
  readonly registryArn: string;
  readonly fqdn: string;

  constructor(scope: Construct, id: string, props: ServiceDiscoveryProps) {
    super(scope, id);
    const namespace = new ServiceDiscoveryPrivateDnsNamespace(this, "namespace", {
      name: props.namespace,
      vpc: props.vpcId,
      description: "Private names of the environment's services",
    });
    const service = new ServiceDiscoveryService(this, "service", {
      name: props.name,
      dnsConfig: {
        namespaceId: namespace.id,
        // A short TTL: a replaced task's address leaves clients' caches quickly.
        dnsRecords: [{ type: "A", ttl: 10 }],
        routingPolicy: "MULTIVALUE",
      },
      // ECS reports task health; Cloud Map stops answering with a task once ECS marks it unhealthy.
      healthCheckCustomConfig: { failureThreshold: 1 },
    });
    this.registryArn = service.arn;
    this.fqdn = `${props.name}.${props.namespace}`;
  }
}
