/**
 * Who creates GitHub Actions' OIDC provider, one per account: every account with a GitHub role needs it,
 * and IAM refuses a second one (EntityAlreadyExists). With `github.oidcProvider: existing` nobody does (it is
 * adopted); with `create`, the bootstrap stack does in its account, and in any other account (or when the
 * state is in Terraform Cloud and there is no bootstrap stack) the first environment there, by name.
 */
import type { BootstrapPlan } from "./bootstrap";
import { EnvironmentPlan, PlanError } from "./environment";

/**
 * Code-unit order, which for environment names ([a-z0-9-], the schema's pattern) is localeCompare's order
 * without its cost: the first localeCompare of a process loads ICU's collator, about 12 ms of every synth.
 */
function byEnvironmentName(a: { plan: EnvironmentPlan }, b: { plan: EnvironmentPlan }): number {
  return a.plan.environment < b.plan.environment ? -1 : a.plan.environment > b.plan.environment ? 1 : 0;
}

export function assignOidcProviders(envs: { file: string; plan: EnvironmentPlan }[], bootstrap: BootstrapPlan | undefined): void {
  const withGithub = envs.filter(({ plan }) => plan.github).sort(byEnvironmentName);
  for (const accountId of new Set(withGithub.map(({ plan }) => plan.accountId))) {
    const here = withGithub.filter(({ plan }) => plan.accountId === accountId);
    const first = here[0];
    const other = here.find(({ plan }) => plan.github!.oidcProvider !== first.plan.github!.oidcProvider);
    if (other) {
      throw new PlanError(
        "github.oidcProvider",
        `expected ${first.plan.github!.oidcProvider} like ${first.file}: environments of account ${accountId} share one OIDC provider, got ${other.plan.github!.oidcProvider}`,
        other.file,
      );
    }
    if (first.plan.github!.oidcProvider === "create" && bootstrap?.accountId !== accountId) first.plan.github!.createsOidcProvider = true;
  }
}

/**
 * Terraform Cloud's OIDC provider, one per account and hostname, likewise: the first environment (by name)
 * of an account with dynamic credentials creates it, unless they say it exists; all of them must agree.
 */
export function assignTerraformCloudOidcProviders(envs: { file: string; plan: EnvironmentPlan }[]): void {
  const withTfc = envs
    .flatMap(({ file, plan }) => (plan.state.backend === "cloud" && plan.state.dynamicCredentials ? [{ file, plan, state: plan.state, credentials: plan.state.dynamicCredentials }] : []))
    .sort(byEnvironmentName);
  for (const key of new Set(withTfc.map(({ plan, state }) => `${plan.accountId} ${state.hostname}`))) {
    const here = withTfc.filter(({ plan, state }) => `${plan.accountId} ${state.hostname}` === key);
    const first = here[0];
    const other = here.find(({ credentials }) => credentials.oidcProvider !== first.credentials.oidcProvider);
    if (other) {
      throw new PlanError(
        "state.oidcProvider",
        `expected ${first.credentials.oidcProvider} like ${first.file}: environments of account ${first.plan.accountId} share one OIDC provider for ${first.state.hostname}, got ${other.credentials.oidcProvider}`,
        other.file,
      );
    }
    if (first.credentials.oidcProvider === "create") first.credentials.createsOidcProvider = true;
  }
}
