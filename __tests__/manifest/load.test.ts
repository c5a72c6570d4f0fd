/**
 * Bad input: every case stops with one line naming the file, the key and what
 * was expected. The messages are asserted whole, since users read them.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { stringify } from "yaml";
import { loadEnvironment, loadEnvironments, loadProject } from "../../src/manifest/load";
import { tempDir } from "../support/app";
import { errorOf, stagingManifest } from "../support/manifests";


function existingVpcManifest(): any {
  return {
    ...stagingManifest(),
    network: {
      type: "existing",
      vpcId: "vpc-0123456789abcdef0",
      cidrBlocks: ["172.31.0.0/16"],
      usedCidrs: ["172.31.0.0/20", "172.31.16.0/20"],
      internetGatewayId: "igw-0123456789abcdef0",
    },
  };
}

/** Writes `content` (an object as YAML, or raw text) as <dir>/<name>.yaml; returns the file. */
function manifestFile(content: unknown, name = "staging", dir = tempDir()): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, typeof content === "string" ? content : stringify(content));
  return file;
}


function problem(mutate: (m: any) => void, base = stagingManifest()): string {
  mutate(base);
  const file = manifestFile(base);
  return errorOf(() => loadEnvironment(file)).replace(file, "FILE");
}

describe("a valid manifest", () => {
  it("loads with defaults filled in", () => {
    const loaded = loadEnvironment(manifestFile(stagingManifest()));
    if (loaded.platform !== "aws") throw new Error("expected an AWS environment");
    const { manifest, plan } = loaded;
    expect(manifest.network).toEqual({
      type: "new",
      cidr: "10.20.0.0/16",
      ipv6: true,
      natGateways: "perAz",
      flowLogs: { enabled: true, retentionDays: 90 },
    });
    expect(manifest.tags).toEqual({});
    expect(plan.state).toEqual({
      backend: "s3",
      bucket: "shop-tfstate",
      region: "ap-northeast-2",
      key: "shop/staging/terraform.tfstate",
      accountId: "123456789012",
      locking: "lockfile",
      lockTable: undefined,
    });
  });

  it("every line of the error is one line", () => {
    expect(problem((m) => (m.network.cidr = "10.0.0.0/33"))).not.toContain("\n");
  });
});

describe("bad input", () => {
  it("a missing folder", () => {
    expect(errorOf(() => loadEnvironments("/nonexistent/environments"))).toBe(
      "/nonexistent/environments: folder not found; expected a folder of <environment>.yaml manifests (set ENVIRONMENTS_DIR to use another)",
    );
  });

  it("a folder without manifests", () => {
    const dir = tempDir();
    expect(errorOf(() => loadEnvironments(dir))).toBe(`${dir}: no manifests; expected at least one <environment>.yaml file`);
  });

  it("a missing file", () => {
    expect(errorOf(() => loadEnvironment("/nonexistent/staging.yaml"))).toBe(
      "/nonexistent/staging.yaml: file not found; expected an environment manifest",
    );
  });

  it("invalid YAML", () => {
    const file = manifestFile("app: shop\naws: [unclosed\n");
    expect(errorOf(() => loadEnvironment(file))).toMatch(new RegExp(`^${file}:3:1: invalid YAML: .+`));
  });

  it("a duplicated key", () => {
    const file = manifestFile("app: shop\napp: other\n");
    expect(errorOf(() => loadEnvironment(file))).toBe(`${file}:2:1: invalid YAML: Map keys must be unique`);
  });

  it("a file that is not a mapping", () => {
    const file = manifestFile("- just\n- a list\n");
    expect(errorOf(() => loadEnvironment(file))).toBe(`${file}: (top level): expected a mapping of keys such as app, environment, aws`);
  });

  it("an unknown key (a typo)", () => {
    expect(problem((m) => (m.network.natGateway = "one"))).toBe(
      "FILE: network.natGateway: unknown key; expected one of: type, cidr, ipv6, natGateways, allowCidrOverlapWith, flowLogs",
    );
  });

  it("a missing key", () => {
    expect(problem((m) => delete m.aws.accountId)).toBe(
      "FILE: aws.accountId: missing; expected a 12-digit account id in quotes (YAML reads bare digits as a number)",
    );
  });

  it("a wrong type", () => {
    expect(problem((m) => (m.aws.accountId = 123456789012))).toBe(
      "FILE: aws.accountId: expected a 12-digit account id in quotes (YAML reads bare digits as a number)",
    );
  });

  it("an out-of-range number", () => {
    expect(problem((m) => (m.network.flowLogs = { retentionDays: 42 }))).toBe(
      "FILE: network.flowLogs.retentionDays: expected one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    );
  });

  it("too many availability zones", () => {
    expect(problem((m) => m.aws.availabilityZones.push("ap-northeast-2b", "ap-northeast-2d"))).toBe(
      "FILE: aws.availabilityZones: expected 2 or 3 availability zones",
    );
  });

  it("an invalid CIDR", () => {
    expect(problem((m) => (m.network.cidr = "10.20.0/16"))).toBe(
      'FILE: network.cidr: expected an IPv4 CIDR such as 10.0.0.0/16, got "10.20.0/16"',
    );
  });

  it("a CIDR with host bits set", () => {
    expect(problem((m) => (m.network.cidr = "10.20.1.0/16"))).toBe(
      'FILE: network.cidr: "10.20.1.0/16" has host bits set; did you mean 10.20.0.0/16?',
    );
  });

  it("a VPC block AWS does not allow", () => {
    expect(problem((m) => (m.network.cidr = "10.0.0.0/8"))).toBe("FILE: network.cidr: 10.0.0.0/8: expected a VPC block between /16 and /28");
  });

  it("overlapping CIDRs", () => {
    expect(problem((m) => m.network.usedCidrs.push("172.31.8.0/24"), existingVpcManifest())).toBe(
      "FILE: network.usedCidrs[2]: 172.31.8.0/24 overlaps 172.31.0.0/20 (network.usedCidrs[0]); expected CIDRs that do not overlap",
    );
  });

  it("a used CIDR outside the VPC", () => {
    expect(problem((m) => m.network.usedCidrs.push("10.9.0.0/20"), existingVpcManifest())).toBe(
      "FILE: network.usedCidrs[2]: 10.9.0.0/20 is outside the VPC's blocks (172.31.0.0/16); expected a CIDR inside them",
    );
  });

  it("a secondary block that overlaps the VPC", () => {
    expect(problem((m) => (m.network.secondaryCidr = "172.31.128.0/20"), existingVpcManifest())).toBe(
      "FILE: network.secondaryCidr: 172.31.128.0/20 overlaps the VPC's block 172.31.0.0/16; expected a new block",
    );
  });

  it("a secondary block from another private range than the primary", () => {
    expect(problem((m) => (m.network.secondaryCidr = "10.1.0.0/16"), existingVpcManifest())).toBe(
      "FILE: network.secondaryCidr: AWS does not allow 10.1.0.0/16 beside a primary block in 172.16.0.0/12; expected a block in 172.16.0.0/12 or 100.64.0.0/10",
    );
  });

  it("subnets that cannot fit name the free ranges", () => {
    const full = ["172.31.0.0/17", "172.31.128.0/18", "172.31.192.0/19", "172.31.224.0/20"];
    expect(problem((m) => (m.network.usedCidrs = full), existingVpcManifest())).toBe(
      "FILE: network.usedCidrs: cannot fit 2 private /18 and 2 public /20 subnets; free ranges: 172.31.240.0/20; add a secondary CIDR block (network.secondaryCidr)",
    );
  });

  it("a VPC too small for its zones", () => {
    expect(problem((m) => (m.network.cidr = "10.20.0.0/24"))).toBe(
      "FILE: network.cidr: 10.20.0.0/24 is too small for 2 availability zones: use a /23 or larger",
    );
  });

  it("NAT gateway ids that match neither one nor every zone", () => {
    expect(
      problem((m) => {
        m.aws.availabilityZones.push("ap-northeast-2b");
        m.network.natGatewayIds = ["nat-0123456789abcdef0", "nat-0123456789abcdef1"];
      }, existingVpcManifest()),
    ).toBe("FILE: network.natGatewayIds: expected 1 NAT gateway id or one per availability zone (3), got 2");
  });

  it("an availability zone not in the region", () => {
    expect(problem((m) => (m.aws.availabilityZones[1] = "us-east-1a"))).toBe(
      'FILE: aws.availabilityZones[1]: "us-east-1a" is not a zone of ap-northeast-2; expected ap-northeast-2 followed by a letter, such as ap-northeast-2a',
    );
  });

  it("a zone listed twice", () => {
    expect(problem((m) => (m.aws.availabilityZones[1] = "ap-northeast-2a"))).toBe(
      'FILE: aws.availabilityZones[1]: "ap-northeast-2a" is listed twice; expected distinct zones',
    );
  });

  it("an unknown region", () => {
    expect(problem((m) => (m.aws.region = "ap-northeast-9"))).toMatch(
      /^FILE: aws\.region: unknown region "ap-northeast-9"; expected one of: af-south-1, .*us-west-2$/,
    );
  });

  it("a name that would break the 32-character target group limit", () => {
    expect(problem((m) => (m.app = "inpock-link-servers"))).toBe(
      'FILE: app: app "inpock-link-servers" with environment "staging" makes the target group name "inpock-link-servers-staging-green" 33 characters; AWS allows 32: shorten app or environment',
    );
  });

  it("a name exactly at the limit passes", () => {
    expect(() => loadEnvironment(manifestFile({ ...stagingManifest(), app: "inpock-link-server" }))).not.toThrow();
  });

  it("an invalid app name", () => {
    expect(problem((m) => (m.app = "Shop_App"))).toBe(
      "FILE: app: expected an app name: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
    );
  });

  it("an environment that does not match the file name", () => {
    expect(problem((m) => (m.environment = "stage"))).toBe('FILE: environment: expected "staging" (the file\'s name), got "stage"');
  });

  it("an unknown network type", () => {
    expect(problem((m) => (m.network.type = "shared"))).toBe(
      'FILE: network.type: expected network.type: "new" (create a VPC) or "existing" (add subnets to one)',
    );
  });

  it("a DynamoDB lock without a table", () => {
    expect(problem((m) => (m.state.locking = "dynamodb"))).toBe(
      'FILE: state.lockTable: expected a DynamoDB table name when state.locking is "dynamodb"',
    );
  });

  it("a waiver of an unknown policy rule", () => {
    expect(problem((m) => (m.policy = { waivers: [{ rule: "no-such-rule", reason: "because we said so" }] }))).toMatch(
      /^FILE: policy\.waivers\[0\]\.rule: expected a policy rule id \(world-ingress-only-to-load-balancer, .*codedeploy-auto-rollback\) or a checkov check id such as CKV_AWS_158$/,
    );
  });

  it("a waiver limited to resources that are not Terraform addresses", () => {
    expect(problem((m) => (m.policy = { waivers: [{ rule: "CKV_AWS_158", reason: "because we said so", resources: ["web logs"] }] }))).toBe(
      "FILE: policy.waivers[0].resources[0]: expected a Terraform address, such as aws_iam_policy.boundary_policy",
    );
  });

  it("a waiver without a real reason", () => {
    expect(problem((m) => (m.policy = { waivers: [{ rule: "load-balancer-access-logs", reason: "later" }] }))).toBe(
      "FILE: policy.waivers[0].reason: expected a reason of at least 10 characters: why the rule does not apply here",
    );
  });

  it("a reserved tag key", () => {
    expect(problem((m) => (m.tags = { "aws:owner": "me" }))).toBe(
      'FILE: tags.aws:owner: tag keys starting with "aws:" are reserved by AWS; expected another key',
    );
  });

  it("state buckets in two accounts", () => {
    const dir = tempDir();
    const production = manifestFile({ ...stagingManifest(), environment: "production" }, "production", dir);
    const staging = stagingManifest();
    staging.aws.accountId = "210987654321";
    const file = manifestFile(staging, "staging", dir);
    expect(errorOf(() => loadProject(dir))).toBe(
      `${file}: state.accountId: expected 123456789012 like ${production}: the bootstrap stack creates every state bucket in one account, got 210987654321`,
    );
  });
});

describe("bad input in the service section", () => {
  const withService = () => ({
    ...stagingManifest(),
    service: { domain: { hostedZoneId: "Z0123456789EXAMPLE", zoneName: "example.com", hostnames: ["shop.example.com"] } },
  });

  it("loads with defaults filled in", () => {
    const { manifest } = loadEnvironment(manifestFile(withService()));
    expect(manifest.service).toMatchObject({ cpu: 0.5, memory: 1024, desiredCount: 2, redis: { mode: "none" } });
    expect(manifest.service?.deployment).toEqual({
      trafficShifting: "allAtOnce",
      terminationWaitMinutes: 5,
      testTrafficWaitMinutes: 0,
      alarms: { enabled: true, http5xxPercent: 5, targetResponseTimeSeconds: 2, notify: [] },
    });
  });

  it("an invalid CPU/memory pair lists the memories valid for that CPU", () => {
    expect(problem((m) => Object.assign(m.service, { cpu: 0.5, memory: 512 }), withService())).toBe(
      "FILE: service.memory: 512 MiB is not valid with 0.5 vCPU; expected one of 1024, 2048, 3072, 4096",
    );
  });

  it("a CPU that is not a Fargate size", () => {
    expect(problem((m) => (m.service.cpu = 3), withService())).toBe(
      "FILE: service.cpu: 3 vCPU is not a Fargate size; expected one of 0.25, 0.5, 1, 2, 4, 8, 16",
    );
  });

  it("a hostname outside the hosted zone", () => {
    expect(problem((m) => m.service.domain.hostnames.push("shop.example.org"), withService())).toBe(
      "FILE: service.domain.hostnames[1]: shop.example.org is not in the zone example.com; expected a name ending in .example.com",
    );
  });

  it("a plaintext secret in the environment", () => {
    expect(problem((m) => (m.service.django = { environment: { DJANGO_SECRET_KEY: "hunter2" } }), withService())).toBe(
      "FILE: service.django.environment.DJANGO_SECRET_KEY: looks like a secret; expected it under service.django.secrets as a Secrets Manager or SSM parameter ARN, never as plain text",
    );
  });

  it("a secret that is not an ARN", () => {
    expect(problem((m) => (m.service.django = { secrets: { DATABASE_URL: "postgres://user:pw@db/app" } }), withService())).toBe(
      "FILE: service.django.secrets.DATABASE_URL: expected the ARN of a Secrets Manager secret or an SSM parameter (arn:aws:secretsmanager:... or arn:aws:ssm:...:parameter/...)",
    );
  });

  it("a minimum above the maximum", () => {
    expect(problem((m) => (m.service.autoScaling = { minCapacity: 5, maxCapacity: 3 }), withService())).toBe(
      "FILE: service.autoScaling.minCapacity: 5 is above maxCapacity 3; expected minCapacity <= maxCapacity",
    );
  });

  it("a TLS policy older than TLS 1.3", () => {
    expect(problem((m) => (m.service.loadBalancer = { sslPolicy: "ELBSecurityPolicy-2016-08" }), withService())).toBe(
      "FILE: service.loadBalancer.sslPolicy: expected a TLS 1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06",
    );
  });

  it("an unknown traffic-shifting config", () => {
    expect(problem((m) => (m.service.deployment = { trafficShifting: "bigBang" }), withService())).toBe(
      "FILE: service.deployment.trafficShifting: expected one of: allAtOnce, canary10Percent5Minutes, canary10Percent15Minutes, linear10PercentEvery1Minute, linear10PercentEvery3Minutes",
    );
  });

  it("an app name AWS would read as an internal load balancer", () => {
    expect(problem((m) => (m.app = "internal-tools"))).toBe(
      'FILE: app: "internal-tools" would start the load balancer\'s name with "internal", which AWS refuses; expected another name',
    );
  });
});

describe("bad input in the workers, scheduled and release sections", () => {
  const withService = () => ({
    ...stagingManifest(),
    service: { domain: { hostedZoneId: "Z0123456789EXAMPLE", zoneName: "example.com", hostnames: ["shop.example.com"] } },
  });
  const worker = { command: ["celery", "-A", "config", "worker"] };
  const job = { command: ["python", "manage.py", "report"], schedule: "rate(1 hour)" };

  it("load with their defaults beside the service", () => {
    const { manifest } = loadEnvironment(manifestFile({ ...withService(), workers: { celery: worker }, scheduled: { report: job } }));
    if (manifest.platform !== "aws") throw new Error("expected an AWS manifest");
    expect(manifest.workers.celery).toMatchObject({ cpu: 0.25, memory: 512, desiredCount: 1, stopTimeoutSeconds: 60 });
    expect(manifest.scheduled.report).toMatchObject({ timezone: "UTC", retries: 2, maximumEventAgeSeconds: 3600, enabled: true });
  });

  it("are refused without a service whose image they run", () => {
    expect(problem((m) => (m.workers = { celery: worker }))).toBe("FILE: workers.celery: needs the web service's Django image and settings; expected a `service` section");
  });

  it("a job named like a worker", () => {
    expect(problem((m) => Object.assign(m, { workers: { report: worker }, scheduled: { report: job } }), withService())).toBe(
      'FILE: scheduled.report: "report" is also a worker\'s name; expected names unique across workers and scheduled jobs (they name log streams and alarms)',
    );
  });

  it("auto scaling bounds, count and policies", () => {
    const scaled = (autoScaling: object, extra: object = {}) => (m: any) => (m.workers = { celery: { ...worker, autoScaling, ...extra } });
    expect(problem(scaled({ minCapacity: 5, maxCapacity: 2 }), withService())).toBe("FILE: workers.celery.autoScaling.minCapacity: 5 is above maxCapacity 2; expected minCapacity <= maxCapacity");
    expect(problem(scaled({ minCapacity: 2, maxCapacity: 4 }, { desiredCount: 1 }), withService())).toBe("FILE: workers.celery.desiredCount: 1 is outside autoScaling's 2..4; expected a count within it");
    expect(problem(scaled({ cpuTargetPercent: 0 }), withService())).toBe(
      "FILE: workers.celery.autoScaling: has no policy (cpuTargetPercent and memoryTargetPercent are 0, no queue); expected at least one, or no autoScaling",
    );
    expect(problem(scaled({ memoryTargetPercent: 5 }), withService())).toBe("FILE: workers.celery.autoScaling.memoryTargetPercent: 5 would keep adding tasks; expected 0 (off) or 10 to 95");
  });

  it("a worker's size, a plain-text secret and a value set twice", () => {
    expect(problem((m) => (m.workers = { celery: { ...worker, memory: 4096 } }), withService())).toBe(
      "FILE: workers.celery.memory: 4096 MiB is not valid with 0.25 vCPU; expected one of 512, 1024, 2048",
    );
    expect(problem((m) => (m.scheduled = { report: { ...job, environment: { API_TOKEN: "x" } } }), withService())).toBe(
      "FILE: scheduled.report.environment.API_TOKEN: looks like a secret; expected it under scheduled.report.secrets as a Secrets Manager or SSM parameter ARN, never as plain text",
    );
    const arn = "arn:aws:ssm:ap-northeast-2:123456789012:parameter/shop/x";
    expect(problem((m) => (m.workers = { celery: { ...worker, environment: { BROKER: "a" }, secrets: { BROKER: arn } } }), withService())).toBe(
      "FILE: workers.celery.secrets.BROKER: is also set in environment; expected one of the two",
    );
  });

  it("a time zone with a rate expression, and an expression Scheduler does not know", () => {
    expect(problem((m) => (m.scheduled = { report: { ...job, timezone: "Asia/Seoul" } }), withService())).toBe(
      "FILE: scheduled.report.timezone: applies to cron expressions only; expected UTC (the default) with a rate expression",
    );
    expect(problem((m) => (m.scheduled = { report: { ...job, schedule: "cron(0 3 * * *)" } }), withService())).toBe(
      "FILE: scheduled.report.schedule: expected cron(0 3 * * ? *) (six fields) or rate(1 hour)",
    );
  });

  it("two release tasks of one name, and a service-discovery client that is no task", () => {
    const task = { name: "migrate", command: ["python", "manage.py", "migrate"] };
    expect(problem((m) => (m.release = { tasks: [task, task] }), withService())).toBe('FILE: release.tasks[1].name: "migrate" is also release.tasks[0]\'s name; expected distinct names');
    expect(problem((m) => Object.assign(m.service, { serviceDiscovery: { clientTasks: ["celery"] } }), withService())).toBe(
      'FILE: service.serviceDiscovery.clientTasks[0]: "celery" is no worker or scheduled job of this manifest; expected one of: (none defined)',
    );
  });
});

describe("local (docker) manifests", () => {
  const local = () => ({ app: "shop", environment: "local", platform: "docker" });

  it("need neither AWS, network nor state, and fill in the service's defaults", () => {
    const loaded = loadEnvironment(manifestFile(local(), "local"));
    expect(loaded.platform).toBe("docker");
    if (loaded.platform !== "docker") return;
    expect(loaded.plan).toMatchObject({ hostPort: 8080, redis: true, prefix: "shop-local" });
    expect(loaded.plan.service.containers.map((c) => c.name)).toEqual(["django", "nginx"]);
  });

  it("refuse secret ARNs, which a laptop cannot read", () => {
    const m: any = { ...local(), service: { django: { secrets: { DJANGO_SECRET_KEY: "arn:aws:ssm:us-east-1:123456789012:parameter/k" } } } };
    const file = manifestFile(m, "local");
    expect(errorOf(() => loadEnvironment(file))).toBe(
      `${file}: service.django.secrets.DJANGO_SECRET_KEY: secret ARNs cannot be read by a local environment; expected the local value under docker.environment`,
    );
  });

  it("refuse a worker's secret ARNs too", () => {
    const m: any = { ...local(), workers: { celery: { command: ["celery"], secrets: { TOKEN: "arn:aws:ssm:us-east-1:123456789012:parameter/k" } } } };
    const file = manifestFile(m, "local");
    expect(errorOf(() => loadEnvironment(file))).toBe(`${file}: workers.celery.secrets: secret ARNs cannot be read by a local environment; expected the local value under docker.environment`);
  });

  it("refuse AWS keys", () => {
    const file = manifestFile({ ...local(), aws: { region: "us-east-1" } }, "local");
    expect(errorOf(() => loadEnvironment(file))).toBe(`${file}: aws: unknown key; expected one of: platform, app, environment, docker, service, workers, scheduled, release`);
  });

  it("an unknown platform", () => {
    const file = manifestFile({ ...local(), platform: "k8s" }, "local");
    expect(errorOf(() => loadEnvironment(file))).toBe(`${file}: platform: expected platform: "aws" (the default) or "docker" (a local environment)`);
  });

  it("an AWS service without a domain", () => {
    const m = { ...stagingManifest(), service: {} };
    const file = manifestFile(m);
    expect(errorOf(() => loadEnvironment(file))).toBe(
      `${file}: service.domain: missing; expected hostedZoneId, zoneName and hostnames (the service's HTTPS names)`,
    );
  });
});

describe("the fixture environments (copies of the samples)", () => {
  it("load: local runs in Docker, production reuses an existing VPC, staging creates one", () => {
    const project = loadProject(join(__dirname, "..", "fixtures", "environments"));
    expect(project.environments.map((e) => [e.manifest.environment, e.platform === "aws" ? e.manifest.network.type : "docker"])).toEqual([
      ["local", "docker"],
      ["production", "existing"],
      ["staging", "new"],
    ]);
    expect(project.bootstrap?.buckets.map((b) => b.environments)).toEqual([["production", "staging"]]);
  });

  it("ENVIRONMENTS_DIR points the loader at another folder", () => {
    const dir = join(tempDir(), "elsewhere");
    mkdirSync(dir);
    expect(require("../../src/manifest/load").environmentsDir({ ENVIRONMENTS_DIR: dir })).toBe(dir);
  });
});
