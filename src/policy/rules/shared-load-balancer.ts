/**
 * Rules for several services on one load balancer (webServices): each release must move its own
 * service's traffic and no other's, and AWS must accept every rule.
 */
import { asArray, PolicyRule, refersTo, resources } from "../model";

/** The address a `${type.name.attr}` reference names, or undefined. */
const addressIn = (value: unknown, type: string): string | undefined => String(value ?? "").match(new RegExp(`\\$\\{(${type}\\.[^.}]+)\\.`))?.[1];

export const sharedLoadBalancerRules: PolicyRule[] = [
  {
    id: "listener-rule-priorities-unique",
    title: "No two rules of a listener share a priority",
    mirrors: [],
    fix: "Give each routed web service its own webServices.<name>.routing.priority (1-99; the service's own rule is 100).",
    check: (config) => {
      const seen = new Map<string, string>();
      return resources(config, "aws_lb_listener_rule", "aws_alb_listener_rule").flatMap(([address, rule]) => {
        const key = `${rule.listener_arn} ${rule.priority}`;
        const first = seen.get(key);
        if (rule.priority === undefined) return [];
        if (!first) {
          seen.set(key, address);
          return [];
        }
        return [{ rule: "listener-rule-priorities-unique", resource: address, message: `priority ${rule.priority} is also ${first}'s on the same listener: AWS refuses the second (PriorityInUse)` }];
      });
    },
  },
  {
    id: "deployment-group-moves-its-own-service",
    title: "A CodeDeploy group's target groups are its service's, forwarded on its listeners, and no other group's",
    mirrors: [],
    fix: "Give each load-balanced service its own blue and green target groups, name them (and only them) in its deployment group, and forward to its blue group on the group's production and test listeners.",
    check: (config) => {
      const failures: { rule: string; resource: string; message: string }[] = [];
      const fail = (resource: string, message: string) => failures.push({ rule: "deployment-group-moves-its-own-service", resource, message });
      const owner = new Map<string, string>();
      const rules = resources(config, "aws_lb_listener_rule", "aws_lb_listener", "aws_alb_listener_rule", "aws_alb_listener");
      for (const [address, group] of resources(config, "aws_codedeploy_deployment_group")) {
        const service = addressIn(group.ecs_service?.service_name ?? asArray(group.ecs_service)[0]?.service_name, "aws_ecs_service");
        const pair = group.load_balancer_info?.target_group_pair_info ?? asArray(asArray(group.load_balancer_info)[0]?.target_group_pair_info)[0];
        if (!service || !pair) continue;
        const groups = asArray(pair.target_group).map((t: any) => addressIn(t.name, "aws_lb_target_group")).filter((g): g is string => !!g);
        for (const tg of groups) {
          const other = owner.get(tg);
          if (other) fail(address, `${tg} is also ${other}'s: a release of one would move the other's traffic`);
          else owner.set(tg, address);
        }
        const serviceBody = config.resource?.aws_ecs_service?.[service.split(".")[1]];
        const serving = addressIn(asArray(serviceBody?.load_balancer)[0]?.target_group_arn, "aws_lb_target_group");
        if (serving && !groups.includes(serving)) {
          fail(address, `its target groups (${groups.join(", ")}) do not include ${serving}, where ${service} starts: CodeDeploy would refuse its first deployment`);
          continue;
        }
        const routes = pair.prod_traffic_route ?? asArray(pair.prod_traffic_route)[0];
        for (const listener of [...asArray(routes?.listener_arns), ...asArray((pair.test_traffic_route ?? {}).listener_arns)]) {
          const forwards = rules.some(([ruleAddress, body]) => {
            const onListener = ruleAddress.includes("_listener_rule.") ? body.listener_arn === listener : refersTo(listener, ruleAddress);
            return onListener && [...asArray(body.action), ...asArray(body.default_action)].some((a: any) => a.type === "forward" && groups.some((g) => refersTo(a.target_group_arn, g)));
          });
          if (!forwards) fail(address, `nothing on ${addressIn(listener, "aws_lb_listener") ?? listener} forwards to ${groups.join(" or ")}: the deployment would have no traffic to move`);
        }
      }
      return failures;
    },
  },
];
