import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { StatePlan } from "../plan/environment";

/**
 * Points a stack's state at the planned backend. S3 state is encrypted and
 * locked, natively (`use_lockfile`) unless a DynamoDB lock table is chosen.
 */
export function configureStateBackend(stack: TerraformStack, state: StatePlan): void {
  switch (state.backend) {
    case "s3": {
      const backend = new S3Backend(stack, {
        bucket: state.bucket,
        key: state.key,
        region: state.region,
        encrypt: true,
        dynamodbTable: state.locking === "dynamodb" ? state.lockTable : undefined,
        // The bucket is in another account: its role for this environment (the bootstrap stack's).
        assumeRole: state.roleArn ? { roleArn: state.roleArn } : undefined,
      });
      // cdktf 0.21's S3Backend has no field for it.
      if (state.locking === "lockfile") backend.addOverride("use_lockfile", true);
      return;
    }
    case "cloud":
      new CloudBackend(stack, {
        hostname: state.hostname,
        organization: state.organization,
        // New workspaces are created in the project, which the dynamic credentials' trust pins.
        workspaces: new NamedCloudWorkspace(state.workspace, state.project),
      });
      return;
    case "local":
      new LocalBackend(stack, { path: state.path });
      return;
  }
}
