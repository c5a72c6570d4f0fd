#!/usr/bin/env node
// `npm run release-config -- <environment> [folder]`: release.json and appspec.yaml for the release workflow.
"use strict";
process.exitCode = require("./build").fromBuild("release-cli.js").releaseCli(process.argv.slice(2));
