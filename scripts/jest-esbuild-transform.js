// Jest's TypeScript transform: esbuild's transformSync, about 100 times faster than ts-jest and without
// loading the TypeScript compiler in every worker. It only strips types (tsc checks them in `npm test`);
// the compiler options that change emitted JavaScript come from tsconfig.json, as they did for ts-jest.
// It does not hoist jest.mock() above the imports as ts-jest did: a file that calls it fails with a line
// saying so, rather than mocking too late.
"use strict";
const { createHash } = require("crypto");
const { readFileSync } = require("fs");
const { join } = require("path");
const esbuild = require("esbuild");

const tsconfig = readFileSync(join(__dirname, "..", "tsconfig.json"), "utf8");
const VERSION = createHash("sha256").update(esbuild.version).update(tsconfig).update(readFileSync(__filename)).digest("hex");

/**
 * esbuild's CommonJS helpers, made to behave as tsc's did under ts-jest: a module's exports are
 * configurable, so jest.spyOn can replace one, and `import * as m` of a module compiled from TypeScript is
 * its exports object itself, so a spy set through the namespace is what the module under test calls.
 */
const HELPERS = [
  [
    "__defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });",
    "__defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable, configurable: true });",
  ],
  ["var __toESM = (mod, isNodeMode, target) => (", "var __toESM = (mod, isNodeMode, target) => !isNodeMode && mod && mod.__esModule ? mod : ("],
];

function withTscInterop(code, filename) {
  for (const [helper, replacement] of HELPERS) {
    const name = /var (__\w+) =/.exec(helper)?.[1] ?? "__copyProps";
    if (!code.includes(`var ${name} =`)) continue;
    if (!code.includes(helper)) throw new Error(`${filename}: esbuild's ${name} helper changed; update scripts/jest-esbuild-transform.js`);
    code = code.replace(helper, replacement);
  }
  return code;
}

module.exports = {
  process(source, filename) {
    if (/\bjest\.(mock|unmock|doMock|enableAutomock)\(/.test(source)) {
      throw new Error(`${filename}: jest.mock() is not hoisted by scripts/jest-esbuild-transform.js; require the module after mocking it, or hoist the mock there`);
    }
    const { code, map } = esbuild.transformSync(source, {
      loader: filename.endsWith(".ts") ? "ts" : "js",
      format: "cjs",
      target: "node20",
      platform: "node",
      sourcefile: filename,
      sourcemap: "external",
      sourcesContent: false,
      tsconfigRaw: tsconfig,
      // `await import("./x")` becomes a require, as tsc emits it for CommonJS (Jest runs no ES modules).
      supported: { "dynamic-import": false },
    });
    return { code: withTscInterop(code, filename), map };
  },
  getCacheKey(source, filename) {
    return createHash("sha256").update(VERSION).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
};
