import { asArray, isDisposable, perResource, PolicyRule, refersTo, resources } from "../model";

const LB = ["aws_lb", "aws_alb"];
const LISTENER = ["aws_lb_listener", "aws_alb_listener"];

export const loadBalancerRules: PolicyRule[] = [
  perResource(
    {
      id: "https-listener-tls13",
      title: "HTTPS listeners use a TLS 1.3 policy",
      mirrors: ["checkov CKV_AWS_103"],
      fix: "Set service.loadBalancer.sslPolicy to an ELBSecurityPolicy-TLS13-* policy.",
    },
    LISTENER,
    (l) => (l.protocol === "HTTPS" && !String(l.ssl_policy ?? "").startsWith("ELBSecurityPolicy-TLS13-") ? `ssl_policy ${l.ssl_policy ?? "(default)"}` : undefined),
  ),
  {
    id: "http-only-redirects",
    title: "Plain HTTP listeners only redirect to HTTPS",
    mirrors: ["checkov CKV_AWS_2"],
    fix: "Make the port-80 listener's default action a redirect to HTTPS, with no rules on it.",
    check(config) {
      const rules = resources(config, "aws_lb_listener_rule", "aws_alb_listener_rule");
      return resources(config, ...LISTENER)
        .filter(([, l]) => l.protocol === "HTTP")
        .flatMap(([address, l]) => {
          const actions = asArray(l.default_action);
          const redirects = actions.length > 0 && actions.every((a: any) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
          const ruled = rules.some(([, r]) => refersTo(r.listener_arn, address));
          return redirects && !ruled ? [] : [{ rule: "http-only-redirects", resource: address, message: "serves plain HTTP" }];
        });
    },
  },
  {
    id: "listener-default-never-forwards",
    title: "Listeners' default actions never forward (CodeDeploy moves listener rules)",
    mirrors: [],
    fix: "Forward in a listener rule with lifecycle.ignore_changes = [action]; keep a fixed response or redirect as the default.",
    check: (config) =>
      resources(config, ...LISTENER)
        .filter(([, l]) => asArray(l.default_action).some((a: any) => a.type === "forward" || a.forward))
        .map(([address]) => ({ rule: "listener-default-never-forwards", resource: address, message: "the default action forwards" })),
  },
  perResource(
    {
      id: "load-balancer-drops-invalid-headers",
      title: "Load balancers drop invalid HTTP header fields",
      mirrors: ["checkov CKV_AWS_131"],
      fix: "Set drop_invalid_header_fields = true.",
    },
    LB,
    (lb) => (lb.load_balancer_type !== "network" && lb.drop_invalid_header_fields !== true ? "invalid header fields pass through" : undefined),
  ),
  perResource(
    {
      id: "load-balancer-deletion-protection",
      title: "Load balancers have deletion protection",
      mirrors: ["checkov CKV_AWS_150"],
      fix: "Keep service.loadBalancer.deletionProtection (the default), or mark a throwaway environment `disposable: true`.",
    },
    LB,
    (lb, _address, config) =>
      lb.enable_deletion_protection === true || isDisposable(config) ? undefined : "deletion protection is off",
  ),
  perResource(
    {
      id: "load-balancer-access-logs",
      title: "Load balancers write access logs",
      mirrors: ["checkov CKV_AWS_91"],
      fix: "Keep service.loadBalancer.accessLogs.enabled (the default: the stack creates the bucket), or name an existing bucket.",
    },
    LB,
    (lb) => (lb.access_logs?.enabled === true && lb.access_logs?.bucket ? undefined : "access logs are off"),
  ),
  perResource(
    {
      id: "load-balancer-desync-mitigation",
      title: "Load balancers mitigate HTTP desync (defensive or strictest)",
      mirrors: ["checkov CKV_AWS_328"],
      fix: "Leave desync_mitigation_mode unset (defensive) or set it to strictest.",
    },
    LB,
    (lb) => (lb.desync_mitigation_mode === "monitor" ? "desync_mitigation_mode is monitor" : undefined),
  ),
  perResource(
    {
      id: "target-group-health-check",
      title: "Target groups define a health check",
      mirrors: ["checkov CKV_AWS_261"],
      fix: "Give the target group a health_check block with a path.",
    },
    ["aws_lb_target_group", "aws_alb_target_group"],
    (tg) => (tg.health_check?.enabled !== false && tg.health_check?.path ? undefined : "no health check path"),
  ),
  perResource(
    {
      id: "target-group-deregistration-delay",
      title: "Target groups drain in at most 60 s (the provider's 300 s slows every deployment)",
      mirrors: [],
      fix: "Set service.loadBalancer.deregistrationDelaySeconds to 60 or less.",
    },
    ["aws_lb_target_group", "aws_alb_target_group"],
    (tg) => (tg.deregistration_delay !== undefined && Number(tg.deregistration_delay) <= 60 ? undefined : `deregistration delay ${tg.deregistration_delay ?? "300 (default)"} s`),
  ),
  perResource(
    {
      id: "certificate-create-before-destroy",
      title: "Certificates are replaced before they are destroyed",
      mirrors: ["checkov CKV_AWS_233"],
      fix: "Set lifecycle.create_before_destroy = true on the certificate.",
    },
    ["aws_acm_certificate"],
    (c) => (c.lifecycle?.create_before_destroy === true ? undefined : "a replacement would remove the listener's certificate first"),
  ),
  perResource(
    {
      id: "ecs-service-waits-for-forwarding",
      title: "Load-balanced ECS services depend on a listener or rule that forwards to their target groups",
      mirrors: [],
      fix: "Add the listener rule (or listener) that forwards to the target group to the service's depends_on: AWS refuses CreateService while the group is on no load balancer.",
    },
    ["aws_ecs_service"],
    (service, _address, config) => {
      const forwarders = asArray(service.depends_on)
        .map((address: string) => [address, config.resource?.[address.split(".")[0]]?.[address.split(".").slice(1).join(".")]])
        .filter(([address, body]) => body && /^aws_(a?lb_listener|a?lb_listener_rule)\./.test(address));
      const missing = asArray(service.load_balancer)
        .map((lb: any) => String(lb.target_group_arn ?? "").match(/\$\{(aws_a?lb_target_group\.[^.}]+)\./)?.[1])
        .filter((group): group is string => !!group)
        .filter((group) => !forwarders.some(([, body]) => forwardsTo(body, group)));
      return missing.length > 0 ? `nothing in depends_on forwards to ${missing.join(", ")}: a race AWS can refuse` : undefined;
    },
  ),
];

/** Whether a listener or listener rule forwards to the target group at `group` (an address). */
function forwardsTo(body: any, group: string): boolean {
  return [...asArray(body.action), ...asArray(body.default_action)].some(
    (a: any) =>
      a.type === "forward" &&
      (refersTo(a.target_group_arn, group) || asArray(a.forward).some((f: any) => asArray(f.target_group).some((t: any) => refersTo(t.arn, group)))),
  );
}
