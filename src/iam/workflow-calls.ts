/**
 * The AWS calls each GitHub workflow step makes (.github/workflows/aws-calls.json), turned into requests
 * against one stack: placeholders filled from its synthesized resources. A call whose placeholder has no
 * value in that stack (no S3 state, no service) is not made there; an unknown placeholder is an error.
 */
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { resources } from "../policy/model";
import type { Principal } from "./principals";
import { resolve, StackContext } from "./resolve";

export type Call = [action: string, resource: string, context?: Record<string, string>];

export interface WorkflowStep {
  workflow: string;
  job: string;
  /** The step's name, or its `uses` when it has none. */
  step: string;
  /** Which GitHub role the job assumes: plan, deploy or release (`<prefix>-github-<role>`). */
  role: string;
  what: string;
  calls: Call[];
}

export const WORKFLOW_CALLS_FILE = join(".github", "workflows", "aws-calls.json");

/** The list in `root`, or none when the project has no workflows. */
export function loadWorkflowCalls(root: string): WorkflowStep[] {
  const file = join(root, WORKFLOW_CALLS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).steps as WorkflowStep[]) : [];
}

/** Placeholder name -> its value in this stack, or undefined when the stack has none. */
function placeholders(ctx: StackContext, principals: Principal[]): { value: (name: string, index?: number) => string | undefined | null; routedCount: number } {
  const arn = (address: string) => resolve(`\${${address}.arn}`, ctx);
  const first = (type: string, test: (attrs: any) => boolean = () => true) => resources(ctx.config, type).find(([, a]) => test(a))?.[0];
  // A backend that assumes the state account's role makes the state calls as that role: src/iam/state-access.ts checks them.
  const s3 = ctx.config.terraform?.backend?.s3?.assume_role ? undefined : ctx.config.terraform?.backend?.s3;
  const zone = resources(ctx.config, "aws_route53_record")[0];
  const boundary = first("aws_iam_policy", (p) => String(p.name).endsWith("-boundary"));
  const controller = (a: any) => a.deployment_controller?.type ?? a.deployment_controller?.[0]?.type ?? "ECS";
  const worker = first("aws_ecs_service", (a) => controller(a) === "ECS");
  const { web, group, routed } = webServices(ctx);
  const releaseFamily = first("aws_ecs_task_definition", (a) => a.tags?.workload === "release");
  const prefix = principals.find((p) => p.name.endsWith("-github-deploy"))?.name.replace(/-github-deploy$/, "");
  const fixed: Record<string, string | undefined> = {
    stateBucket: s3 && `arn:aws:s3:::${s3.bucket}`,
    stateObject: s3 && `arn:aws:s3:::${s3.bucket}/${s3.key}`,
    stateLock: s3 && `arn:aws:s3:::${s3.bucket}/${s3.key}.tflock`,
    service: web && arn(web),
    workerService: worker && arn(worker),
    cluster: first("aws_ecs_cluster") && arn(first("aws_ecs_cluster")!),
    task: first("aws_ecs_cluster") && `${arn(first("aws_ecs_cluster")!).replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`,
    releaseTaskDefinition: releaseFamily && arn(releaseFamily),
    loadBalancer: first("aws_lb") && arn(first("aws_lb")!),
    deploymentGroup: group?.arn,
    application: group?.application,
    deploymentConfig: group?.config,
    boundary: boundary && arn(boundary),
    hostedZone: zone && `arn:aws:route53:::hostedzone/${resolve(String(zone[1].zone_id), ctx)}`,
    account: ctx.accountId,
    region: ctx.region,
    prefix,
    environment: ctx.tags.environment,
    app: ctx.tags.app,
  };
  const bySuffix: Record<string, (suffix: string) => string | undefined> = {
    role: (suffix) => principals.find((p) => p.name.endsWith(`-${suffix}`))?.arn,
    repository: (suffix) => {
      const r = first("aws_ecr_repository", (a) => String(a.name).endsWith(`/${suffix}`));
      return r && arn(r);
    },
    logGroup: (suffix) => {
      const g = first("aws_cloudwatch_log_group", (a) => String(a.name).endsWith(`/${suffix}`));
      return g && arn(g);
    },
    bucket: (suffix) => {
      const b = first("aws_s3_bucket", (a) => String(a.bucket).includes(`-${suffix}`));
      return b && arn(b);
    },
  };
  const value = (name: string, index?: number): string | undefined | null => {
    const [kind, suffix] = name.split(":");
    if (suffix !== undefined) return kind in bySuffix ? bySuffix[kind](suffix) : null;
    if (ROUTED.test(name)) {
      const key = name.slice("routed".length);
      if (!(key in ROUTED_KEYS)) return null;
      return index === undefined ? undefined : routed[index]?.[key as keyof RoutedValues];
    }
    return name in fixed ? fixed[name] : null;
  };
  return { value, routedCount: routed.length };
}

/** Each routed web service's values: `{routedService}`, `{routedDeploymentGroup}`... */
interface RoutedValues {
  Service: string;
  Family: string;
  DeploymentGroup: string;
  DeploymentConfig: string;
  NetworkParameter: string;
}
const ROUTED_KEYS: Record<keyof RoutedValues, true> = { Service: true, Family: true, DeploymentGroup: true, DeploymentConfig: true, NetworkParameter: true };
const ROUTED = /^routed[A-Z]/;

/**
 * The main web service (the one the stack's `service_name` output names; else the first under CodeDeploy)
 * with its deployment group, and every other CodeDeploy service (webServices) with its deployment group,
 * task family and network parameter (the SSM parameter holding its security groups).
 */
function webServices(ctx: StackContext): { web?: string; group?: { arn: string; application: string; config: string }; routed: RoutedValues[] } {
  const { region: r, accountId: a } = ctx;
  const services = resources(ctx.config, "aws_ecs_service").filter(([, s]) => (s.deployment_controller?.type ?? s.deployment_controller?.[0]?.type) === "CODE_DEPLOY");
  const named = /^\$\{(aws_ecs_service\.[A-Za-z0-9_-]+)\.name\}$/.exec(String((ctx.config as any).output?.service_name?.value ?? ""))?.[1];
  const web = services.find(([address]) => address === named)?.[0] ?? services[0]?.[0];
  const groups = resources(ctx.config, "aws_codedeploy_deployment_group").map(([, g]) => {
    const app = resolve(String(g.app_name), ctx);
    return {
      service: resolve(String(g.ecs_service?.service_name ?? g.ecs_service?.[0]?.service_name), ctx),
      arn: `arn:aws:codedeploy:${r}:${a}:deploymentgroup:${app}/${resolve(String(g.deployment_group_name), ctx)}`,
      application: `arn:aws:codedeploy:${r}:${a}:application:${app}`,
      config: `arn:aws:codedeploy:${r}:${a}:deploymentconfig:${g.deployment_config_name}`,
    };
  });
  const nameOf = (address: string) => resolve(`\${${address}.name}`, ctx);
  const groupOf = (address: string) => groups.find((g) => g.service === nameOf(address));
  const parameters = resources(ctx.config, "aws_ssm_parameter");
  const routed = services.flatMap(([address, service]): RoutedValues[] => {
    const group = groupOf(address);
    if (address === web || !group) return [];
    const securityGroups = JSON.stringify(service.network_configuration?.security_groups ?? service.network_configuration?.[0]?.security_groups);
    const parameter = parameters.find(([, p]) => {
      try {
        return JSON.stringify(JSON.parse(String(p.value)).securityGroups) === securityGroups;
      } catch {
        return false;
      }
    });
    return [
      {
        Service: resolve(`\${${address}.arn}`, ctx),
        Family: resolve(String(service.task_definition), ctx).replace(/^.*:task-definition\//, "").replace(/:\d+$/, ""),
        DeploymentGroup: group.arn,
        DeploymentConfig: group.config,
        NetworkParameter: parameter ? resolve(`\${${parameter[0]}.arn}`, ctx) : `unresolved:network parameter of ${address}`,
      },
    ];
  });
  return { web, group: web ? groupOf(web) : undefined, routed };
}

export interface StepRequest {
  step: WorkflowStep;
  principal: Principal;
  action: string;
  resource: string;
  context: Record<string, string>;
}

/**
 * Each step's calls as requests of the stack's GitHub role; `unknown` lists placeholders nobody defines.
 * A call naming a `{routed...}` placeholder is made once per routed web service (none: not made).
 */
export function workflowRequests(ctx: StackContext, principals: Principal[], steps: WorkflowStep[]): { requests: StepRequest[]; unknown: string[] } {
  const { value, routedCount } = placeholders(ctx, principals);
  const requests: StepRequest[] = [];
  const unknown: string[] = [];
  const PLACEHOLDER = /\{([A-Za-z]+(?::[A-Za-z0-9-]+)?)\}/g;
  for (const step of steps) {
    const principal = principals.find((p) => p.name.endsWith(`-github-${step.role}`));
    if (!principal) continue;
    for (const [action, resource, context = {}] of step.calls) {
      const perRouted = [resource, ...Object.values(context)].some((text) => [...text.matchAll(PLACEHOLDER)].some(([, name]) => ROUTED.test(name)));
      // Without routed services such a call is not made, but its placeholders are still checked (-1: none).
      const indexes = !perRouted ? [undefined] : routedCount > 0 ? [...Array(routedCount).keys()] : [-1];
      for (const index of indexes) {
        let missing = false;
        const fill = (text: string) =>
          text.replace(PLACEHOLDER, (_, name: string) => {
            const v = value(name, index);
            if (v === null) unknown.push(`${step.workflow} ${step.job} "${step.step}": {${name}}`);
            if (v === undefined || v === null) missing = true;
            return v ?? "";
          });
        const filled = { action, resource: fill(resource), context: Object.fromEntries(Object.entries(context).map(([k, v]) => [k, fill(v)])) };
        if (!missing) requests.push({ step, principal, ...filled });
      }
    }
  }
  return { requests, unknown };
}

/**
 * A step that calls AWS: the AWS CLI, docker push/pull, cdktf diff/deploy, terraform init/plan/apply (the
 * state and the provider), the infra workflow's apply script, npm run release-step, or an aws-actions action other than login
 * setup and rendering.
 */
const AWS_RUN = /(^|\s)(aws\s+[a-z0-9-]+\s|docker\s+(push|pull)\s|(npx\s+)?cdktf\s+(diff|deploy)\s|terraform\s+(-chdir=\S+\s+)?(init|plan|apply)\b|node\s+scripts\/apply-saved-plan\.js|npm\s+run\s+(--silent\s+)?release-step\s)/m;
const LOCAL_ACTIONS = /^aws-actions\/(configure-aws-credentials|amazon-ecs-render-task-definition)@/;

export interface AwsStep {
  workflow: string;
  job: string;
  step: string;
  /** The role kind the job assumes (`jq -r .roles.<kind>` in the step that reads the release settings). */
  role?: string;
}

/** The steps of a parsed workflow that make AWS calls, and the role each job assumes. */
export function awsSteps(workflow: string, parsed: any): AwsStep[] {
  return Object.entries<any>(parsed?.jobs ?? {}).flatMap(([job, body]) => {
    const steps: any[] = body.steps ?? [];
    const role = steps.map((s) => /\.roles\.([a-z]+)/.exec(String(s.run ?? ""))?.[1]).find(Boolean);
    return steps
      .filter((s) => (typeof s.run === "string" && AWS_RUN.test(s.run)) || (typeof s.uses === "string" && s.uses.startsWith("aws-actions/") && !LOCAL_ACTIONS.test(s.uses)))
      .map((s) => ({ workflow, job, step: String(s.name ?? s.uses), role }));
  });
}
