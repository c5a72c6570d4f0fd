/**
 * Terraform references (`${aws_ecr_repository.x.arn}`) in a synthesized stack, replaced by the values AWS
 * will give them: ARNs in their real shapes, built from the resources' own names, the provider's region
 * and the stack's account. Only what IAM needs is known; anything else stays an `unresolved:` token,
 * which no policy matches, so a grant that depends on it shows up as missing instead of passing.
 */
import type { TerraformConfig } from "../policy/model";

export interface StackContext {
  stack: string;
  config: TerraformConfig;
  region: string;
  accountId: string;
  /** The provider's default tags (environment, app...). */
  tags: Record<string, string>;
}

export function stackContext(stack: string, config: TerraformConfig): StackContext | undefined {
  const provider = (config.provider?.aws ?? []).find((p: any) => !p.alias) ?? config.provider?.aws?.[0];
  if (!provider) return undefined;
  return {
    stack,
    config,
    region: provider.region,
    accountId: String((provider.allowed_account_ids ?? [])[0] ?? "000000000000"),
    tags: provider.default_tags?.[0]?.tags ?? {},
  };
}

/** Whether containment compares two stacks: two environments that share an account. */
export function sharesAccount(a: StackContext, b: StackContext): boolean {
  return a.stack !== b.stack && a.accountId === b.accountId && a.tags.environment !== b.tags.environment;
}

const REFERENCE = /\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

/** A fixed stand-in for ids AWS generates (load balancer ids, task set ids). */
const GENERATED = "0123456789abcdef";

const DATA_REFERENCE = /\$\{data\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;

/** `value` with every reference replaced. */
export function resolve(value: string, ctx: StackContext, depth = 0): string {
  if (depth > 5) return value;
  return value
    .replace(DATA_REFERENCE, (_, type: string, name: string, attr: string) => resolveData(type, name, attr, ctx))
    .replace(REFERENCE, (_, type: string, name: string, attr: string) => resolveAttribute(type, name, attr, ctx, depth + 1));
}

/** Data sources: only GitHub's OIDC provider, read by URL (an adopted provider). */
function resolveData(type: string, name: string, attr: string, ctx: StackContext): string {
  const body = (ctx.config as any).data?.[type]?.[name];
  if (type === "aws_iam_openid_connect_provider" && attr === "arn" && typeof body?.url === "string") {
    return `arn:aws:iam::${ctx.accountId}:oidc-provider/${body.url.replace(/^https:\/\//, "")}`;
  }
  return `unresolved:data.${type}.${name}.${attr}`;
}

function resolveAttribute(type: string, name: string, attr: string, ctx: StackContext, depth: number): string {
  const body = ctx.config.resource?.[type]?.[name];
  if (!body) return `unresolved:${type}.${name}.${attr}`;
  const own = (key: string) => (typeof body[key] === "string" ? resolve(body[key], ctx, depth) : undefined);
  const { region: r, accountId: a } = ctx;
  const arn = ARNS[type]?.(own, r, a, ctx, depth);
  if (attr === "arn" && arn) return arn;
  if (type === "aws_ecs_task_definition" && attr === "arn_without_revision") return `arn:aws:ecs:${r}:${a}:task-definition/${own("family")}`;
  if (type === "aws_ecr_repository" && attr === "repository_url") return `${a}.dkr.ecr.${r}.amazonaws.com/${own("name")}`;
  if (type === "aws_ecs_service" && attr === "id") return arn ?? `unresolved:${type}.${name}.id`;
  if (type === "aws_ecs_cluster" && attr === "id") return arn ?? `unresolved:${type}.${name}.id`;
  if (attr === "name" || attr === "id") return own("name") ?? own("bucket") ?? `unresolved:${type}.${name}.${attr}`;
  if (attr === "bucket") return own("bucket") ?? `unresolved:${type}.${name}.${attr}`;
  const direct = own(attr);
  return direct ?? `unresolved:${type}.${name}.${attr}`;
}

type Own = (key: string) => string | undefined;
const ARNS: Record<string, (own: Own, region: string, account: string, ctx: StackContext, depth: number) => string | undefined> = {
  aws_iam_role: (own, _r, a) => `arn:aws:iam::${a}:role/${own("name")}`,
  aws_iam_policy: (own, _r, a) => `arn:aws:iam::${a}:policy/${own("name")}`,
  aws_iam_openid_connect_provider: (own, _r, a) => `arn:aws:iam::${a}:oidc-provider/${(own("url") ?? "").replace(/^https:\/\//, "")}`,
  aws_cloudwatch_log_group: (own, r, a) => `arn:aws:logs:${r}:${a}:log-group:${own("name")}`,
  aws_ecr_repository: (own, r, a) => `arn:aws:ecr:${r}:${a}:repository/${own("name")}`,
  aws_s3_bucket: (own) => `arn:aws:s3:::${own("bucket")}`,
  aws_ecs_cluster: (own, r, a) => `arn:aws:ecs:${r}:${a}:cluster/${own("name")}`,
  aws_ecs_service: (own, r, a) => `arn:aws:ecs:${r}:${a}:service/${lastSegment(own("cluster"))}/${own("name")}`,
  aws_lb: (own, r, a) => `arn:aws:elasticloadbalancing:${r}:${a}:loadbalancer/app/${own("name")}/${GENERATED}`,
  aws_lb_target_group: (own, r, a) => `arn:aws:elasticloadbalancing:${r}:${a}:targetgroup/${own("name")}/${GENERATED}`,
  aws_lb_listener: (own) => {
    const lb = own("load_balancer_arn");
    return lb?.startsWith("arn:") ? `${lb.replace(":loadbalancer/", ":listener/")}/${GENERATED}` : undefined;
  },
  aws_lb_listener_rule: (own) => {
    const listener = own("listener_arn");
    return listener?.startsWith("arn:") ? `${listener.replace(":listener/", ":listener-rule/")}/${GENERATED}` : undefined;
  },
  aws_codedeploy_app: (own, r, a) => `arn:aws:codedeploy:${r}:${a}:application:${own("name")}`,
  aws_cloudwatch_metric_alarm: (own, r, a) => `arn:aws:cloudwatch:${r}:${a}:alarm:${own("alarm_name")}`,
  aws_secretsmanager_secret: (own, r, a) => `arn:aws:secretsmanager:${r}:${a}:secret:${own("name")}-AbC123`,
  aws_ecs_task_definition: (own, r, a) => `arn:aws:ecs:${r}:${a}:task-definition/${own("family")}:1`,
  aws_sqs_queue: (own, r, a) => `arn:aws:sqs:${r}:${a}:${own("name")}`,
  aws_sns_topic: (own, r, a) => `arn:aws:sns:${r}:${a}:${own("name")}`,
  aws_ssm_parameter: (own, r, a) => `arn:aws:ssm:${r}:${a}:parameter/${(own("name") ?? "").replace(/^\//, "")}`,
};

function lastSegment(value: string | undefined): string | undefined {
  return value?.split("/").pop();
}
