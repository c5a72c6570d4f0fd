#!/usr/bin/env node
// `npm run new-environment -- <name> [--from <environment>]`: a new manifest and its first-deploy checklist.
"use strict";
process.exitCode = require("./build").fromBuild("new-environment-cli.js").newEnvironmentCli(process.argv.slice(2));
