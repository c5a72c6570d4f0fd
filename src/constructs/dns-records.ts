import { Construct } from "constructs";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface DnsRecordsProps {
  hostnames: string[];
  hostedZoneId: string;
  /** The load balancer's DNS name and hosted zone. */
  target: { dnsName: string; zoneId: string };
  /** Add AAAA records too; only for a dual-stack load balancer, which has IPv6 addresses. */
  ipv6: boolean;
}

/** Alias records from each hostname to the load balancer. */
export class DnsRecords extends Construct {
  constructor(scope: Construct, id: string, props: DnsRecordsProps) {
    super(scope, id);
    const types = props.ipv6 ? ["A", "AAAA"] : ["A"];
    props.hostnames.forEach((hostname, i) => {
      for (const type of types) {
        new Route53Record(this, `${type.toLowerCase()}-${i}`, {
          zoneId: props.hostedZoneId,
          name: hostname,
          type,
          alias: { name: props.target.dnsName, zoneId: props.target.zoneId, evaluateTargetHealth: true },
        });
      }
    });
  }
}
