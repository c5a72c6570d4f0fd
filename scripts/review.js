#!/usr/bin/env node
// `npm run review [-- folder] [--no-plan]`: a Markdown review of every stack's plan, in review/ by default.
"use strict";
require("./build")
  .fromBuild("review-cli.js")
  .reviewCli(process.argv.slice(2))
  .then((code) => (process.exitCode = code));
