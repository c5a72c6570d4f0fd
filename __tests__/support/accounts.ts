/** A project of the fixture environments plus environments in other accounts whose state is in the fixtures' bucket. */
import { cpSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { stringify } from "yaml";
import { FIXTURE_ENVIRONMENTS } from "./project";

/** The fixtures' state account and bucket. */
export const STATE_ACCOUNT = "111111111111";
export const STATE_BUCKET = "inpock-terraform-state-111111111111";

/** An environment of account `accountId` with its state in the fixtures' bucket, and GitHub roles. */
export function otherAccountManifest(environment: string, accountId: string, cidr: string, state: Record<string, unknown> = {}): any {
  return {
    app: "inpock",
    environment,
    aws: { region: "ap-northeast-2", accountId, availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"] },
    network: { type: "new", cidr, natGateways: "one" },
    state: { backend: "s3", bucket: STATE_BUCKET, accountId: STATE_ACCOUNT, ...state },
    github: { repository: "inpock/link-server" },
  };
}

/** A folder with the fixtures and `extra` manifests (file name = environment). */
export function projectWith(...extra: any[]): string {
  const dir = mkdtempSync(join(tmpdir(), "accounts-"));
  cpSync(FIXTURE_ENVIRONMENTS, dir, { recursive: true });
  for (const manifest of extra) writeFileSync(join(dir, `${manifest.environment}.yaml`), stringify(manifest));
  return dir;
}

/** qa in account 222222222222 and dev in 333333333333, both keeping their state in the fixtures' bucket. */
export const crossAccountProject = (): string =>
  projectWith(otherAccountManifest("qa", "222222222222", "10.30.0.0/16"), otherAccountManifest("dev", "333333333333", "10.40.0.0/16"));

/** An environment of account `accountId` whose state is in Terraform Cloud, with dynamic credentials. */
export function cloudManifest(environment: string, accountId: string, cidr: string, state: Record<string, unknown> = {}): any {
  const manifest = otherAccountManifest(environment, accountId, cidr);
  delete manifest.github;
  return { ...manifest, state: { backend: "cloud", organization: "inpock", project: "Link Server", ...state } };
}

/** qa and dev in account 222222222222, both in Terraform Cloud (one OIDC provider, made by dev: first by name). */
export const terraformCloudProject = (): string =>
  projectWith(cloudManifest("qa", "222222222222", "10.30.0.0/16"), cloudManifest("dev", "222222222222", "10.40.0.0/16"));
