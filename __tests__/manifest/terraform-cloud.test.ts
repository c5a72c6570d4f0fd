/** Manifests with Terraform Cloud state: names within Terraform Cloud's limits, one clear line otherwise. */
import { loadProject } from "../../src/manifest/load";
import { projectErrorIn } from "../support/manifests";
import { cloudManifest, projectWith } from "../support/accounts";

const loadError = (...extra: any[]): string => projectErrorIn(projectWith(...extra));

describe("state.backend: cloud", () => {
  it("derives a workspace per stack, <app>-<environment>, and run roles per phase", () => {
    const project = loadProject(projectWith(cloudManifest("qa", "222222222222", "10.30.0.0/16")));
    expect((project.environments.find((e) => e.manifest.environment === "qa")!.plan as any).state).toEqual({
      backend: "cloud",
      organization: "inpock",
      workspace: "inpock-qa",
      hostname: "app.terraform.io",
      project: "Link Server",
      dynamicCredentials: { planRole: "inpock-qa-tfc-plan", applyRole: "inpock-qa-tfc-apply", audience: "aws.workload.identity", oidcProvider: "create", createsOidcProvider: true },
    });
  });

  it.each([
    [{ workspace: "x".repeat(91) }, "state.workspace: expected a workspace name (1-90 letters, digits, - and _)"],
    [{ workspace: "my workspace" }, "state.workspace: expected a workspace name (1-90 letters, digits, - and _)"],
    [{ organization: "acme corp" }, "state.organization: expected a Terraform Cloud organization name (letters, digits, - and _)"],
    [{ project: "x".repeat(41) }, "state.project: expected a Terraform Cloud project name (3-40 letters, digits, spaces, - and _)"],
    [{ project: "a:b" }, "state.project: expected a Terraform Cloud project name (3-40 letters, digits, spaces, - and _)"],
    [{ hostname: "https://app.terraform.io" }, "state.hostname: expected a hostname, such as app.terraform.io"],
  ])("refuses %j with one line", (state, message) => {
    expect(loadError(cloudManifest("qa", "222222222222", "10.30.0.0/16", state))).toMatch(new RegExp(`^qa\\.yaml: ${message.replace(/[().|]/g, "\\$&")}`));
  });

  it("refuses two environments in one workspace", () => {
    expect(loadError(cloudManifest("qa", "222222222222", "10.30.0.0/16", { workspace: "shared" }), cloudManifest("dev", "333333333333", "10.40.0.0/16", { workspace: "shared" }))).toMatch(
      /^(qa|dev)\.yaml: state: the state \(Terraform Cloud app\.terraform\.io\/inpock\/shared\) is also environment (qa|dev)'s; expected a state of its own/,
    );
  });

  it("refuses environments of one account that disagree on the OIDC provider", () => {
    expect(loadError(cloudManifest("qa", "222222222222", "10.30.0.0/16", { oidcProvider: "existing" }), cloudManifest("dev", "222222222222", "10.40.0.0/16"))).toBe(
      "qa.yaml: state.oidcProvider: expected create like dev.yaml: environments of account 222222222222 share one OIDC provider for app.terraform.io, got existing",
    );
  });

  it("makes no roles with dynamicCredentials: false", () => {
    const project = loadProject(projectWith(cloudManifest("qa", "222222222222", "10.30.0.0/16", { dynamicCredentials: false })));
    expect((project.environments.find((e) => e.manifest.environment === "qa")!.plan as any).state.dynamicCredentials).toBeUndefined();
  });
});
