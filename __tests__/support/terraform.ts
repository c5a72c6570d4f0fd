/** The offline Terraform runner (src/terraform/offline.ts), with temp folders cleaned after each test file. */
import { offlinePlan as runOfflinePlan, offlinePlans as runOfflinePlans, terraformUnavailable } from "../../src/terraform/offline";
import { describeUnless, tempDir } from "./app";

export { formatAndCheck, terraformUnavailable } from "../../src/terraform/offline";
export type { OfflinePlan } from "../../src/terraform/offline";

export function offlinePlan(stackDir: string, providerAliases: (string | undefined)[] = [undefined]) {
  return runOfflinePlan(stackDir, providerAliases, tempDir("tf-offline-"));
}

/** One stack's folders (its JSON, its HCL) planned with one init and a provider process each. */
export function offlinePlans(stackDirs: string[], providerAliases: (string | undefined)[] = [undefined], options: { show?: boolean } = {}) {
  return runOfflinePlans(stackDirs, providerAliases, tempDir("tf-offline-"), options);
}

/** `describe` when Terraform can run, else skipped with one line saying why. */
export function describeWithTerraform(name: string, fn: () => void): void {
  describeUnless(terraformUnavailable(), name, fn);
}
