#!/usr/bin/env node
// npm run boot: every synthesized ECS task started the way Fargate starts it (lanes/boot/README.md).
"use strict";
require("../support/run-ts").runTs(require("path").join(__dirname, "main.ts"), "boot");
