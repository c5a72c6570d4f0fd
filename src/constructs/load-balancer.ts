import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { SERVICE_RULE_PRIORITY, WebServiceRouting } from "../plan/web-services";

export interface LoadBalancerProps {
  names: { loadBalancer: string; securityGroup: string; targetGroupBlue: string; targetGroupGreen: string };
  vpcId: string;
  /** Public subnets, one per zone. */
  subnetIds: string[];
  /** Listen on IPv6 too (the subnets must have IPv6 blocks). */
  dualStack: boolean;
  /** A validated ACM certificate for every hostname. */
  certificateArn: string;
  /** Requests for other hosts get a 404 from the load balancer itself (at most 5 names). */
  hostnames: string[];
  /** The load-balanced container's port (nginx). */
  targetPort: number;
  healthCheckPath: string;
  sslPolicy: string;
  /** Seconds a deregistered task keeps finishing its requests. Default: 30. */
  deregistrationDelaySeconds?: number;
  idleTimeoutSeconds?: number;
  /** Default: true. */
  deletionProtection?: boolean;
  /** Where access logs go; `dependsOn` is the bucket's policy, which AWS checks when logging is enabled. */
  accessLogs?: { bucket: string; prefix?: string; dependsOn?: ITerraformDependable[] };
  /** The listener CodeDeploy sends test traffic to, and who may reach it. */
  testListener: { port: number; allowedCidrs: string[] };
}

/**
 * An internet-facing ALB: HTTPS on 443 (TLS 1.3 policy), port 80 only
 * redirecting to it, and a test listener for CodeDeploy. The listeners'
 * default actions never forward: forwarding lives in listener rules, whose
 * target group CodeDeploy swaps and Terraform then leaves alone.
 */
export class LoadBalancer extends Construct {
  readonly arn: string;
  readonly arnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;
  readonly securityGroupId: string;
  readonly blue: LbTargetGroup;
  readonly green: LbTargetGroup;
  readonly productionListenerArn: string;
  readonly testListenerArn: string;
  /** The rules that attach the target groups to the load balancer: AWS refuses a service before them. */
  readonly forwardRules: LbListenerRule[] = [];

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.names.securityGroup,
      description: "Load balancer: HTTPS from the internet, HTTP only to redirect",
      vpcId: props.vpcId,
    });
    this.securityGroupId = group.id;
    const everyone = props.dualStack ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"];
    const allow = (id: string, port: number, source: string, description: string) =>
      new VpcSecurityGroupIngressRule(this, id, {
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        ...(source.includes(":") ? { cidrIpv6: source } : { cidrIpv4: source }),
        description,
      });
    everyone.forEach((source, i) => {
      allow(`https-${i}`, 443, source, "HTTPS from the internet");
      allow(`http-${i}`, 80, source, "HTTP from the internet, redirected to HTTPS");
    });
    props.testListener.allowedCidrs.forEach((source, i) =>
      allow(`test-${i}`, props.testListener.port, source, "CodeDeploy test traffic"),
    );

    const lb = new Lb(this, "load-balancer", {
      name: props.names.loadBalancer,
      loadBalancerType: "application",
      internal: false,
      ipAddressType: props.dualStack ? "dualstack" : "ipv4",
      securityGroups: [group.id],
      subnets: props.subnetIds,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? true,
      idleTimeout: props.idleTimeoutSeconds ?? 60,
      accessLogs: props.accessLogs ? { bucket: props.accessLogs.bucket, prefix: props.accessLogs.prefix, enabled: true } : undefined,
      dependsOn: props.accessLogs?.dependsOn,
    });
    this.arn = lb.arn;
    this.arnSuffix = lb.arnSuffix;
    this.dnsName = lb.dnsName;
    this.zoneId = lb.zoneId;

    const targets = { vpcId: props.vpcId, port: props.targetPort, healthCheckPath: props.healthCheckPath, deregistrationDelaySeconds: props.deregistrationDelaySeconds };
    this.blue = serviceTargetGroup(this, "blue", props.names.targetGroupBlue, targets);
    this.green = serviceTargetGroup(this, "green", props.names.targetGroupGreen, targets);

    new LbListener(this, "http", {
      loadBalancerArn: lb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    const httpsListener = (id: string, port: number) => {
      const listener = new LbListener(this, id, {
        loadBalancerArn: lb.arn,
        port,
        protocol: "HTTPS",
        sslPolicy: props.sslPolicy,
        certificateArn: props.certificateArn,
        defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } }],
      });
      this.forwardRules.push(forwardRule(this, `${id}-forward`, listener.arn, { hosts: props.hostnames, paths: [], priority: SERVICE_RULE_PRIORITY }, this.blue.arn));
      return listener;
    };
    this.productionListenerArn = httpsListener("https", 443).arn;
    this.testListenerArn = httpsListener("test", props.testListener.port).arn;
  }
}

/** Where a service's target groups send traffic, and how they judge a task. */
export interface ServiceTargets {
  vpcId: string;
  /** The load-balanced container's port (nginx). */
  port: number;
  healthCheckPath: string;
  /** Seconds a deregistered task keeps finishing its requests. Default: 30. */
  deregistrationDelaySeconds?: number;
}

/** One of a service's two target groups (blue or green): IP targets, HTTP to nginx. */
export function serviceTargetGroup(scope: Construct, id: string, name: string, props: ServiceTargets): LbTargetGroup {
  return new LbTargetGroup(scope, id, {
    name,
    vpcId: props.vpcId,
    targetType: "ip",
    protocol: "HTTP",
    port: props.port,
    deregistrationDelay: String(props.deregistrationDelaySeconds ?? 30),
    // Healthy after two 10-second checks, so a new task takes traffic within ~20 s.
    healthCheck: {
      enabled: true,
      path: props.healthCheckPath,
      matcher: "200",
      interval: 10,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    },
  });
}

/**
 * A listener rule forwarding a service's hosts and paths to its blue group. CodeDeploy moves the rule
 * between the blue and green groups, so Terraform leaves its action alone after creating it.
 */
export function forwardRule(scope: Construct, id: string, listenerArn: string, routing: WebServiceRouting, targetGroupArn: string): LbListenerRule {
  return new LbListenerRule(scope, id, {
    listenerArn,
    priority: routing.priority,
    condition: [
      ...(routing.hosts.length ? [{ hostHeader: { values: routing.hosts } }] : []),
      ...(routing.paths.length ? [{ pathPattern: { values: routing.paths } }] : []),
    ],
    action: [{ type: "forward", targetGroupArn }],
    lifecycle: { ignoreChanges: ["action"] },
  });
}
