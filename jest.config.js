/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Types are checked once by `tsc` in `npm test`; the transform only strips them, with esbuild.
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js" },
  // Each module is compiled once per worker, not once per test file (the file says how).
  runtime: "<rootDir>/scripts/jest-runtime.js",
  moduleFileExtensions: ["ts", "js", "json"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  testTimeout: 120000,
  // Jest defaults to one worker on a 2-core machine; the offline plan test mostly waits on terraform.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
};
