/**
 * From a validated manifest to everything the constructs need: names, subnet
 * CIDRs, NAT layout, state backend settings and tags. Pure: no cdktf here.
 */
import type { AwsManifest } from "../manifest/schema";
import { resourceNames, ResourceNames } from "./names";
import { planService, ServicePlan } from "./service";
import { BackgroundPlan, planBackground } from "./background";
import { planWebServices, RoutedWebServicePlan } from "./web-services";
import { PlannedSubnet, planSubnets, SubnetPlanError } from "./subnets";

export type VpcPlan =
  | { kind: "new"; cidr: string }
  | { kind: "existing"; id: string; internetGatewayId: string; secondaryCidr?: string };

/** NAT gateways to create in the public subnets of `zones`, or existing ones to route through. */
export type NatPlan = { kind: "create"; zones: string[] } | { kind: "existing"; ids: string[] };

export interface NetworkPlan {
  vpc: VpcPlan;
  /** The VPC and its public subnets get IPv6, so the load balancer can be dual-stack. */
  ipv6: boolean;
  subnets: PlannedSubnet[];
  nat: NatPlan;
  /** Undefined when flow logs are off. */
  flowLogs?: { retentionDays: number };
}

/**
 * A local state path relative to a stack's working folder (cdktf.out/stacks/<stack>/)
 * that lands in the project's root, where `rm -rf cdktf.out` cannot delete it.
 */
export function projectRootPath(file: string): string {
  return `../../../${file}`;
}

export type StatePlan =
  | {
      backend: "s3";
      bucket: string;
      region: string;
      key: string;
      accountId: string;
      locking: "lockfile" | "dynamodb";
      lockTable?: string;
      /** The role in the state account that the backend assumes: set when the bucket is in another account. */
      roleArn?: string;
    }
  | { backend: "cloud"; organization: string; workspace: string; hostname: string; project: string; dynamicCredentials?: TerraformCloudCredentialsPlan }
  | { backend: "local"; path: string };

/** Terraform Cloud runs assume these roles through OIDC (dynamic provider credentials). */
export interface TerraformCloudCredentialsPlan {
  planRole: string;
  applyRole: string;
  /** The audience of the workload identity token (TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE). */
  audience: string;
  oidcProvider: "create" | "existing";
  /** This stack creates the provider: the first environment of its account (by name) with dynamic credentials. */
  createsOidcProvider: boolean;
}

/** Terraform Cloud's default audience for AWS workload identity tokens. */
export const TFC_AUDIENCE = "aws.workload.identity";

export interface GithubPlan {
  repository: string;
  /** The GitHub environment whose jobs may deploy and release. */
  deployEnvironment: string;
  /** The environment a release promotes images from, if any. */
  promoteFrom?: string;
  /** The branch whose workflows may deploy and release. */
  branch: string;
  /** GitHub's OIDC provider in the account: created by the project, or adopted because it exists. */
  oidcProvider: "create" | "existing";
  /** This stack creates the provider: the account has no bootstrap stack, and this is its first environment with GitHub. */
  createsOidcProvider: boolean;
}

/** The URL of GitHub Actions' OIDC token issuer. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The default tag of every resource of a disposable environment. */
export const DISPOSABLE_TAG = "disposable";

export interface EnvironmentPlan {
  app: string;
  environment: string;
  region: string;
  accountId: string;
  availabilityZones: string[];
  names: ResourceNames;
  network: NetworkPlan;
  state: StatePlan;
  /** Undefined when the manifest has no `service`. */
  service?: ServicePlan;
  /** Workers, scheduled jobs and release tasks beside the web service. */
  background: BackgroundPlan;
  /** More web services on the service's load balancer, routed by host or path. */
  webServices: RoutedWebServicePlan[];
  /** GitHub Actions access; undefined without a `github` section. */
  github?: GithubPlan;
  /** Policy rules waived here, with their reasons. */
  waivers: { rule: string; reason: string }[];
  /** Default tags of every resource. */
  tags: Record<string, string>;
  /** destroy removes everything, contents included (manifest `disposable`). */
  disposable: boolean;
}

/** A manifest that validates but cannot be planned; `path` is the key to change, in `file` if given. */
export class PlanError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export function planEnvironment(manifest: AwsManifest): EnvironmentPlan {
  const { app, environment, aws } = manifest;
  const names = resourceNames(app, environment);
  const service = manifest.service ? planService(manifest.service, names, manifest.disposable) : undefined;
  return {
    app,
    environment,
    region: aws.region,
    accountId: aws.accountId,
    availabilityZones: aws.availabilityZones,
    names,
    network: planNetwork(manifest),
    state: planState(manifest),
    service,
    background: planBackground(manifest, service),
    webServices: planWebServices(manifest.webServices, service),
    waivers: manifest.policy.waivers,
    github: manifest.github
      ? { ...manifest.github, deployEnvironment: manifest.github.deployEnvironment ?? environment, createsOidcProvider: false }
      : undefined,
    // The tag marks a throwaway environment in the console, and tells the policy rules its guards are off on purpose.
    tags: { app, environment, "managed-by": "cdktf", ...manifest.tags, ...(manifest.disposable ? { [DISPOSABLE_TAG]: "true" } : {}) },
    disposable: manifest.disposable,
  };
}

export function planNetwork({ network, aws }: AwsManifest): NetworkPlan {
  const zones = aws.availabilityZones;
  const flowLogs = network.flowLogs.enabled ? { retentionDays: network.flowLogs.retentionDays } : undefined;
  const natZones = network.natGateways === "perAz" ? zones : zones.slice(0, 1);
  if (network.type === "new") {
    const subnets = plannedOrThrow("network.cidr", () =>
      planSubnets({ pool: [network.cidr], used: [], sizeFrom: network.cidr, availabilityZones: zones }),
    );
    return { vpc: { kind: "new", cidr: network.cidr }, ipv6: network.ipv6, subnets, nat: { kind: "create", zones: natZones }, flowLogs };
  }
  const { secondaryCidr } = network;
  const subnets = secondaryCidr
    ? plannedOrThrow("network.secondaryCidr", () =>
        planSubnets({ pool: [secondaryCidr], used: [], sizeFrom: secondaryCidr, availabilityZones: zones }),
      )
    : plannedOrThrow("network.usedCidrs", () =>
        planSubnets({
          pool: network.cidrBlocks,
          used: network.usedCidrs,
          sizeFrom: network.cidrBlocks[0],
          availabilityZones: zones,
        }),
      );
  return {
    vpc: { kind: "existing", id: network.vpcId, internetGatewayId: network.internetGatewayId, secondaryCidr },
    ipv6: false,
    subnets,
    nat: network.natGatewayIds ? { kind: "existing", ids: network.natGatewayIds } : { kind: "create", zones: natZones },
    flowLogs,
  };
}

function plannedOrThrow(path: string, plan: () => PlannedSubnet[]): PlannedSubnet[] {
  try {
    return plan();
  } catch (e) {
    if (e instanceof SubnetPlanError) throw new PlanError(path, e.message);
    throw e;
  }
}

/** The role in the state account through which an environment of another account reaches its state. */
export function stateRoleName(app: string, environment: string, override?: string): string {
  return override ?? `${app}-${environment}-terraform-state`;
}

export function planState({ state, app, environment, aws }: AwsManifest): StatePlan {
  switch (state.backend) {
    case "s3": {
      const accountId = state.accountId ?? aws.accountId;
      return {
        backend: "s3",
        bucket: state.bucket,
        region: state.region ?? aws.region,
        key: `${app}/${environment}/terraform.tfstate`,
        accountId,
        locking: state.locking,
        lockTable: state.lockTable,
        // The bucket's account grants this environment its keys through a role of its own (docs/bootstrap.md).
        roleArn: accountId === aws.accountId ? undefined : `arn:aws:iam::${accountId}:role/${stateRoleName(app, environment, state.roleName)}`,
      };
    }
    case "cloud":
      return {
        backend: "cloud",
        organization: state.organization,
        workspace: state.workspace ?? `${app}-${environment}`,
        hostname: state.hostname,
        project: state.project,
        dynamicCredentials: state.dynamicCredentials
          ? { planRole: `${app}-${environment}-tfc-plan`, applyRole: `${app}-${environment}-tfc-apply`, audience: TFC_AUDIENCE, oidcProvider: state.oidcProvider, createsOidcProvider: false }
          : undefined,
      };
    case "local":
      return { backend: "local", path: state.path ?? projectRootPath(`terraform.${environment}.tfstate`) };
  }
}
