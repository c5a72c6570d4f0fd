/**
 * `npm run new-environment -- qa [--from staging]`: a new manifest made from an existing one, with
 * everything that must be its own changed: the environment's name, hostnames (and a placeholder zone
 * when the zone was the other environment's), secret paths, an explicit Terraform Cloud workspace, and
 * an address block that overlaps no other environment in the same account and region. The result is
 * loaded with every other manifest before it is kept; on any problem nothing is written.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { Document, parseDocument } from "yaml";
import { firstFreeBlock, formatCidr, parseCidr, prefixLength, within } from "../plan/cidr";
import { AwsEnvironment, environmentsDir, loadEnvironments, loadProject, ManifestError } from "../manifest/load";

export class NewEnvironmentError extends Error {}

/** Stack names the app uses for itself. */
const RESERVED = ["bootstrap"];
const NAME = /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/;

export interface NewEnvironment {
  file: string;
  checklist: string[];
}

export function newEnvironment(name: string, options: { from?: string; dir?: string } = {}): NewEnvironment {
  const dir = options.dir ?? environmentsDir();
  if (!NAME.test(name)) throw new NewEnvironmentError(`${name}: expected an environment name: 2-12 lowercase letters, digits and hyphens, starting with a letter`);
  if (RESERVED.includes(name)) throw new NewEnvironmentError(`${name}: the name of a stack the app makes itself; expected another name`);
  const file = join(dir, `${name}.yaml`);
  if (existsSync(file) || existsSync(join(dir, `${name}.yml`))) throw new NewEnvironmentError(`${file}: already exists; expected a new environment's name`);

  const environments = loadEnvironments(dir).filter((e): e is AwsEnvironment => e.platform === "aws");
  const source = options.from ? environments.find((e) => e.manifest.environment === options.from) : (environments.find((e) => e.manifest.environment === "staging") ?? environments[0]);
  if (!source) {
    throw new NewEnvironmentError(options.from ? `--from ${options.from}: no AWS environment of that name in ${dir}; expected one of: ${environments.map((e) => e.manifest.environment).join(", ")}` : `${dir}: no AWS environment to start from`);
  }

  const doc = parseDocument(readFileSync(source.file, "utf8"));
  const from = source.manifest.environment;
  doc.set("environment", name);
  renameDomain(doc, from, name);
  renameSecrets(doc, from, name);
  if (source.manifest.state.backend === "cloud" && doc.hasIn(["state", "workspace"])) doc.setIn(["state", "workspace"], `${source.manifest.app}-${name}`);
  if (source.manifest.state.backend === "local") doc.deleteIn(["state", "path"]);
  if (doc.hasIn(["github", "deployEnvironment"])) doc.deleteIn(["github", "deployEnvironment"]);
  placeNetwork(doc, source, environments);
  if (doc.contents) doc.contents.commentBefore = null; // the source's own heading describes the source
  doc.commentBefore = ` ${name}: made by \`npm run new-environment -- ${name} --from ${from}\`; see docs/new-environment.md for what must exist before the first deploy.`;

  writeFileSync(file, doc.toString());
  try {
    loadProject(dir); // the new manifest, and every check between environments
  } catch (e) {
    rmSync(file, { force: true });
    if (e instanceof ManifestError) throw new NewEnvironmentError(`${e.message} (nothing was written)`);
    throw e;
  }
  return { file, checklist: checklist(name, doc) };
}

const replaceLabel = (value: string, from: string, to: string) => value.split(".").map((l) => (l === from ? to : l)).join(".");

function renameDomain(doc: Document, from: string, to: string): void {
  const zone = doc.getIn(["service", "domain", "zoneName"]) as string | undefined;
  if (!zone) return;
  const newZone = replaceLabel(zone, from, to);
  if (newZone !== zone) {
    doc.setIn(["service", "domain", "zoneName"], newZone);
    doc.setIn(["service", "domain", "hostedZoneId"], `Z0REPLACE${to.toUpperCase().replace(/-/g, "")}ZONE`);
  }
  const rename = (path: (string | number)[]) => {
    const items = (doc.getIn(path, false) as { items: { value: string }[] } | undefined)?.items ?? [];
    items.forEach((item, i) => {
      const renamed = replaceLabel(item.value, from, to);
      doc.setIn([...path, i], renamed !== item.value ? renamed : `${to}.${item.value}`);
    });
  };
  rename(["service", "domain", "hostnames"]);
  // A routed web service's own hosts are the environment's hostnames too.
  const routed = (doc.getIn(["webServices"], false) as { items: { key: { value: string } }[] } | undefined)?.items ?? [];
  for (const { key } of routed) rename(["webServices", key.value, "routing", "hosts"]);
}

/** Secret paths under this environment's name; Secrets Manager's random suffix dropped (the new secret gets its own). */
function renameSecrets(doc: Document, from: string, to: string): void {
  const visit = (path: (string | number)[]) => {
    const value = doc.getIn(path);
    if (typeof value === "string" && /^arn:aws[\w-]*:(secretsmanager|ssm):/.test(value)) {
      const withoutSuffix = value.replace(/^(arn:[^:]+:secretsmanager:.*)-[A-Za-z0-9]{6}$/, "$1");
      const renamed = withoutSuffix.replace(new RegExp(`([/:])${from}(?=/)`, "g"), `$1${to}`);
      doc.setIn(path, renamed !== withoutSuffix ? renamed : withoutSuffix.replace(/(secret:|parameter\/)/, `$1${to}/`));
      return;
    }
    const node = doc.getIn(path, true) as { items?: { key?: { value: string }; value?: unknown }[] } | undefined;
    node?.items?.forEach((item, i) => visit([...path, item.key ? item.key.value : i]));
  };
  visit([]);
}

/** A new VPC gets the first block of the same size that no environment in its account and region uses. */
function placeNetwork(doc: Document, source: AwsEnvironment, environments: AwsEnvironment[]): void {
  const neighbours = environments.filter((e) => e.plan.accountId === source.plan.accountId && e.plan.region === source.plan.region);
  if (source.manifest.network.type === "new") {
    const size = prefixLength(parseCidr(source.manifest.network.cidr));
    const taken = neighbours.flatMap((e) => (e.manifest.network.type === "new" ? [e.manifest.network.cidr] : e.plan.network.subnets.flatMap((s) => [s.publicCidr, s.privateCidr])));
    const pools = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(parseCidr);
    for (const pool of pools) {
      const block = firstFreeBlock(pool, size, taken.map(parseCidr));
      if (block) return void doc.setIn(["network", "cidr"], formatCidr(block));
    }
    throw new NewEnvironmentError(`no free /${size} in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 beside the environments of ${source.plan.accountId} ${source.plan.region}; write network.cidr yourself`);
  }
  // The same existing VPC: the new subnets avoid every other environment's subnets in it.
  const { vpcId, cidrBlocks } = source.manifest.network;
  const inVpcBlocks = (cidr: string) => cidrBlocks.some((block) => within(parseCidr(cidr), parseCidr(block)));
  const used = new Set(source.manifest.network.usedCidrs);
  for (const e of neighbours) {
    if (e.manifest.network.type !== "existing" || e.manifest.network.vpcId !== vpcId) continue;
    // Subnets carved from another environment's secondary block are not in this one's pool.
    e.plan.network.subnets.flatMap((s) => [s.publicCidr, s.privateCidr]).filter(inVpcBlocks).forEach((c) => used.add(c));
  }
  doc.setIn(["network", "usedCidrs"], [...used]);
  if (doc.hasIn(["network", "secondaryCidr"])) doc.deleteIn(["network", "secondaryCidr"]); // another environment's block
}

function checklist(name: string, doc: Document): string[] {
  const zoneId = String(doc.getIn(["service", "domain", "hostedZoneId"]) ?? "");
  const secrets: string[] = [];
  const collect = (path: (string | number)[]) => {
    const value = doc.getIn(path);
    if (typeof value === "string" && value.startsWith("arn:")) secrets.push(value);
    (doc.getIn(path, true) as { items?: { key?: { value: string } }[] } | undefined)?.items?.forEach((item, i) => collect([...path, item.key ? item.key.value : i]));
  };
  collect(["service"]);
  return [
    zoneId.startsWith("Z0REPLACE") ? `Route 53: a public hosted zone for ${String(doc.getIn(["service", "domain", "zoneName"]))}, delegated from its parent; put its id in service.domain.hostedZoneId (now the placeholder ${zoneId})` : `Route 53: the hosted zone ${zoneId} exists in the account (shared with the environment this one was made from)`,
    ...secrets.map((arn) =>
      arn.split(":")[2] === "ssm"
        ? `Secret: the SSM SecureString parameter ${arn.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, "")}, with its value`
        : `Secret: the Secrets Manager secret ${arn.replace(/^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:/, "")}, with its value (the manifest may leave off the random suffix AWS adds to its ARN)`,
    ),
    "State: the state bucket exists (npx cdktf deploy bootstrap, once per account: docs/bootstrap.md), or the Terraform Cloud workspace for a cloud backend",
    `GitHub: an environment named ${String(doc.getIn(["github", "deployEnvironment"]) ?? name)} in the repository's settings, with its protection rules (required reviewers, deployment branches)`,
    "GitHub: the OIDC provider token.actions.githubusercontent.com in the account (the bootstrap stack creates it)",
    "Images: the ECR repositories get their first images (service.initialImages: build, or docs/release.md's first deploy)",
    `Deploy: npm run synth && npx cdktf deploy ${name}`,
  ];
}
