#!/usr/bin/env node
// `npm run release-step -- <tasks|workers|jobs|web-services|appspec|refresh> <environment> ...`: a release's steps beyond the main web service (src/release/cli.ts).
"use strict";
require("./build")
  .fromBuild("release-cli.js")
  .releaseStepCli(process.argv.slice(2))
  .then((code) => (process.exitCode = code));
