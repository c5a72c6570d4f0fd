/**
 * Manifests of environments whose state is in another account: the plan (a role per environment, named by
 * default or by state.roleName) and one clear line for each value that cannot work.
 */
import { loadProject } from "../../src/manifest/load";
import { projectErrorIn } from "../support/manifests";
import { otherAccountManifest, projectWith, STATE_BUCKET } from "../support/accounts";

const loadError = (...extra: any[]): string => projectErrorIn(projectWith(...extra));

describe("state in another account", () => {
  it("plans a role per environment of another account, in the bootstrap stack, and a backend that assumes it", () => {
    const project = loadProject(projectWith(otherAccountManifest("qa", "222222222222", "10.30.0.0/16"), otherAccountManifest("dev", "333333333333", "10.40.0.0/16", { roleName: "dev-state" })));
    expect(project.bootstrap!.stateRoles).toEqual([
      { name: "dev-state", environment: "dev", trustedAccountId: "333333333333", bucket: STATE_BUCKET, key: "inpock/dev/terraform.tfstate", lockTable: undefined },
      { name: "inpock-qa-terraform-state", environment: "qa", trustedAccountId: "222222222222", bucket: STATE_BUCKET, key: "inpock/qa/terraform.tfstate", lockTable: undefined },
    ]);
    const qa = project.environments.find((e) => e.manifest.environment === "qa")!.plan as any;
    expect(qa.state.roleArn).toBe("arn:aws:iam::111111111111:role/inpock-qa-terraform-state");
    // The fixtures keep their state in their own account: no role, no assume_role.
    const staging = project.environments.find((e) => e.manifest.environment === "staging")!.plan as any;
    expect(staging.state.roleArn).toBeUndefined();
  });

  it("refuses a roleName when the state is in the environment's own account", () => {
    const same = otherAccountManifest("qa", "111111111111", "10.30.0.0/16", { roleName: "qa-state" });
    expect(loadError(same)).toBe(
      "qa.yaml: state.roleName: the state is in this environment's own account (111111111111); expected a roleName only with a state.accountId of another account",
    );
  });

  it("refuses a roleName IAM would refuse", () => {
    expect(loadError(otherAccountManifest("qa", "222222222222", "10.30.0.0/16", { roleName: "qa state/role" }))).toMatch(
      /^qa\.yaml: state\.roleName: expected an IAM role name \(1-64 letters, digits and \+=,\.@_-\)/,
    );
  });

  it("refuses two environments with one state role", () => {
    expect(
      loadError(otherAccountManifest("qa", "222222222222", "10.30.0.0/16", { roleName: "shared-state" }), otherAccountManifest("dev", "333333333333", "10.40.0.0/16", { roleName: "shared-state" })),
    ).toMatch(/^(qa|dev)\.yaml: state\.roleName: arn:aws:iam::111111111111:role\/shared-state is also environment (dev|qa)'s state role; expected a role of its own \((dev|qa)\.yaml\)$/);
  });

  it("refuses a state role named like another environment's roles in the state account", () => {
    expect(loadError(otherAccountManifest("qa", "222222222222", "10.30.0.0/16", { roleName: "inpock-staging-github-deploy" }))).toBe(
      "qa.yaml: state.roleName: arn:aws:iam::111111111111:role/inpock-staging-github-deploy is named like environment staging's roles (inpock-staging-*) in the state account; expected a name of this environment (staging.yaml)",
    );
  });

  it("refuses a state bucket in a third account: the bootstrap stack makes every bucket in one", () => {
    expect(loadError({ ...otherAccountManifest("qa", "222222222222", "10.30.0.0/16"), state: { backend: "s3", bucket: "qa-state-222", accountId: "444444444444" } })).toMatch(
      /^qa\.yaml: state\.accountId: expected 111111111111 like .*: the bootstrap stack creates every state bucket in one account, got 444444444444$/,
    );
  });
});
