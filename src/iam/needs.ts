/**
 * What each principal must be able to do for the system to work, read from the synthesized stack itself:
 * the requests AWS will make on its behalf, against resource ARNs in their real shapes (a Secrets Manager
 * ARN ends in `-` and six random characters; a log stream lives under its group; ECR pulls name the
 * repository). Nothing is listed by hand here except the AWS behaviour each request stands for.
 */
import { asArray, parseJson, resources } from "../policy/model";
import type { Principal } from "./principals";
import { resolve, StackContext } from "./resolve";
import { evaluatedSecretArn } from "../plan/secrets";

export interface Need {
  /** The role's Terraform address. */
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** Why the system makes this request, for the failure message. */
  why: string;
}

/** A trust-policy need: `service` (or a federated identity) must be able to assume the role. */
export interface TrustNeed {
  principal: string;
  caller: string;
  action: "sts:AssumeRole" | "sts:AssumeRoleWithWebIdentity";
  context: Record<string, string | string[]>;
  why: string;
}

function roleOf(value: unknown): string | undefined {
  const ref = typeof value === "string" ? /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.arn\}$/.exec(value) : null;
  return ref?.[1];
}

/** A task id as ECS makes them. */
const GENERATED_TASK = "0123456789abcdef0123456789abcdef";

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/;

export function needsOf(ctx: StackContext, principals: Principal[]): { needs: Need[]; trust: TrustNeed[] } {
  const needs: Need[] = [];
  const trust: TrustNeed[] = [];
  const { region, accountId } = ctx;
  const service = (principal: string, caller: string, why: string) =>
    trust.push({ principal, caller, action: "sts:AssumeRole", context: { "aws:SourceAccount": accountId }, why });

  for (const [address, task] of resources(ctx.config, "aws_ecs_task_definition")) {
    const execution = roleOf(task.execution_role_arn);
    const taskRole = roleOf(task.task_role_arn);
    if (taskRole) service(taskRole, "ecs-tasks.amazonaws.com", `the tasks of ${address} run as it`);
    if (!execution) continue;
    service(execution, "ecs-tasks.amazonaws.com", `ECS starts the tasks of ${address} with it`);
    const need = (action: string, resource: string, why: string) => needs.push({ principal: execution, action, resource, why });
    const containers = asArray(parseJson(resolve(String(task.container_definitions), ctx)));
    for (const c of containers as any[]) {
      const image = ECR_IMAGE.exec(String(c.image));
      if (image) {
        const repository = `arn:aws:ecr:${image[2]}:${image[1]}:repository/${image[3]}`;
        need("ecr:GetAuthorizationToken", "*", `ECS logs in to ECR to pull ${c.name}'s image`);
        for (const action of ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]) {
          need(action, repository, `ECS pulls ${c.name}'s image`);
        }
      }
      const log = c.logConfiguration;
      if (log?.logDriver === "awslogs") {
        const group = log.options?.["awslogs-group"];
        const logRegion = log.options?.["awslogs-region"] ?? region;
        const stream = `${log.options?.["awslogs-stream-prefix"] ?? "ecs"}/${c.name}/0123456789abcdef0123456789abcdef`;
        const arn = `arn:aws:logs:${logRegion}:${accountId}:log-group:${group}:log-stream:${stream}`;
        need("logs:CreateLogStream", arn, `ECS creates ${c.name}'s log stream`);
        need("logs:PutLogEvents", arn, `ECS writes ${c.name}'s logs`);
      }
      for (const s of asArray(c.secrets) as any[]) {
        const from = String(s.valueFrom);
        if (from.includes(":secretsmanager:")) {
          need("secretsmanager:GetSecretValue", evaluatedSecretArn(from), `ECS injects ${c.name}'s secret ${s.name}`);
        } else {
          const arn = from.startsWith("arn:") ? from : `arn:aws:ssm:${region}:${accountId}:parameter/${from.replace(/^\//, "")}`;
          need("ssm:GetParameters", arn, `ECS injects ${c.name}'s parameter ${s.name}`);
        }
      }
    }
  }

  for (const [address, group] of resources(ctx.config, "aws_codedeploy_deployment_group")) {
    const role = roleOf(group.service_role_arn);
    if (!role) continue;
    service(role, "codedeploy.amazonaws.com", `CodeDeploy runs ${address} as it`);
    const need = (action: string, resource: string, why: string, context?: Need["context"]) => needs.push({ principal: role, action, resource, why, context });
    const cluster = resolve(String(group.ecs_service?.cluster_name ?? group.ecs_service?.[0]?.cluster_name), ctx);
    const name = resolve(String(group.ecs_service?.service_name ?? group.ecs_service?.[0]?.service_name), ctx);
    need("ecs:DescribeServices", `arn:aws:ecs:${region}:${accountId}:service/${cluster}/${name}`, "CodeDeploy reads the service");
    const serviceArn = `arn:aws:ecs:${region}:${accountId}:service/${cluster}/${name}`;
    const taskSet = `arn:aws:ecs:${region}:${accountId}:task-set/${cluster}/${name}/ecs-svc/1234567890123456789`;
    for (const action of ["ecs:CreateTaskSet", "ecs:DeleteTaskSet"]) need(action, taskSet, "CodeDeploy swaps the task sets");
    need("ecs:UpdateServicePrimaryTaskSet", serviceArn, "CodeDeploy makes the new task set primary");
    const route = group.load_balancer_info?.target_group_pair_info;
    const listeners = [route?.prod_traffic_route, route?.test_traffic_route].flatMap((r: any) => asArray(r?.listener_arns)).map((l: string) => resolve(l, ctx));
    for (const listener of listeners) {
      need("elasticloadbalancing:ModifyListener", listener, "CodeDeploy moves traffic");
      need("elasticloadbalancing:ModifyRule", listener.replace(":listener/", ":listener-rule/") + "/0123456789abcdef", "CodeDeploy moves the listener rule");
    }
    need("cloudwatch:DescribeAlarms", `arn:aws:cloudwatch:${region}:${accountId}:alarm:*`, "CodeDeploy watches the alarms");
    for (const [, task] of resources(ctx.config, "aws_ecs_task_definition")) {
      for (const passed of [task.execution_role_arn, task.task_role_arn].map(roleOf).filter(Boolean)) {
        const arn = principals.find((p) => p.address === passed)?.arn;
        if (arn) need("iam:PassRole", arn, "CodeDeploy starts the new task set with the task's roles", { "iam:PassedToService": "ecs-tasks.amazonaws.com" });
      }
    }
  }

  for (const [address, schedule] of resources(ctx.config, "aws_scheduler_schedule")) {
    const target = schedule.target?.[0] ?? schedule.target;
    const role = roleOf(target?.role_arn);
    if (!role) continue;
    service(role, "scheduler.amazonaws.com", `EventBridge Scheduler runs ${address} as it`);
    const need = (action: string, resource: string, why: string, context?: Need["context"]) => needs.push({ principal: role, action, resource, why, context });
    const ecs = target.ecs_parameters?.[0] ?? target.ecs_parameters;
    const cluster = resolve(String(target.arn), ctx);
    const family = resolve(String(ecs?.task_definition_arn), ctx);
    // Without a revision Scheduler runs the latest one, which IAM sees with its number.
    const revision = /:\d+$/.test(family) ? family : `${family}:7`;
    need("ecs:RunTask", revision, "Scheduler starts the job's task", { "ecs:cluster": cluster });
    if (ecs?.enable_ecs_managed_tags || ecs?.propagate_tags) {
      need("ecs:TagResource", `${cluster.replace(":cluster/", ":task/")}/${GENERATED_TASK}`, "Scheduler tags the task it starts", { "ecs:CreateAction": "RunTask" });
    }
    const definition = Object.values(ctx.config.resource?.aws_ecs_task_definition ?? {}).find((t: any) => `arn:aws:ecs:${region}:${accountId}:task-definition/${resolve(String(t.family), ctx)}` === family.replace(/:\d+$/, ""));
    for (const passed of [definition?.execution_role_arn, definition?.task_role_arn].map(roleOf).filter(Boolean)) {
      const arn = principals.find((p) => p.address === passed)?.arn;
      if (arn) need("iam:PassRole", arn, "Scheduler starts the task with the task definition's roles", { "iam:PassedToService": "ecs-tasks.amazonaws.com" });
    }
    const deadLetters = target.dead_letter_config?.[0]?.arn ?? target.dead_letter_config?.arn;
    if (deadLetters) need("sqs:SendMessage", resolve(String(deadLetters), ctx), "Scheduler keeps a run it could not start");
  }

  for (const [address, flow] of resources(ctx.config, "aws_flow_log")) {
    const role = roleOf(flow.iam_role_arn);
    if (!role || flow.log_destination_type === "s3") continue;
    service(role, "vpc-flow-logs.amazonaws.com", `VPC Flow Logs delivers ${address} as it`);
    const group = resolve(String(flow.log_destination), ctx);
    const stream = `${group}:log-stream:eni-0123456789abcdef0-all`;
    // AWS's documented policy for flow logs to CloudWatch Logs.
    const need = (action: string, resource: string) => needs.push({ principal: role, action, resource, why: "VPC Flow Logs publishes the records" });
    need("logs:CreateLogGroup", group);
    need("logs:DescribeLogGroups", "*");
    need("logs:DescribeLogStreams", group);
    need("logs:CreateLogStream", stream);
    need("logs:PutLogEvents", stream);
  }
  return { needs, trust };
}
