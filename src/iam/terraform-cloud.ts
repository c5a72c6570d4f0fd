/**
 * Terraform Cloud's dynamic provider credentials: a role whose trust names an OIDC provider other than
 * GitHub's with `<host>:sub` conditions is one Terraform Cloud runs assume. Its trust must pin `aud` and
 * the exact subject (organization, project, workspace, run phase), agree with the stack's own `cloud`
 * block, and refuse the same token from another organization, project, workspace, phase or audience. A
 * plan-phase role writes nothing; an apply-phase role cannot escalate (as GitHub's deploy role) nor read
 * secret values.
 */
import { GITHUB_OIDC_HOST } from "../plan/environment";
import { asArray } from "../policy/model";
import { escalation, MustDeny, secretAndParameterArns } from "./containment";
import type { IamFinding, IamStack } from "./index";
import type { Principal } from "./principals";
import { simulateIdentity, simulateTrust } from "./simulate";

const SUBJECT = /^organization:([^:*?]+):project:([^:*?]+):workspace:([^:*?]+):run_phase:(plan|apply)$/;

interface RunRole {
  p: Principal;
  host: string;
  provider: string;
  subjects: string[];
  audiences: string[];
}

/** Roles trusting a non-GitHub OIDC provider through a `sub` condition: Terraform Cloud's run roles. */
export function terraformCloudRoles(principals: Principal[]): RunRole[] {
  return principals.flatMap((p) => {
    const statements = asArray(p.trust?.Statement).filter((s: any) => s.Effect === "Allow" && /:oidc-provider\//.test(String(s.Principal?.Federated ?? "")));
    const statement = statements.find((s: any) => !String(s.Principal.Federated).endsWith(`oidc-provider/${GITHUB_OIDC_HOST}`));
    if (!statement) return [];
    const provider = String(statement.Principal.Federated);
    const host = provider.replace(/^.*:oidc-provider\//, "");
    const values = (key: string) => ["StringEquals", "StringLike"].flatMap((op) => asArray(statement.Condition?.[op]?.[`${host}:${key}`]).map(String));
    return [{ p, host, provider, subjects: values("sub"), audiences: values("aud") }];
  });
}

export async function terraformCloudFindings(stacks: IamStack[]): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  for (const { ctx, principals } of stacks) {
    const finding = (rule: IamFinding["rule"], p: Principal, action: string, resource: string, message: string) =>
      findings.push({ rule, stack: ctx.stack, principal: `${p.address} (${p.name})`, action, resource, message });
    const mustDeny: MustDeny = async (p, action, resource, what, context) => {
      const verdict = await simulateIdentity(p, { action, resource, context });
      if (verdict.allowed) finding("iam-contained", p, action, resource, `can ${action} on ${resource} (${what}): ${verdict.because}`);
      else if (verdict.error) finding("iam-contained", p, action, resource, `cannot be checked for ${action} on ${resource}: the simulator refused the request: ${verdict.error}`);
    };
    const cloud = (ctx.config.terraform as any)?.cloud;
    const runRoles = terraformCloudRoles(principals);
    for (const role of runRoles) {
      const { p, host, provider } = role;
      const twin = runRoles.find((o) => o !== role && o.subjects.some((sub) => role.subjects.includes(sub)));
      if (twin) finding("iam-contained", p, "sts:AssumeRoleWithWebIdentity", p.arn, `trusts the same subject as ${twin.p.address} (${twin.p.name}): ${JSON.stringify(role.subjects.filter((sub) => twin.subjects.includes(sub)))}; expected one role per run phase`);
      const creators = stacks.filter((s) => s.ctx.accountId === ctx.accountId && Object.values<any>(s.ctx.config.resource?.aws_iam_openid_connect_provider ?? {}).some((o) => o.url === `https://${host}`));
      const read = Object.values<any>((ctx.config as any).data?.aws_iam_openid_connect_provider ?? {}).some((d) => d.url === `https://${host}`);
      if (creators.length !== 1 && !(creators.length === 0 && read)) {
        finding("iam-reachable", p, "sts:AssumeRoleWithWebIdentity", provider, `trusts ${host}'s OIDC provider, which ${creators.length} stacks of account ${ctx.accountId} create${creators.length ? ` (${creators.map((c) => c.ctx.stack).join(", ")})` : ""}${read ? " while this one reads it" : ""}; expected exactly one (state.oidcProvider)`);
      }
      const assume = (claims: Record<string, string>) => simulateTrust(p, provider, "sts:AssumeRoleWithWebIdentity", claims);
      const parsed = role.subjects.map((s) => SUBJECT.exec(s));
      if (role.subjects.length !== 1 || !parsed[0] || role.audiences.length !== 1) {
        finding("iam-contained", p, "sts:AssumeRoleWithWebIdentity", p.arn, `trust does not pin one audience and one subject organization:<org>:project:<project>:workspace:<workspace>:run_phase:<plan|apply>: aud ${JSON.stringify(role.audiences)}, sub ${JSON.stringify(role.subjects)}`);
        continue;
      }
      const [sub, [, organization, project, workspace, phase]] = [role.subjects[0], parsed[0]];
      const aud = role.audiences[0];
      const own = { [`${host}:sub`]: sub, [`${host}:aud`]: aud };
      if (!assume(own).allowed) {
        finding("iam-reachable", p, "sts:AssumeRoleWithWebIdentity", p.arn, `cannot be assumed by its own workspace's ${phase} runs (sub ${sub}, aud ${aud}): its trust policy does not allow it`);
        continue;
      }
      const expected = cloud && { organization: cloud.organization, project: cloud.workspaces?.project, workspace: cloud.workspaces?.name, host: cloud.hostname ?? "app.terraform.io" };
      if (!expected || expected.organization !== organization || expected.project !== project || expected.workspace !== workspace || expected.host !== host) {
        finding("iam-reachable", p, "sts:AssumeRoleWithWebIdentity", p.arn, `trusts ${host} ${organization}/${project}/${workspace}, but the stack's runs are ${expected ? `${expected.host} ${expected.organization}/${expected.project}/${expected.workspace}` : "not in Terraform Cloud (no cloud block)"}`);
      }
      const other = phase === "plan" ? "apply" : "plan";
      const hostile: [string, Record<string, string>][] = [
        ["another organization", { ...own, [`${host}:sub`]: sub.replace(`organization:${organization}:`, "organization:attacker:") }],
        ["another project", { ...own, [`${host}:sub`]: sub.replace(`:project:${project}:`, ":project:Other Project:") }],
        ["another workspace", { ...own, [`${host}:sub`]: sub.replace(`:workspace:${workspace}:`, ":workspace:other-workspace:") }],
        [`the ${other} phase`, { ...own, [`${host}:sub`]: sub.replace(/:run_phase:\w+$/, `:run_phase:${other}`) }],
        ["another audience", { ...own, [`${host}:aud`]: "sts.amazonaws.com" }],
        ["no audience", { [`${host}:sub`]: sub }],
      ];
      for (const [what, claims] of hostile) {
        if (assume(claims).allowed) {
          finding("iam-contained", p, "sts:AssumeRoleWithWebIdentity", p.arn, `can be assumed by a token from ${what} (sub ${claims[`${host}:sub`]}, aud ${claims[`${host}:aud`] ?? "none"}): its trust allows it (${JSON.stringify(p.trust?.Statement ?? [])})`);
        }
      }
      for (const arn of secretAndParameterArns(ctx)) {
        await mustDeny(p, arn.includes(":secretsmanager:") ? "secretsmanager:GetSecretValue" : "ssm:GetParameters", arn, "a secret value a container reads");
      }
      if (phase === "plan") {
        // A speculative plan (any pull request's) writes nothing and reads no data.
        await mustDeny(p, "ec2:CreateVpc", `arn:aws:ec2:${ctx.region}:${ctx.accountId}:vpc/*`, "a write, in a plan run");
        await mustDeny(p, "iam:CreateRole", `arn:aws:iam::${ctx.accountId}:role/any`, "a write, in a plan run");
        await mustDeny(p, "s3:GetObject", "arn:aws:s3:::any-bucket/any-object", "object data, in a plan run");
      } else {
        await escalation(ctx, p, principals, mustDeny);
      }
    }
  }
  return findings;
}
