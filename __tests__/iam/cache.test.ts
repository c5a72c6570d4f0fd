/**
 * The IAM check's remembered passes (src/iam/cache.ts): an unchanged synth simulates nothing, and a cached
 * pass never hides a changed stack, neither in its own check nor in the pairs that containment compares.
 */
import { mkdtempSync, readFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { checkIam, describeIamFinding, StackInput } from "../../src/iam";
import { FileVerdictCache } from "../../src/iam/cache";
import * as simulate from "../../src/iam/simulate";
import { synthesizeProject } from "../support/project";

let stacks: StackInput[];
let file: string;
/** How many requests the whole check simulates with nothing remembered. */
let everything: number;
beforeAll(async () => {
  stacks = (await synthesizeProject()).map((s) => ({ name: s.name, config: s.json }));
  file = join(mkdtempSync(join(tmpdir(), "iam-cache-")), ".iam-pass");
});
afterEach(() => jest.restoreAllMocks());

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
/** The check with the verdicts in `file` for `build`; how many requests it simulated. */
async function run(input: StackInput[], build = "build-1") {
  const identity = jest.spyOn(simulate, "simulateIdentity");
  const trust = jest.spyOn(simulate, "simulateTrust");
  const cache = new FileVerdictCache(file, build);
  const lines = (await checkIam(input, [], cache)).map(describeIamFinding);
  cache.save();
  const simulated = identity.mock.calls.length + trust.mock.calls.length;
  jest.restoreAllMocks();
  return { lines, simulated };
}

describe("the IAM check's remembered passes", () => {
  it("an unchanged synth simulates nothing; another build simulates everything again", async () => {
    const cold = await run(stacks);
    expect(cold.lines).toEqual([]);
    expect(cold.simulated).toBeGreaterThan(100);
    everything = cold.simulated;
    expect(readFileSync(file, "utf8").trim().split("\n").length).toBeGreaterThan(stacks.length);
    expect(await run(stacks)).toEqual({ lines: [], simulated: 0 });
    expect((await run(stacks, "build-2")).simulated).toBe(cold.simulated);
  });

  it("a changed stack is checked again: a defect in its own roles is reported over a remembered pass", async () => {
    await run(stacks);
    const withFlowLogs = stacks.find((s) => s.config.resource?.aws_flow_log)!;
    const config: any = clone(withFlowLogs.config);
    const policy = config.resource.aws_iam_role_policy["network_flow-logs_write-logs"];
    policy.policy = JSON.stringify({ ...JSON.parse(policy.policy), Statement: JSON.parse(policy.policy).Statement.filter((s: any) => s.Sid !== "ListGroups") });
    const { lines } = await run(stacks.map((s) => (s === withFlowLogs ? { name: s.name, config } : s)));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${withFlowLogs.name}: iam-reachable aws_iam_role\\.network_flow-logs_role .* cannot logs:DescribeLogGroups on \\*`))]);
  });

  it("a change to one stack alone re-checks the other stacks' roles against it", async () => {
    await run(stacks);
    // Staging's repository renamed into production's: production's unchanged release role may now push to it.
    const staging = stacks.find((s) => s.name === "staging")!;
    const config: any = clone(staging.config);
    config.resource.aws_ecr_repository.web_repositories_django.name = "inpock/production/django";
    const { lines, simulated } = await run(stacks.map((s) => (s === staging ? { name: s.name, config } : s)));
    expect(lines).toContainEqual(
      expect.stringMatching(/^production: iam-contained aws_iam_role\.github_release-role \([^)]+\) can ecr:PutImage on arn:aws:ecr:[^:]+:111111111111:repository\/inpock\/production\/django \(staging's aws_ecr_repository\.web_repositories_django, in the same account\)/),
    );
    // Only what involves staging ran: less than the whole check.
    expect(simulated).toBeLessThan(everything);
  });

  it("keeps the most recently used keys when the file is full", () => {
    const small = join(mkdtempSync(join(tmpdir(), "iam-cache-")), ".iam-pass");
    const first = new FileVerdictCache(small, "b", 2);
    const [a, b, c] = ["a", "b", "c"].map((x) => first.key(x));
    first.add(a);
    first.add(b);
    first.save();
    const second = new FileVerdictCache(small, "b", 2);
    expect([second.has(a), second.has(b)]).toEqual([true, true]);
    second.add(c);
    second.save();
    const third = new FileVerdictCache(small, "b", 2);
    // a and b were both used; c came last, so the oldest of the used ones goes.
    expect([third.has(a), third.has(b), third.has(c)]).toEqual([false, true, true]);
    expect(third.key("x")).not.toBe(new FileVerdictCache(small, "other build").key("x"));
  });
});
