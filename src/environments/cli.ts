/**
 * `npm run new-environment -- <name> [--from <environment>]`: writes environments/<name>.yaml from
 * another manifest and prints what must exist in AWS and GitHub before its first deploy.
 * Errors are one line and exit status 1; nothing is written then.
 */
import { ManifestError } from "../manifest/load";
import { newEnvironment, NewEnvironmentError } from "./new-environment";

const USAGE = "usage: npm run new-environment -- <name> [--from <environment>]";

export function newEnvironmentCli(args: string[]): number {
  try {
    const fromAt = args.indexOf("--from");
    const from = fromAt >= 0 ? args[fromAt + 1] : undefined;
    const rest = args.filter((_, i) => i !== fromAt && i !== fromAt + 1 || fromAt < 0);
    const unknown = rest.find((a) => a.startsWith("-"));
    if (unknown) throw new NewEnvironmentError(`${unknown}: unknown option; ${USAGE}`);
    if (rest.length !== 1 || (fromAt >= 0 && !from)) throw new NewEnvironmentError(USAGE);
    const created = newEnvironment(rest[0], { from });
    console.log(`Wrote ${created.file}. Before its first deploy:`);
    created.checklist.forEach((item, i) => console.log(`  ${i + 1}. ${item}`));
    return 0;
  } catch (e) {
    if (!(e instanceof NewEnvironmentError || e instanceof ManifestError)) throw e;
    console.error(e.message);
    return 1;
  }
}
