/**
 * Zod compiles a fast path for each object schema (`new Function`) on its first parse: about 30 ms of CPU
 * of a synth that parses a few manifests once, in code the V8 code cache cannot keep. main.ts imports this
 * first, before any schema exists: zod reads the setting when a schema is built. Parsing is the same.
 */
import { config } from "zod";

config({ jitless: true });
