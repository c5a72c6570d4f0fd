// Jest's runtime, compiling each module once per worker instead of once per test file. Every test file
// gets a fresh module registry, so Jest wraps cdktf, the provider classes, zod, yaml... in a new vm.Script
// for each file, and V8 parses and compiles them all again. A vm.Script may run in any number of
// contexts: the same Script (same file, same transformed source) now runs in each file's own context,
// so modules are still evaluated afresh per file, with that file's globals, but V8 keeps the code it
// compiled. Measured in docs/benchmark.md.
"use strict";
const Runtime = require("jest-runtime").default;

/** filename -> the transformed source and its Script, for this worker's lifetime. */
const scripts = new Map();

class CompiledOnceRuntime extends Runtime {
  createScriptFromCode(scriptSource, filename) {
    const known = scripts.get(filename);
    if (known && known.source === scriptSource) return known.script;
    const script = super.createScriptFromCode(scriptSource, filename);
    scripts.set(filename, { source: scriptSource, script });
    return script;
  }
}

module.exports = CompiledOnceRuntime;
