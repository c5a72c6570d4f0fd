/** Manifests for the loader tests, and the one-line errors they give. */
import { loadProject, ManifestError } from "../../src/manifest/load";

/** A small valid AWS manifest with a new VPC and no service. */
export function stagingManifest(): any {
  return {
    app: "shop",
    environment: "staging",
    aws: { region: "ap-northeast-2", accountId: "123456789012", availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"] },
    network: { type: "new", cidr: "10.20.0.0/16" },
    state: { backend: "s3", bucket: "shop-tfstate" },
  };
}

/** The one-line message of the ManifestError that `load` throws; fails the test when it throws none. */

export function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    if (e instanceof ManifestError) return e.message;
    throw e;
  }
  throw new Error("expected a ManifestError");
}

/** The one-line error that loading the project in `dir` gives, with `dir/` taken out; "" when it loads. */
export function projectErrorIn(dir: string): string {
  try {
    loadProject(dir);
    return "";
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    return e.message.split(dir + "/").join("");
  }
}
