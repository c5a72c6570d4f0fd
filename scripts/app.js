#!/usr/bin/env node
// cdktf.json's `app`: runs the compiled app, so synth needs no TypeScript compiler
// (scripts/build.js rebuilds first when a source changed).
"use strict";
require("./build").fromBuild("main.js").main();
