#!/usr/bin/env node
// A bounded load test (seed 000: a stress test at realistic volume before go-live).
// Usage: npm run load-test -- --url https://staging.example.com/ [--duration 30] [--connections 20] [--rate 200]
// Every limit is capped, so a typo cannot turn into a denial of service.
"use strict";
const autocannon = require("autocannon");

const LIMITS = {
  duration: { default: 10, max: 300, what: "seconds" },
  connections: { default: 10, max: 200, what: "concurrent connections" },
  rate: { default: 100, max: 5000, what: "requests per second, in all" },
  timeout: { default: 10, max: 60, what: "seconds per request" },
};

class UsageError extends Error {}

function parseArgs(argv) {
  const options = Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, v.default]));
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    if (key === "url") {
      let url;
      try {
        url = new URL(value);
      } catch {
        throw new UsageError(`--url: expected an http(s) URL, got "${value}"`);
      }
      if (!/^https?:$/.test(url.protocol)) throw new UsageError(`--url: expected an http(s) URL, got "${value}"`);
      options.url = url.toString();
      continue;
    }
    const limit = LIMITS[key];
    if (!limit) throw new UsageError(`${argv[i]}: unknown option; expected --url, ${Object.keys(LIMITS).map((k) => `--${k}`).join(", ")}`);
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > limit.max) {
      throw new UsageError(`--${key}: expected ${limit.what} from 1 to ${limit.max}, got "${value}"`);
    }
    options[key] = n;
  }
  if (!options.url) throw new UsageError("--url: missing; expected the URL to load, such as --url https://staging.example.com/");
  return options;
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: options.url,
        duration: options.duration,
        connections: options.connections,
        overallRate: options.rate,
        timeout: options.timeout,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function summary(options, result) {
  const ms = (v) => `${v} ms`;
  return [
    `${options.url}: ${options.duration} s, ${options.connections} connections, at most ${options.rate} requests/s`,
    `requests/s: ${result.requests.average} average, ${result.requests.max} max (${result.requests.total} requests)`,
    `latency: p50 ${ms(result.latency.p50)}, p90 ${ms(result.latency.p90)}, p99 ${ms(result.latency.p99)}, max ${ms(result.latency.max)}`,
    `responses: ${result["2xx"]} 2xx, ${result.non2xx} other; ${result.errors} errors, ${result.timeouts} timeouts`,
  ].join("\n");
}

module.exports = { parseArgs, run, summary, LIMITS, UsageError };

if (require.main === module) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  run(options).then(
    (result) => console.log(summary(options, result)),
    (error) => {
      console.error(`load test failed: ${error.message}`);
      process.exit(1);
    },
  );
}
