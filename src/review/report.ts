/**
 * The plan review report of one stack, in Markdown: what it creates, what the
 * internet can reach, what each IAM role may do, the egress IPs, the
 * deployment strategy and the waived policy rules, and an architecture
 * diagram (Mermaid) drawn from the synthesized resources. Pure.
 */
import { CHECKOV_ID, type Finding, type Waiver } from "../policy";
import { asArray, parseJson, resources, TerraformConfig } from "../policy/model";
import { architectureDiagram } from "./diagram";
import { internetExposure } from "./exposure";

export interface ReviewInput {
  stack: string;
  config: TerraformConfig & { output?: Record<string, { value: unknown }> };
  /** `terraform show -json` of the offline plan; undefined when it could not run. */
  plan?: { resource_changes?: { address: string; type: string; change: { actions: string[] } }[] };
  /** Why there is no plan, when there is none. */
  noPlanReason?: string;
  /** Which state the plan was made against, as a sentence; default: the offline plan from empty state. */
  planSource?: string;
  waived: (Finding & { reason: string })[];
  /** Findings no waiver covers (synth fails on these). */
  failures?: Finding[];
}

const shortName = (address: string) => address.split(".").slice(1).join(".");

export function reviewReport(input: ReviewInput): string {
  const sections = [
    `# Plan review: ${input.stack}`,
    input.plan
      ? (input.planSource ?? "From the offline `terraform plan` of the synthesized stack, from empty state (fake credentials; nothing was read from AWS).")
      : `From the synthesized Terraform JSON only: ${input.noPlanReason ?? "no plan was run"}.`,
    changes(input),
    internetExposure(input.config, input.plan),
    roles(input.config),
    egress(input.config),
    deployment(input.config),
    failures(input.failures ?? []),
    waivers(input.waived),
    checkovWaivers(input.config),
    `## Architecture\n\n${architectureDiagram(input.config)}`,
  ];
  return sections.filter(Boolean).join("\n\n") + "\n";
}

/** Terraform's action list, as a reviewer says it. */
function actionName(actions: string[]): string {
  const key = actions.join("+");
  if (key === "delete+create" || key === "create+delete") return "**replace**";
  if (key === "delete") return "**delete**";
  return key;
}

function changes({ config, plan }: ReviewInput): string {
  if (plan?.resource_changes) {
    const changed = plan.resource_changes.filter((c) => c.change.actions.join("+") !== "no-op");
    const tally = new Map<string, number>();
    for (const c of changed) tally.set(actionName(c.change.actions), (tally.get(actionName(c.change.actions)) ?? 0) + 1);
    const summary = tally.size > 0 ? [...tally].map(([a, n]) => `${n} to ${a.replace(/\*/g, "")}`).join(", ") : "no changes";
    const rows = changed.map((c) => `| \`${c.address}\` | ${actionName(c.change.actions)} |`);
    return [`## Changes\n\n${summary}.\n`, "| resource | action |\n| --- | --- |", ...rows].join("\n");
  }
  const addresses = Object.entries(config.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
  const rows = addresses.sort().map((a) => `| \`${a}\` | create |`);
  return [`## Changes\n\n${addresses.length} resources in the configuration; with no plan, each is shown as created.\n`, "| resource | action |\n| --- | --- |", ...rows].join("\n");
}

function roles(config: TerraformConfig): string {
  const attachments = resources(config, "aws_iam_role_policy_attachment");
  const inline = resources(config, "aws_iam_role_policy");
  const rows = resources(config, "aws_iam_role").map(([address, role]) => {
    const ref = (attr: string) => `\${${address}.${attr}}`;
    const trust = asArray(parseJson(role.assume_role_policy)?.Statement)
      .map((s: any) => {
        const p = s.Principal;
        const who = p?.Service ?? p?.Federated ?? p?.AWS ?? JSON.stringify(p);
        const sub = Object.entries({ ...s.Condition?.StringEquals, ...s.Condition?.StringLike }).find(([k]) => k.endsWith(":sub"));
        return sub ? `${who} (${sub[1]})` : String(who);
      })
      .join("; ");
    const managed = attachments.filter(([, a]) => a.role === ref("name") || a.role === ref("id")).map(([, a]) => String(a.policy_arn).split("/").pop());
    const actions = inline
      .filter(([, p]) => p.role === ref("id") || p.role === ref("name"))
      .flatMap(([, p]) => asArray(parseJson(p.policy)?.Statement).flatMap((s: any) => (s.Effect === "Allow" ? asArray(s.Action) : [])));
    const denied = inline
      .filter(([, p]) => p.role === ref("id") || p.role === ref("name"))
      .flatMap(([, p]) => asArray(parseJson(p.policy)?.Statement).flatMap((s: any) => (s.Effect === "Deny" ? [s.Sid ?? "a Deny statement"] : [])));
    const may =
      [...managed.map((m) => `**${m}**`), ...[...new Set(actions)].map((a) => `\`${a}\``)].join(", ") ||
      "nothing";
    const limits = [
      denied.length > 0 ? `denied: ${denied.join(", ")}` : "",
      role.permissions_boundary ? "within the stack's permissions boundary" : "",
    ].filter(Boolean);
    return `| ${role.name ?? shortName(address)} | ${trust} | ${may}${limits.length > 0 ? `; ${limits.join("; ")}` : ""} |`;
  });
  if (rows.length === 0) return "## IAM roles\n\nNone.";
  return [["## IAM roles\n", "| role | assumed by | may |", "| --- | --- | --- |", ...rows].join("\n"), statements(config)].join("\n\n");
}

/** Every inline statement: effect, actions, resources and conditions, so a reviewer sees scopes, not just verbs. */
function statements(config: TerraformConfig): string {
  const rows = [...resources(config, "aws_iam_role_policy"), ...resources(config, "aws_iam_policy")].flatMap(([address, p]) =>
    asArray(parseJson(p.policy)?.Statement).map((st: any) => {
      const list = (v: unknown) => asArray(v).map((x) => `\`${String(x)}\``).join(", ");
      const conditions = st.Condition ? Object.entries<any>(st.Condition).flatMap(([op, kv]) => Object.entries<any>(kv).map(([k, v]) => `\`${k}\` ${op} ${list(v)}`)).join("; ") : "";
      return `| \`${shortName(address)}\` | ${st.Effect} | ${list(st.Action ?? st.NotAction)} | ${list(st.Resource ?? st.NotResource)} | ${conditions} |`;
    }),
  );
  if (rows.length === 0) return "";
  return ["### Inline policies\n", "| policy | effect | actions | resources | conditions |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

function egress(config: TerraformConfig): string {
  const eips = resources(config, "aws_eip");
  const nats = resources(config, "aws_nat_gateway");
  const routesToExisting = resources(config, "aws_route")
    .map(([, r]) => r.nat_gateway_id)
    .filter((id: unknown) => typeof id === "string" && id.startsWith("nat-"));
  const lines: string[] = [];
  if (eips.length > 0) {
    lines.push(`${eips.length} Elastic IP${eips.length > 1 ? "s" : ""} on ${nats.length} NAT gateway${nats.length > 1 ? "s" : ""}: known after apply, then fixed for the life of the environment (output \`nat_egress_ips\`; give these to partners who allowlist our calls).`);
  }
  if (routesToExisting.length > 0) lines.push(`Private subnets route through existing NAT gateways: ${[...new Set(routesToExisting)].join(", ")}.`);
  return `## Egress IPs\n\n${lines.length > 0 ? lines.join("\n\n") : "This stack creates no egress path."}`;
}

function deployment(config: TerraformConfig): string {
  const groups = resources(config, "aws_codedeploy_deployment_group");
  if (groups.length === 0) return "";
  return [
    "## Deployment",
    ...groups.map(([, g]) => {
      const wait = g.blue_green_deployment_config?.terminate_blue_instances_on_deployment_success?.termination_wait_time_in_minutes;
      const rollback = g.auto_rollback_configuration;
      return [
        `- Strategy: ${g.deployment_style?.deployment_type} with traffic control, \`${g.deployment_config_name}\`.`,
        `- Rollback window: the old task set runs ${wait ?? "?"} minute${wait === 1 ? "" : "s"} after traffic moves.`,
        `- Automatic rollback: ${rollback?.enabled ? asArray(rollback.events).join(", ") : "off"}.`,
        `- Alarms watched: ${asArray(g.alarm_configuration?.alarms).length || "none"}.`,
        `- Before traffic moves: ${g.blue_green_deployment_config?.deployment_ready_option?.action_on_timeout === "STOP_DEPLOYMENT" ? `waits up to ${g.blue_green_deployment_config.deployment_ready_option.wait_time_in_minutes} minutes on the test listener for a manual continue, else stops` : "no wait"}.`,
        `- Notified: ${asArray(g.trigger_configuration).flatMap((t: any) => asArray(t.trigger_events)).join(", ") || "nobody"}.`,
      ].join("\n");
    }),
  ].join("\n\n");
}

function failures(found: Finding[]): string {
  if (found.length === 0) return "";
  const rows = found.map((f) => `| \`${f.rule}\` | \`${f.resource}\` | ${f.message} |`);
  return ["## Policy failures (synth fails on these)\n", "| rule | resource | finding |", "| --- | --- | --- |", ...rows].join("\n");
}

function waivers(waived: ReviewInput["waived"]): string {
  if (waived.length === 0) return "## Waived policy rules\n\nNone: every policy rule passes.";
  const rows = waived.map((w) => `| \`${w.rule}\` | \`${w.resource}\` | ${w.reason} |`);
  return ["## Waived policy rules\n", "| rule | resource | reason |", "| --- | --- | --- |", ...rows].join("\n");
}

/** The checkov checks the stack's manifest waives (the checkov lane skips exactly these), from its JSON. */
function checkovWaivers(config: TerraformConfig): string {
  const listed: Waiver[] = ((config as any)["//"]?.waivers ?? []).filter((w: Waiver) => CHECKOV_ID.test(w.rule));
  if (listed.length === 0) return "## Waived checkov checks\n\nNone.";
  const rows = listed.map((w) => `| \`${w.rule}\` | ${w.resources ? w.resources.map((r) => `\`${r}\``).join(", ") : "every resource"} | ${w.reason} |`);
  return ["## Waived checkov checks\n", "| check | resources | reason |", "| --- | --- | --- |", ...rows].join("\n");
}
