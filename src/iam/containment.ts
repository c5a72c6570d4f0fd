/**
 * Containment: what no principal may do, proven by simulating the requests that would break it.
 * - A role that GitHub Actions can assume cannot create or change a role without the stack's permissions
 *   boundary, remove a boundary, rewrite the boundary policy, or change its own trust; and the boundary
 *   itself allows no IAM (a role granted everything, within it, still cannot create a role).
 * - Its trust pins `aud`, and `sub` to the repository, the environment (or pull requests) and the
 *   workflow file at its branch: the same token with another environment, branch, repository or
 *   audience is refused.
 * - A role that pull requests assume reads no object data but its own state, no secret or parameter value.
 * - No GitHub role reads secret or parameter values.
 * - In an account several environments share, no role of one (GitHub's or a service role) touches a resource of another.
 */
import { GITHUB_OIDC_HOST } from "../plan/environment";
import { asArray, parseJson, resources } from "../policy/model";
import { evaluatedSecretArn } from "../plan/secrets";
import type { IamFinding, IamStack } from "./index";
import type { Principal } from "./principals";
import { resolve, sharesAccount, StackContext } from "./resolve";
import { mayAllowAction, simulateIdentity, simulateTrust, Verdict } from "./simulate";

const SUB = `${GITHUB_OIDC_HOST}:sub`;
const AUD = `${GITHUB_OIDC_HOST}:aud`;

/** Roles a GitHub Actions job can assume: their trust names the GitHub OIDC provider. */
export function githubRoles(principals: Principal[]): Principal[] {
  return principals.filter((p) => JSON.stringify(p.trust ?? {}).includes(`oidc-provider/${GITHUB_OIDC_HOST}`));
}

/** The subjects the role's trust allows, as written (StringEquals or StringLike). */
function subjects(p: Principal): string[] {
  return (p.trust?.Statement ?? [])
    .filter((s: any) => s.Effect === "Allow")
    .flatMap((s: any) => [...asArray(s.Condition?.StringEquals?.[SUB]), ...asArray(s.Condition?.StringLike?.[SUB])]) as string[];
}

const isPullRequestRole = (p: Principal) => subjects(p).some((s) => s.includes(":pull_request"));

/** The `<app>-<environment>` prefix of a stack's role names: the GitHub roles are `<prefix>-github-*`, Terraform Cloud's `<prefix>-tfc-*`. */
const prefixOf = (p: Principal) => p.name.replace(/-(github|tfc)-[a-z]+$/, "");

type Report = (p: Principal, action: string, resource: string, message: string) => void;

/** A finding collector for one stack, and the request that must be denied, reported when it is not. */
function reporter(stack: string): { findings: IamFinding[]; finding: Report; mustDeny: MustDeny } {
  const findings: IamFinding[] = [];
  const finding: Report = (p, action, resource, message) => findings.push({ rule: "iam-contained", stack, principal: `${p.address} (${p.name})`, action, resource, message });
  const mustDeny: MustDeny = async (p, action, resource, what, context) => {
    const verdict = await simulateIdentity(p, { action, resource, context });
    if (verdict.allowed) finding(p, action, resource, `can ${action} on ${resource} (${what}): ${verdict.because}`);
    else if (verdict.error) finding(p, action, resource, `cannot be checked for ${action} on ${resource}: the simulator refused the request: ${verdict.error}`);
  };
  return { findings, finding, mustDeny };
}

/** Containment within one stack: its GitHub roles' trust, escalation, secret values and pull request reads. */
export async function ownContainmentFindings({ ctx, principals }: IamStack): Promise<IamFinding[]> {
  const { findings, finding, mustDeny } = reporter(ctx.stack);
  const ciRoles = githubRoles(principals);
  for (const p of ciRoles) {
    // One subject, one role: a job that may assume one role must not get another's permissions too.
    const twin = ciRoles.find((o) => o !== p && subjects(o).some((sub) => subjects(p).includes(sub)));
    if (twin) finding(p, "sts:AssumeRoleWithWebIdentity", p.arn, `trusts the same subject as ${twin.address} (${twin.name}): ${JSON.stringify(subjects(p).filter((sub) => subjects(twin).includes(sub)))}, so a job that may assume one may assume both`);
    trustFindings(p, finding);
    await escalation(ctx, p, principals, mustDeny);
    for (const arn of secretAndParameterArns(ctx)) {
      const action = arn.includes(":secretsmanager:") ? "secretsmanager:GetSecretValue" : "ssm:GetParameters";
      await mustDeny(p, action, arn, "a secret value a container reads");
    }
    if (isPullRequestRole(p)) await pullRequestReads(ctx, p, mustDeny);
  }
  return findings;
}

/** No role of `stack` (GitHub's or a service role) reaches a resource of `other`, an environment of the same account. */
export async function crossContainmentFindings(stack: IamStack, other: IamStack): Promise<IamFinding[]> {
  const { findings, finding, mustDeny } = reporter(stack.ctx.stack);
  if (other === stack || !sharesAccount(stack.ctx, other.ctx)) return findings;
  for (const p of stack.principals) {
    for (const target of resourcesOf(other)) {
      // Most roles allow none of most targets' actions: those are denied without simulating each pair
      // (the cost of 64 environments in one account), but a request the simulator refuses still is a finding.
      if (!mayAllowAction(p, target.action)) {
        const error = await requestError(p, target);
        if (error) finding(p, target.action, target.resource, `cannot be checked for ${target.action} on ${target.resource}: the simulator refused the request: ${error}`);
        continue;
      }
      await mustDeny(p, target.action, target.resource, `${other.ctx.stack}'s ${target.what}, in the same account`, target.context);
    }
  }
  return findings;
}

const requestErrors = new WeakMap<Target, Promise<string | undefined>>();
/**
 * Whether the simulator refuses a target's request (an action or ARN shape it does not accept), once per
 * target: that depends on the request alone, given policies it accepts (mayAllowAction checks them).
 */
function requestError(p: Principal, target: Target): Promise<string | undefined> {
  let error = requestErrors.get(target);
  if (!error) {
    const bare: Principal = { ...p, policies: [], boundary: undefined };
    requestErrors.set(target, (error = simulateIdentity(bare, target).then((v) => v.error)));
  }
  return error;
}

export async function containmentFindings(stacks: IamStack[]): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  for (const stack of stacks) {
    findings.push(...(await ownContainmentFindings(stack)));
    for (const other of stacks) findings.push(...(await crossContainmentFindings(stack, other)));
  }
  return findings;
}

export type MustDeny = (p: Principal, action: string, resource: string, what: string, context?: Record<string, string | string[]>) => Promise<void>;

/** The trust: `aud` pinned; `sub` exact to repository, environment and workflow at a branch. */
function trustFindings(p: Principal, finding: Report): void {
  const provider = `arn:aws:iam::${p.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  const allowed = subjects(p);
  const statement = JSON.stringify(p.trust?.Statement ?? []);
  if (allowed.length === 0 || allowed.some((s) => !s.includes(":job_workflow_ref:"))) {
    finding(p, "sts:AssumeRoleWithWebIdentity", p.arn, `trust does not pin the workflow: its sub condition is ${JSON.stringify(allowed)}; expected repo:<owner/name>:<environment or pull_request>:job_workflow_ref:<workflow>@<ref> (${statement})`);
    return;
  }
  for (const sub of allowed) {
    const token = sub.replace(/\*/g, "1");
    const assume = (claims: Record<string, string>) => simulateTrust(p, provider, "sts:AssumeRoleWithWebIdentity", claims);
    if (!assume({ [SUB]: token, [AUD]: "sts.amazonaws.com" }).allowed) continue; // reachability reports a role nobody can assume
    const hostile: [string, Record<string, string>][] = [
      ["another audience", { [SUB]: token, [AUD]: "https://github.com/someone" }],
      ["no audience", { [SUB]: token }],
      ["another repository", { [SUB]: token.replace(/repo:[^:]+\/[^:]+:/, "repo:attacker/fork:").replace(/job_workflow_ref:[^/]+\/[^/]+\//, "job_workflow_ref:attacker/fork/"), [AUD]: "sts.amazonaws.com" }],
      ["another branch", { [SUB]: token.replace(/@refs\/heads\/.*$/, "@refs/heads/feature").replace(/@refs\/pull\/.*$/, "@refs/heads/feature"), [AUD]: "sts.amazonaws.com" }],
      ["another workflow", { [SUB]: token.replace(/\.github\/workflows\/[^@]+@/, ".github/workflows/other.yml@"), [AUD]: "sts.amazonaws.com" }],
      ["another environment", { [SUB]: token.replace(/:environment:[^:]+:/, ":environment:elsewhere:").replace(/:pull_request:/, ":environment:elsewhere:"), [AUD]: "sts.amazonaws.com" }],
    ];
    for (const [what, claims] of hostile) {
      if (claims[SUB] === token && what !== "another audience" && what !== "no audience") continue;
      const verdict: Verdict = assume(claims);
      if (verdict.allowed) {
        finding(p, "sts:AssumeRoleWithWebIdentity", p.arn, `can be assumed by a token from ${what} (sub ${claims[SUB]}, aud ${claims[AUD] ?? "none"}): its trust allows it (${statement})`);
      }
    }
  }
}

/** No role or policy change without the boundary; the boundary and the role's own trust are out of reach. */
export async function escalation(ctx: StackContext, p: Principal, principals: Principal[], mustDeny: MustDeny): Promise<void> {
  const prefix = prefixOf(p);
  const role = `arn:aws:iam::${ctx.accountId}:role/${prefix}-escalation`;
  for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]) {
    await mustDeny(p, action, role, "a role without the permissions boundary", action === "iam:AttachRolePolicy" ? { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" } : undefined);
  }
  await mustDeny(p, "iam:DeleteRolePermissionsBoundary", role, "removing a role's permissions boundary");
  await mustDeny(p, "iam:UpdateAssumeRolePolicy", p.arn, "its own trust policy");
  await mustDeny(p, "iam:PutRolePolicy", p.arn, "its own permissions", { "iam:PermissionsBoundary": boundaryArn(ctx) ?? "" });
  await mustDeny(p, "iam:CreatePolicyVersion", `arn:aws:iam::${ctx.accountId}:policy/${prefix}-boundary`, "the permissions boundary policy");
  await mustDeny(p, "iam:SetDefaultPolicyVersion", `arn:aws:iam::${ctx.accountId}:policy/${prefix}-boundary`, "the permissions boundary policy");
  // Whatever it may do within the boundary, a role carrying the boundary cannot escalate either.
  const boundary = principals.find((x) => x.boundary)?.boundary;
  if (boundary) {
    const bounded: Principal = { ...p, address: `a role bounded by ${boundary.source}`, name: `${prefix}-any`, policies: [ALLOW_ALL], boundary };
    for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion"]) {
      await mustDeny(bounded, action, action === "iam:CreatePolicyVersion" ? `arn:aws:iam::${ctx.accountId}:policy/${prefix}-boundary` : role, "IAM from inside the permissions boundary");
    }
  }
}

const ALLOW_ALL = { source: "a policy allowing everything", document: { Version: "2012-10-17", Statement: [{ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" }] } };

function boundaryArn(ctx: StackContext): string | undefined {
  const [address] = resources(ctx.config, "aws_iam_policy").find(([, p]) => String(p.name).endsWith("-boundary")) ?? [];
  return address ? resolve(`\${${address}.arn}`, ctx) : undefined;
}

/** Pull requests: no object data (its own state excepted), no table items, no log events. */
async function pullRequestReads(ctx: StackContext, p: Principal, mustDeny: MustDeny): Promise<void> {
  const objects = [
    "arn:aws:s3:::any-bucket/any-object",
    ...resources(ctx.config, "aws_s3_bucket").map(([address]) => `${resolve(`\${${address}.arn}`, ctx)}/AWSLogs/${ctx.accountId}/any-object`),
  ];
  const state = ctx.config.terraform?.backend?.s3;
  if (state) objects.push(`arn:aws:s3:::${state.bucket}/another/environment/terraform.tfstate`);
  for (const object of objects) await mustDeny(p, "s3:GetObject", object, "object data");
  await mustDeny(p, "dynamodb:GetItem", `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/any-table`, "table items");
  await mustDeny(p, "dynamodb:Scan", `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/any-table`, "table items");
  for (const [address] of resources(ctx.config, "aws_cloudwatch_log_group")) {
    await mustDeny(p, "logs:GetLogEvents", `${resolve(`\${${address}.arn}`, ctx)}:log-stream:any`, "log events");
  }
  await mustDeny(p, "ssm:GetParameter", `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter/any/parameter`, "a parameter value");
  await mustDeny(p, "secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:any-secret-AbC123`, "a secret value");
}

/** The secrets and parameters the stack's containers read, as IAM sees them. */
export function secretAndParameterArns(ctx: StackContext): string[] {
  return resources(ctx.config, "aws_ecs_task_definition").flatMap(([, t]) =>
    asArray(parseJson(resolve(String(t.container_definitions), ctx)) as any[]).flatMap((c: any) =>
      asArray(c.secrets).map((s: any) => (String(s.valueFrom).includes(":secretsmanager:") ? evaluatedSecretArn(String(s.valueFrom)) : String(s.valueFrom))),
    ),
  );
}

interface Target {
  action: string;
  resource: string;
  what: string;
  context?: Record<string, string | string[]>;
}

const targetsOf = new WeakMap<IamStack, Target[]>();

/** Another stack's resources, and a request that would change or read each (worked out once per stack). */
function resourcesOf(stack: IamStack): Target[] {
  let targets = targetsOf.get(stack);
  if (!targets) targetsOf.set(stack, (targets = targetsFor(stack)));
  return targets;
}

function targetsFor(stack: IamStack): Target[] {
  const { ctx } = stack;
  const tags = { "aws:ResourceTag/environment": ctx.tags.environment ?? "" };
  const arn = (address: string) => resolve(`\${${address}.arn}`, ctx);
  const targets: Target[] = [];
  const add = (type: string, action: string, withTags = true) =>
    resources(ctx.config, type).forEach(([address]) => targets.push({ action, resource: arn(address), what: address, context: withTags ? tags : undefined }));
  add("aws_ecs_service", "ecs:UpdateService");
  add("aws_ecs_cluster", "ecs:DeleteCluster");
  add("aws_ecr_repository", "ecr:PutImage", false);
  add("aws_ecr_repository", "ecr:BatchDeleteImage", false);
  add("aws_cloudwatch_log_group", "logs:DeleteLogGroup", false);
  add("aws_lb", "elasticloadbalancing:DeleteLoadBalancer");
  add("aws_codedeploy_app", "codedeploy:DeleteApplication");
  add("aws_iam_role", "iam:PutRolePolicy", false);
  add("aws_iam_role", "iam:DeleteRole", false);
  add("aws_s3_bucket", "s3:DeleteBucket");
  add("aws_lb_listener", "elasticloadbalancing:ModifyListener");
  for (const p of stack.principals.filter((x) => !JSON.stringify(x.trust ?? {}).includes("oidc-provider"))) {
    targets.push({ action: "iam:PassRole", resource: p.arn, what: `${p.address}, passed to ECS`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
  }
  const state = ctx.config.terraform?.backend?.s3;
  if (state) {
    targets.push({ action: "s3:GetObject", resource: `arn:aws:s3:::${state.bucket}/${state.key}`, what: "state" });
    targets.push({ action: "s3:PutObject", resource: `arn:aws:s3:::${state.bucket}/${state.key}`, what: "state" });
  }
  for (const [address, record] of resources(ctx.config, "aws_route53_record")) {
    targets.push({ action: "route53:ChangeResourceRecordSets", resource: `arn:aws:route53:::hostedzone/${resolve(String(record.zone_id), ctx)}`, what: address });
  }
  for (const secret of secretAndParameterArns(ctx)) {
    targets.push({ action: secret.includes(":secretsmanager:") ? "secretsmanager:GetSecretValue" : "ssm:GetParameters", resource: secret, what: "secret" });
  }
  // One of each is enough to name the gap; a hundred identical lines are not.
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.action} ${t.what.split(".")[0]}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
