/** The load-test command: its limits, and a short run against the smoke-test server on loopback. */
import { AppPair, describeWithApp, startAppPair } from "../support/app-pair";

const { parseArgs, run, summary } = require("../../scripts/load-test.js");

describe("load-test options", () => {
  it("has safe defaults", () => {
    expect(parseArgs(["--url", "http://127.0.0.1:8080/"])).toEqual({ url: "http://127.0.0.1:8080/", duration: 10, connections: 10, rate: 100, timeout: 10 });
  });

  it.each([
    [["--duration", "5"], "--url: missing; expected the URL to load, such as --url https://staging.example.com/"],
    [["--url", "ftp://x"], '--url: expected an http(s) URL, got "ftp://x"'],
    [["--url", "http://x/", "--duration", "3600"], '--duration: expected seconds from 1 to 300, got "3600"'],
    [["--url", "http://x/", "--connections", "5000"], '--connections: expected concurrent connections from 1 to 200, got "5000"'],
    [["--url", "http://x/", "--rate", "-1"], '--rate: expected requests per second, in all from 1 to 5000, got "-1"'],
    [["--url", "http://x/", "--rps", "10"], "--rps: unknown option; expected --url, --duration, --connections, --rate, --timeout"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describeWithApp("a load-test run against the smoke-test server", () => {
  let pair: AppPair;
  beforeAll(async () => {
    pair = await startAppPair();
  }, 60000);
  afterAll(() => pair?.stop());

  // Two seconds, not one: on a busy machine autocannon catches up in bursts, and one sample can overshoot.
  it("reports requests per second and latency percentiles, within its rate cap", async () => {
    const options = parseArgs(["--url", `${pair.url}/health/`, "--duration", "2", "--connections", "4", "--rate", "50"]);
    const result = await run(options);
    expect(result["2xx"]).toBeGreaterThan(10);
    expect(result.errors).toBe(0);
    // The cap over the whole run: autocannon paces each connection and catches up after a stall, so one
    // second's sample may overshoot by a request or three; uncapped, four connections make thousands here.
    // autocannon checks its stop timer on one-second ticks, so a busy machine may run it a third second
    // (it then made 150 requests, 50 a second): the cap holds over the time it really ran.
    expect(result.duration).toBeGreaterThanOrEqual(2);
    expect(result.requests.total).toBeLessThanOrEqual(50 * Math.ceil(result.duration) * 1.25);
    const text = summary(options, result);
    expect(text).toMatch(/^requests\/s: [\d.]+ average/m);
    expect(text).toMatch(/^latency: p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms/m);
  }, 30000);
});
