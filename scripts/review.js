#!/usr/bin/env node
// `npm run review [-- folder] [--no-plan] [--empty-state]`: a Markdown review of every stack's plan, in
// review/ by default: against the real state when AWS credentials are there, else from empty state.
"use strict";
require("./build")
  .fromBuild("review-cli.js")
  .reviewCli(process.argv.slice(2))
  .then((code) => (process.exitCode = code));
