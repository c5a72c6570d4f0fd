/** The docs stay true to the code: every manifest key is documented, and CI runs the README's commands. */
import { readFileSync } from "fs";
import { join } from "path";
import { manifestSchema } from "../../src/manifest/schema";

const ROOT = join(__dirname, "..", "..");

/** Every key path of a zod schema (`network.flowLogs.retentionDays`), through defaults, optionals and unions. */
function keyPaths(schema: any, prefix = ""): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
      return keyPaths(def.innerType, prefix);
    case "pipe":
      return [...new Set([...keyPaths(def.in, prefix), ...keyPaths(def.out, prefix)])];
    case "union":
      return [...new Set(def.options.flatMap((o: any) => keyPaths(o, prefix)))] as string[];
    case "object":
      return Object.entries<any>(def.shape).flatMap(([key, value]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        return [path, ...keyPaths(value, path)];
      });
    default:
      return [];
  }
}

it("docs/manifest.md documents every manifest key", () => {
  const doc = readFileSync(join(ROOT, "docs", "manifest.md"), "utf8");
  const paths = keyPaths(manifestSchema);
  expect(paths).toContain("network.flowLogs.retentionDays");
  expect(paths).toContain("state.lockTable");
  expect(paths.filter((p) => !doc.includes(`\`${p}\``))).toEqual([]);
});

it(".ci/run runs exactly the commands the README gives", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const commands = readFileSync(join(ROOT, ".ci", "run"), "utf8")
    .split("\n")
    .filter((line) => line.includes("# README"))
    .map((line) => line.replace(/#.*$/, "").trim());
  expect(commands).toEqual(["npm ci && npm run synth", "npm test"]);
  for (const command of commands) expect(readme).toContain(`\n${command}\n`);
});

it("docs/policy.md lists every policy rule with the checks it mirrors", () => {
  const { RULES } = require("../../src/policy");
  const doc = readFileSync(join(ROOT, "docs", "policy.md"), "utf8");
  const missing = RULES.filter((r: any) => {
    const row = doc.split("\n").find((line) => line.startsWith(`| \`${r.id}\` |`));
    return !row || !r.mirrors.every((m: string) => row.includes(m));
  });
  expect(missing.map((r: any) => r.id)).toEqual([]);
});
