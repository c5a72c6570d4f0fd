/** `npm run new-environment`: a manifest of its own that loads beside the others, or one line and nothing written. */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { newEnvironmentCli } from "../../src/environments/cli";
import { newEnvironment } from "../../src/environments/new-environment";
import { loadProject } from "../../src/manifest/load";
import { tempDir } from "../support/app";
import { synthesizeProject } from "../support/project";

const SAMPLES = join(__dirname, "..", "fixtures", "environments");

function samplesCopy(): string {
  const dir = tempDir("new-env-");
  cpSync(SAMPLES, dir, { recursive: true });
  return dir;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("new-environment", () => {
  it("writes a copy of staging with its own name, hostnames, zone placeholder, secret paths and block, which synthesizes", async () => {
    const dir = samplesCopy();
    const { file, checklist } = newEnvironment("qa", { dir });
    const qa = parse(readFileSync(file, "utf8"));
    const staging = parse(readFileSync(join(dir, "staging.yaml"), "utf8"));
    expect(qa.environment).toBe("qa");
    expect(qa.service.domain).toEqual({ hostedZoneId: "Z0REPLACEQAZONE", zoneName: "qa.inpock.example", hostnames: ["qa.inpock.example", "www.qa.inpock.example"] });
    expect(Object.values(qa.service.django.secrets)).toEqual([
      "arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/qa/django-secret-key",
      "arn:aws:ssm:ap-northeast-2:111111111111:parameter/inpock/qa/database-url",
    ]);
    expect(qa.network.cidr).not.toBe(staging.network.cidr);
    expect(checklist[0]).toMatch(/^Route 53: a public hosted zone for qa\.inpock\.example/);
    expect(checklist.some((c) => c.includes("inpock/qa/django-secret-key"))).toBe(true);
    expect(loadProject(dir).environments.map((e) => e.manifest.environment)).toContain("qa");
    const stacks = await synthesizeProject({ dir });
    expect(stacks.map((s) => s.name)).toContain("qa");
  });

  it("keeps a shared zone, prefixes hostnames that do not carry the source's name, and avoids its subnets in a shared VPC", () => {
    const dir = samplesCopy();
    // Production's own subnets in a secondary block leave the VPC's primary space to the copy.
    const text = readFileSync(join(dir, "production.yaml"), "utf8").replace("  internetGatewayId:", "  secondaryCidr: 100.64.0.0/16\n  internetGatewayId:");
    writeFileSync(join(dir, "production.yaml"), text);
    const demo = parse(readFileSync(newEnvironment("demo", { dir, from: "production" }).file, "utf8"));
    expect(demo.service.domain).toEqual({ hostedZoneId: "Z0123456789PRODZONE", zoneName: "inpock.example", hostnames: ["demo.link.inpock.example"] });
    expect(demo.network.secondaryCidr).toBeUndefined();
    expect(loadProject(dir).environments.map((e) => e.manifest.environment)).toContain("demo");
  });

  it("renames a routed web service's own hosts too, so the copy loads beside its source", () => {
    const dir = samplesCopy();
    const text = readFileSync(join(dir, "staging.yaml"), "utf8").replace("webServices:\n", "webServices:\n  admin:\n    routing:\n      hosts: [admin.staging.inpock.example]\n");
    writeFileSync(join(dir, "staging.yaml"), text);
    const qa = parse(readFileSync(newEnvironment("qa", { dir }).file, "utf8"));
    expect(qa.webServices.admin.routing.hosts).toEqual(["admin.qa.inpock.example"]);
    expect(loadProject(dir).environments.map((e) => e.manifest.environment)).toContain("qa");
  });

  it("says in one line when the shared VPC has no room left, and writes nothing", () => {
    const dir = samplesCopy();
    const message = errorOf(() => newEnvironment("demo", { dir, from: "production" }));
    expect(message).toBe(`${join(dir, "demo.yaml")}: network.usedCidrs: cannot fit 3 private /19 and 3 public /21 subnets; free ranges: 172.31.184.0/21, 172.31.192.0/18; add a secondary CIDR block (network.secondaryCidr) (nothing was written)`);
    expect(existsSync(join(dir, "demo.yaml"))).toBe(false);
  });

  it.each([
    ["Qa", "Qa: expected an environment name: 2-12 lowercase letters, digits and hyphens, starting with a letter"],
    ["bootstrap", "bootstrap: the name of a stack the app makes itself; expected another name"],
  ])("refuses the name %s in one line", (name, message) => {
    expect(errorOf(() => newEnvironment(name, { dir: samplesCopy() }))).toBe(message);
  });

  it("refuses an existing environment and an unknown --from, writing nothing", () => {
    const dir = samplesCopy();
    const before = readdirSync(dir).sort();
    expect(errorOf(() => newEnvironment("staging", { dir }))).toBe(`${join(dir, "staging.yaml")}: already exists; expected a new environment's name`);
    expect(errorOf(() => newEnvironment("qa", { dir, from: "nope" }))).toBe(`--from nope: no AWS environment of that name in ${dir}; expected one of: production, staging`);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("answers bad arguments with the usage line and exit status 1", () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((m) => errors.push(m));
    try {
      expect(newEnvironmentCli([])).toBe(1);
      expect(newEnvironmentCli(["qa", "--from"])).toBe(1);
      expect(newEnvironmentCli(["qa", "--force"])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors).toEqual([
      "usage: npm run new-environment -- <name> [--from <environment>]",
      "usage: npm run new-environment -- <name> [--from <environment>]",
      "--force: unknown option; usage: npm run new-environment -- <name> [--from <environment>]",
    ]);
  });
});
