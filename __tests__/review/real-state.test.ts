/**
 * `npm run review` plans against the real state when there are AWS credentials, and from empty state
 * otherwise, saying which. The credentials are found without a network call; the tests never call AWS:
 * the planners are stand-ins that record what they were asked.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { reviewCli, ReviewDeps, stateChoice, synthesize, Synthesized } from "../../src/review/cli";
import { awsCredentials, localStatePath } from "../../src/review/real-state";
import { tempDir } from "../support/app";
import { FIXTURE_ENVIRONMENTS } from "../support/project";

describe("finding AWS credentials without a network call", () => {
  const home = () => tempDir("home-");
  const file = (dir: string, name: string, text: string) => {
    mkdirSync(join(dir, ".aws"), { recursive: true });
    writeFileSync(join(dir, ".aws", name), text);
  };

  it("from the environment: keys, web identity, a container's endpoint", () => {
    expect(awsCredentials({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "x" }, home())).toBe("access key AKIA… in the environment");
    expect(awsCredentials({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" }, home())).toBeUndefined();
    expect(awsCredentials({ AWS_WEB_IDENTITY_TOKEN_FILE: "/t", AWS_ROLE_ARN: "arn:aws:iam::1:role/r" }, home())).toBe("web identity for arn:aws:iam::1:role/r");
    expect(awsCredentials({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials" }, home())).toBe("the container's credentials endpoint");
  });

  it("from the shared files, for the profile in use only", () => {
    const dir = home();
    file(dir, "credentials", "[default]\naws_access_key_id = AKIA\n");
    expect(awsCredentials({}, dir)).toBe(`profile default (${join(dir, ".aws", "credentials")})`);
    expect(awsCredentials({ AWS_PROFILE: "ops" }, dir)).toBeUndefined();
    file(dir, "config", "[profile ops]\nsso_session = corp\n");
    expect(awsCredentials({ AWS_PROFILE: "ops" }, dir)).toBe(`profile ops (${join(dir, ".aws", "config")})`);
  });

  it("none: an empty environment and home", () => {
    expect(awsCredentials({}, home())).toBeUndefined();
  });

  it("decides: the real state with credentials, empty state without or when asked", () => {
    expect(stateChoice([], "profile default")).toEqual({ real: true, credentials: "profile default" });
    expect(stateChoice([], undefined)).toMatchObject({ real: false, why: expect.stringMatching(/^no AWS credentials were found/) });
    expect(stateChoice(["--empty-state"], "profile default")).toEqual({ real: false, why: "--empty-state was given" });
  });

  it("reads a local backend's state where cdktf deploy keeps it, not beside the review's synth", () => {
    expect(localStatePath({ terraform: { backend: { local: { path: "../../../terraform.bootstrap.tfstate" } } } }, "bootstrap", "/project")).toBe("/project/terraform.bootstrap.tfstate");
    expect(localStatePath({ terraform: { backend: { s3: { bucket: "b" } } } }, "staging", "/project")).toBeUndefined();
  });
});

describe("npm run review: which state it planned against", () => {
  const fakePlan = { resource_changes: [{ address: "aws_sns_topic.x", type: "aws_sns_topic", change: { actions: ["update"] } }] };
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.ENVIRONMENTS_DIR;
    process.env.ENVIRONMENTS_DIR = FIXTURE_ENVIRONMENTS;
  });
  // Every reviewCli call here reviews the same fixture project: one synth serves them all, but for the
  // --plan-json test's first call, which goes through reviewCli's own. The planners are stand-ins that write nothing.
  let synthesized: Synthesized | undefined;
  const sharedSynth = (project: Parameters<typeof synthesize>[0]): Synthesized => ({ ...(synthesized ??= synthesize(project)), done: () => {} });
  afterAll(() => {
    synthesized?.done();
    if (previous === undefined) delete process.env.ENVIRONMENTS_DIR;
    else process.env.ENVIRONMENTS_DIR = previous;
  });

  /** Runs the review with stand-in planners; returns the staging report and which planner saw which stack. */
  async function review(credentials: string | undefined, realPlan: ReviewDeps["realPlan"], args: string[] = []) {
    const folder = tempDir("review-");
    const calls = { real: [] as string[], offline: [] as string[] };
    const deps: ReviewDeps = {
      credentials: () => credentials,
      realPlan: async (dir) => {
        calls.real.push(dir.split("/").pop()!);
        return realPlan(dir);
      },
      offlinePlan: async (dir) => {
        calls.offline.push(dir.split("/").pop()!);
        return { validate: { valid: true, error_count: 0, diagnostics: [] }, plan: { resource_changes: [] } } as any;
      },
      terraformUnavailable: () => undefined,
      synthesize: sharedSynth,
    };
    const log = jest.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await reviewCli([folder, ...args], deps)).toBe(0);
      return { text: readFileSync(join(folder, "staging.md"), "utf8"), calls, printed: log.mock.calls.map((c) => String(c[0])) };
    } finally {
      log.mockRestore();
    }
  }

  it("with credentials, plans every AWS stack against its real state and says so", async () => {
    const { text, calls, printed } = await review("profile ops (~/.aws/config)", async () => fakePlan);
    expect(calls.real.sort()).toEqual(["bootstrap", "production", "staging"]);
    expect(calls.offline).toEqual([]);
    expect(text).toContain("From `terraform plan` against the real state, with profile ops (~/.aws/config) (no lock taken)");
    expect(text).toContain("| `aws_sns_topic.x` | update |");
    expect(printed.some((l) => l.endsWith("staging.md (real state)"))).toBe(true);
  });

  it("without credentials, plans from empty state and says why", async () => {
    const { text, calls, printed } = await review(undefined, async () => fakePlan);
    expect(calls.real).toEqual([]);
    expect(calls.offline.sort()).toEqual(["bootstrap", "production", "staging"]);
    expect(text).toContain("from empty state, because no AWS credentials were found");
    expect(printed.some((l) => l.endsWith("staging.md (empty state)"))).toBe(true);
  });

  it("when the real plan fails, falls back to empty state and gives the cause", async () => {
    const { text, calls } = await review("access key AKIA… in the environment", async () => {
      throw new Error("terraform init: error configuring S3 Backend: no valid credential sources found");
    });
    expect(calls.offline.sort()).toEqual(["bootstrap", "production", "staging"]);
    expect(text).toContain(
      "from empty state, because the plan against the real state failed (terraform init: error configuring S3 Backend: no valid credential sources found, with access key AKIA… in the environment)",
    );
  });

  it("--stack with --plan-json reports the infra workflow's saved plan, and plans nothing itself", async () => {
    const saved = join(tempDir("saved-"), "plan.json");
    writeFileSync(saved, JSON.stringify(fakePlan));
    const folder = tempDir("review-");
    const calls: string[] = [];
    const deps: ReviewDeps = {
      credentials: () => "web identity for arn:aws:iam::1:role/plan",
      realPlan: async (dir) => (calls.push(dir), fakePlan),
      offlinePlan: async (dir) => (calls.push(dir), {} as any),
      terraformUnavailable: () => undefined,
    };
    const log = jest.spyOn(console, "log").mockImplementation(() => {});
    const error = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await reviewCli([folder, "--stack", "staging", "--plan-json", saved], deps)).toBe(0);
      expect(calls).toEqual([]);
      expect(readdirSync(folder)).toEqual(["staging.md"]);
      const text = readFileSync(join(folder, "staging.md"), "utf8");
      expect(text).toContain(`From the saved plan ${saved} (\`terraform plan\` against the real state): exactly what the apply job applies once approved.`);
      expect(text).toContain("| `aws_sns_topic.x` | update |");
      expect(await reviewCli([folder, "--plan-json", saved], deps)).toBe(1);
      expect(await reviewCli([folder, "--stack", "qa"], { ...deps, synthesize: sharedSynth })).toBe(1);
      expect(error.mock.calls.map((c) => c[0])).toEqual([
        "--plan-json needs --stack <name>: the stack the saved plan is of",
        "--stack qa: no such stack; expected one of: bootstrap, local, production, staging",
      ]);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it("--empty-state plans from empty state even with credentials", async () => {
    const { text, calls } = await review("profile ops", async () => fakePlan, ["--empty-state"]);
    expect(calls.real).toEqual([]);
    expect(text).toContain("from empty state, because --empty-state was given");
  });
});
