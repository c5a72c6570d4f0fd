/** The root import of a provider package costs seconds and ~500 MB per process: only deep imports. */
import { readdirSync, readFileSync, statSync } from "fs";
import { join, relative } from "path";

const ROOT = join(__dirname, "..", "..");
const SKIP = new Set(["node_modules", "dist", "cdktf.out", "cdktf.out.hcl", ".git", ".gen", "coverage", ".cache", ".venv"]);
const ROOT_IMPORT = /(from\s+|require\()\s*["']@cdktf\/provider-(aws|docker)["']/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

it("no source file imports a provider package from its root", () => {
  const offenders = sourceFiles(ROOT)
    .filter((f) => f !== __filename && ROOT_IMPORT.test(readFileSync(f, "utf8")))
    .map((f) => relative(ROOT, f));
  expect(offenders).toEqual([]);
});

it("the check itself catches a root import", () => {
  const packageRoot = ["@cdktf", "provider-aws"].join("/"); // spelled apart, so this file is not an offender
  expect(ROOT_IMPORT.test(`import { Vpc } from "${packageRoot}";`)).toBe(true);
  expect(ROOT_IMPORT.test(`import { Vpc } from "@cdktf/provider-aws/lib/vpc";`)).toBe(false);
});
