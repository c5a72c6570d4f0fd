// Jest's TypeScript transform: esbuild's transformSync, about 100 times faster than ts-jest and without
// loading the TypeScript compiler in every worker. It only strips types (tsc checks them in `npm test`);
// the compiler options that change emitted JavaScript come from tsconfig.json, as they did for ts-jest.
// No test uses jest.mock, which this transform would not hoist.
"use strict";
const { createHash } = require("crypto");
const { readFileSync } = require("fs");
const { join } = require("path");
const esbuild = require("esbuild");

const tsconfig = readFileSync(join(__dirname, "..", "tsconfig.json"), "utf8");
const VERSION = createHash("sha256").update(esbuild.version).update(tsconfig).update(readFileSync(__filename)).digest("hex");

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: filename.endsWith(".ts") ? "ts" : "js",
      format: "cjs",
      target: "node20",
      platform: "node",
      sourcefile: filename,
      sourcemap: "external",
      sourcesContent: false,
      tsconfigRaw: tsconfig,
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash("sha256").update(VERSION).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
};
