/**
 * The AWS calls listed beside the workflows (.github/workflows/aws-calls.json) stay in step with the
 * workflows, every GitHub role can make its calls in every stack that has it, and a role that cannot
 * fails the check naming the workflow, job and step.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { checkIam as checkUncached, describeIamFinding, StackInput } from "../../src/iam";
import { MemoryVerdictCache } from "../../src/iam/cache";
import { awsSteps, loadWorkflowCalls, WorkflowStep } from "../../src/iam/workflow-calls";
import { synthesizeProject } from "../support/project";

const ROOT = join(__dirname, "..", "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");
const listed = loadWorkflowCalls(ROOT);
const workflowSteps = () =>
  readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => awsSteps(f, parse(readFileSync(join(WORKFLOWS, f), "utf8"))));
// Passes shared between the tests: each simulates only the stack it changed (see iam.test.ts).
const verdicts = new MemoryVerdictCache();
const checkIam = (stacks: StackInput[], steps: WorkflowStep[]) => checkUncached(stacks, steps, verdicts);
const key = (s: { workflow: string; job: string; step: string }) => `${s.workflow} ${s.job} "${s.step}"`;

describe("the AWS calls of the workflows", () => {
  it("lists every workflow step that calls AWS, and nothing else", () => {
    const found = workflowSteps();
    expect(found.length).toBeGreaterThan(0);
    expect(listed.map(key).sort()).toEqual(found.map(key).sort());
  });

  it("names, for each step, the role its job assumes", () => {
    for (const step of workflowSteps()) {
      expect(`${key(step)}: ${listed.find((l) => key(l) === key(step))?.role}`).toBe(`${key(step)}: ${step.role}`);
    }
  });

  it("the comparison fails on a step that calls AWS without being listed", () => {
    const workflow = parse(`jobs:\n  x:\n    steps:\n      - run: npm run --silent release-config -- staging release && jq -r .roles.release release.json\n      - name: Scale\n        run: aws ecs update-service --desired-count 0\n      - uses: aws-actions/amazon-ecs-render-task-definition@v1\n`);
    expect(awsSteps("extra.yml", workflow)).toEqual([{ workflow: "extra.yml", job: "x", step: "Scale", role: "release" }]);
  });
});

describe("each GitHub role can make its workflow's calls", () => {
  let stacks: { name: string; config: any }[];
  beforeAll(async () => {
    stacks = (await synthesizeProject()).map((s) => ({ name: s.name, config: s.json }));
  });
  const withRole = (role: string) => stacks.filter((s) => Object.values<any>(s.config.resource?.aws_iam_role ?? {}).some((r) => r.name.endsWith(`-github-${role}`)));
  const edit = (name: string, address: string, change: (doc: any) => void) =>
    stacks.map((s) => {
      if (s.name !== name) return s;
      const config = JSON.parse(JSON.stringify(s.config));
      const [type, id] = address.split(".");
      const doc = JSON.parse(config.resource[type][id].policy);
      change(doc);
      config.resource[type][id].policy = JSON.stringify(doc);
      return { name, config };
    });

  it("in the sample environments, every call of every step", async () => {
    expect(withRole("deploy").length).toBeGreaterThan(0);
    expect((await checkIam(stacks, listed)).map(describeIamFinding)).toEqual([]);
  });

  it("a deploy role that may not tag the GitHub roles (CI could not apply a tag change)", async () => {
    for (const s of withRole("deploy")) {
      const found = (
        await checkIam(
          edit(s.name, "aws_iam_role_policy.github_deploy-stack-roles", (doc) => doc.Statement.find((x: any) => x.Sid === "NotTheGithubRoles").Action.push("iam:TagRole", "iam:UntagRole")),
          listed,
        )
      ).map(describeIamFinding);
      expect(found).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${s.name}: iam-reachable aws_iam_role\\.github_deploy-role \\([^)]+\\) cannot iam:TagRole on arn:aws:iam::\\d+:role/[^ ]+-github-deploy \\(infra\\.yml job apply, step "Apply the saved plan": [^)]+\\): denied by aws_iam_role_policy\\.github_deploy-stack-roles statement NotTheGithubRoles$`),
        ),
      );
    }
  });

  it("a release role without codedeploy:GetDeploymentConfig, and a call naming an unknown placeholder", async () => {
    const [s] = withRole("release");
    const steps: WorkflowStep[] = [...listed, { workflow: "x.yml", job: "j", step: "s", role: "release", what: "a typo", calls: [["ecs:DescribeServices", "{servcie}"]] }];
    const found = (await checkIam(edit(s.name, "aws_iam_role_policy.github_release-policy", (doc) => (doc.Statement = doc.Statement.filter((x: any) => x.Sid !== "DeploymentConfig"))), steps)).map(
      describeIamFinding,
    );
    expect(found).toContainEqual(
      expect.stringMatching(/iam-reachable aws_iam_role\.github_release-role \([^)]+\) cannot codedeploy:GetDeploymentConfig on arn:aws:codedeploy:[^ ]+:deploymentconfig:CodeDeployDefault\.[A-Za-z0-9]+ \(release\.yml job release, step "Deploy through CodeDeploy \(blue\/green\) and wait": [^)]+\): no identity statement allows the action$/),
    );
    expect(found).toContainEqual(expect.stringContaining('names a placeholder the check does not know: x.yml j "s": {servcie}'));
  });

  it("a release role that may not run the release tasks, nor roll a worker", async () => {
    const [s] = withRole("release");
    const found = (
      await checkIam(
        edit(s.name, "aws_iam_role_policy.github_release-policy", (doc) => (doc.Statement = doc.Statement.filter((x: any) => x.Sid !== "RunReleaseTasks" && x.Sid !== "RollWorkers"))),
        listed,
      )
    ).map(describeIamFinding);
    expect(found).toContainEqual(
      expect.stringMatching(/iam-reachable aws_iam_role\.github_release-role \([^)]+\) cannot ecs:RunTask on arn:aws:ecs:[^ ]+:task-definition\/[a-z-]+-release:1 \(release\.yml job release, step "Run the release tasks with the new image, before any traffic moves": .+\): no identity statement allows the action$/),
    );
    expect(found).toContainEqual(expect.stringMatching(/cannot ecs:UpdateService on arn:aws:ecs:[^ ]+:service\/[a-z-]+\/[a-z-]+-worker-[a-z-]+ \(release\.yml job release, step "Roll the workers to the new image"/));
  });

  it("a release role without the grant on a routed web service's deployment group: the check names the service's group and the step", async () => {
    const [s] = withRole("release").filter((x) => Object.keys(x.config.output ?? {}).some((o) => o.startsWith("web_service_")));
    const found = (await checkIam(edit(s.name, "aws_iam_role_policy.github_release-policy", (doc) => (doc.Statement = doc.Statement.filter((x: any) => x.Sid !== "DeployWebServices"))), listed)).map(
      describeIamFinding,
    );
    const step = 'release\\.yml job release, step "Deploy the routed web services through CodeDeploy \\(blue\\/green\\), one by one"';
    for (const action of ["CreateDeployment", "GetDeployment"]) {
      expect(found).toContainEqual(
        expect.stringMatching(new RegExp(`^${s.name}: iam-reachable aws_iam_role\\.github_release-role \\([^)]+\\) cannot codedeploy:${action} on arn:aws:codedeploy:[^ ]+:deploymentgroup:[a-z-]+/[a-z-]+-web-api \\(${step}: .+\\): no identity statement allows`)),
      );
    }
    // The main service's deployment is checked on the main group, whatever order the stack lists its groups in.
    expect(found.filter((f) => f.includes("web-api") && !f.includes("routed web services"))).toEqual([]);
  });

  it("checks every routed web service: a second one the release role has no grant for is named, the first is not", async () => {
    const [s] = withRole("release").filter((x) => x.config.resource.aws_ecs_service["web-api_service_service"]);
    const config = JSON.parse(JSON.stringify(s.config));
    const copy = (type: string, from: string) => {
      config.resource[type][from.replace("web-api", "web-admin")] = JSON.parse(JSON.stringify(config.resource[type][from]).replace(/web-api/g, "web-admin"));
    };
    // The stack as it would be with webServices.admin beside api, but the release role's policy as it is.
    copy("aws_security_group", "web-api_security-group_security-group");
    copy("aws_ecs_service", "web-api_service_service");
    copy("aws_ssm_parameter", "web-api_service_network-configuration");
    copy("aws_codedeploy_deployment_group", "web-api_deployment_deployment-group");
    const found = (await checkIam([...stacks.filter((x) => x.name !== s.name), { name: s.name, config }], listed)).map(describeIamFinding).filter((f) => f.includes("github_release-role"));
    expect(found.some((f) => /cannot codedeploy:CreateDeployment on arn:aws:codedeploy:[^ ]+:deploymentgroup:[a-z-]+\/[a-z-]+-web-admin \(release\.yml/.test(f))).toBe(true);
    expect(found.some((f) => /cannot ssm:GetParameter on arn:aws:ssm:[^ ]+:parameter\/[a-z]+\/[a-z]+\/web-admin\/network-configuration \(release\.yml/.test(f))).toBe(true);
    expect(found.filter((f) => f.includes("web-api"))).toEqual([]);
  });
});
