#!/usr/bin/env node
// `npm run release-step -- <tasks|workers|jobs> <environment> <image>`: a release's steps beyond the web service.
"use strict";
require("./build")
  .fromBuild("release-cli.js")
  .releaseStepCli(process.argv.slice(2))
  .then((code) => (process.exitCode = code));
