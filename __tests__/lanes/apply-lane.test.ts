/**
 * The apply lane's pure parts: the refused-call check that turns a race hidden by the provider's retries
 * into a failure, and the manifest copies that carry the emulator's fixture ids. (The lane itself runs
 * against moto in `npm run test:apply`, with its own ordering self-test.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const { refusedCalls } = require("../../lanes/apply/terraform");
const { fixtureRequest, withFixtureIds } = require("../../lanes/apply/stacks");

// Lines as the AWS provider writes them with TF_LOG=debug (shortened; from a run without the ordering fix).
const REFUSED_CREATE =
  "2026-12-01T22:22:22.098Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: request failed with unretryable error https response error " +
  "StatusCode: 400, RequestID: 7ilk, InvalidParameterException: The target group with targetGroupArn arn:aws:elasticloadbalancing:ap-northeast-2:" +
  "111111111111:targetgroup/inpock-staging-blue/3e31 does not have an associated load balancer.: @module=aws aws.region=ap-northeast-2 " +
  "rpc.method=CreateService rpc.system=aws-api rpc.service=ECS tf_resource_type=aws_ecs_service timestamp=2026-12-01T22:22:22.098Z";
const MISSED_READ =
  "2026-12-01T21:26:59.241Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: request failed with unretryable error https response error " +
  "StatusCode: 404, RequestID: nZ35, HostID: 9Gjj, api error NoSuchTagSet: @module=aws rpc.method=GetBucketTagging tf_resource_type=aws_s3_bucket";

const dir = mkdtempSync(join(tmpdir(), "apply-lane-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function log(...lines: string[]): string {
  const file = join(dir, `apply-debug-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(file, lines.join("\n"));
  return file;
}

describe("the apply lane's refused-call check", () => {
  it("reports a create the emulator refused, with resource type, call, count and AWS's message", () => {
    expect(refusedCalls(log(REFUSED_CREATE, REFUSED_CREATE))).toEqual([
      {
        type: "aws_ecs_service",
        method: "CreateService",
        count: 2,
        error: expect.stringMatching(/^InvalidParameterException: The target group .* does not have an associated load balancer\.$/),
      },
    ]);
  });

  it("ignores reads that find nothing: that is how the provider checks for existence", () => {
    expect(refusedCalls(log(MISSED_READ))).toEqual([]);
  });
});

describe("the apply lane's manifest copies", () => {
  const production = {
    environment: "production",
    aws: { region: "ap-northeast-2", availabilityZones: ["ap-northeast-2a", "ap-northeast-2b"] },
    network: { type: "existing", vpcId: "vpc-0a1b2c3d4e5f67890", internetGatewayId: "igw-0a1b2c3d4e5f67890", cidrBlocks: ["172.31.0.0/16"], usedCidrs: ["172.31.0.0/20"] },
    service: { domain: { hostedZoneId: "Z0123456789PRODZONE", zoneName: "inpock.example" }, redis: { mode: "existing", securityGroupId: "sg-0a1b2c3d4e5f67890" } },
  };

  it("ask the emulator for what an existing VPC's account already has", () => {
    expect(fixtureRequest(production)).toEqual({
      region: "ap-northeast-2",
      zones: ["inpock.example"],
      vpc: { cidrBlocks: ["172.31.0.0/16"], usedCidrs: ["172.31.0.0/20"], availabilityZones: ["ap-northeast-2a", "ap-northeast-2b"], redisSecurityGroup: true },
    });
  });

  it("carry the ids the emulator returned, leaving the original untouched", () => {
    const ids = { zones: { "inpock.example": "ZEMULATED" }, vpcId: "vpc-1", internetGatewayId: "igw-1", redisSecurityGroupId: "sg-1" };
    const copy = withFixtureIds(production, ids);
    expect([copy.service.domain.hostedZoneId, copy.network.vpcId, copy.network.internetGatewayId, copy.service.redis.securityGroupId]).toEqual([
      "ZEMULATED",
      "vpc-1",
      "igw-1",
      "sg-1",
    ]);
    expect(production.network.vpcId).toBe("vpc-0a1b2c3d4e5f67890");
  });
});
