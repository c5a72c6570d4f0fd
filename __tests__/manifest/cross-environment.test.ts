/**
 * A manifest copied from another and only half edited stops at synth, naming the copy, the key and
 * the environment it still collides with. The samples are only the starting point of each copy.
 */
import { readFileSync, utimesSync, writeFileSync } from "fs";
import { join } from "path";
import { parse, stringify } from "yaml";
import { projectErrorIn } from "../support/manifests";
import { tempDir } from "../support/app";

const SAMPLES = join(__dirname, "..", "fixtures", "environments");
const sample = (name: string) => parse(readFileSync(join(SAMPLES, `${name}.yaml`), "utf8"));

/** staging.yaml as the sample has it, plus qa.yaml: a copy of it edited by `edit`. Returns the error, or "" when it loads. */
function copyError(edit: (qa: any) => void, editStaging: (staging: any) => void = () => {}): string {
  const dir = tempDir("cross-env-");
  const staging = sample("staging");
  editStaging(staging);
  const qa = { ...sample("staging"), environment: "qa" };
  edit(qa);
  writeFileSync(join(dir, "staging.yaml"), stringify(staging));
  writeFileSync(join(dir, "qa.yaml"), stringify(qa));
  olderByAnHour(join(dir, "staging.yaml")); // qa.yaml is the copy, made later
  return projectErrorIn(dir);
}

function olderByAnHour(file: string): void {
  const then = new Date(Date.now() - 3600_000);
  utimesSync(file, then, then);
}

/** Everything a copy must change to be an environment of its own. */
function ownEverything(qa: any): void {
  qa.service.domain = { hostedZoneId: "Z0123456789QAZONE", zoneName: "qa.inpock.example", hostnames: ["qa.inpock.example"] };
  qa.service.django.secrets = {
    DJANGO_SECRET_KEY: "arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/qa/django-secret-key",
    DATABASE_URL: "arn:aws:ssm:ap-northeast-2:111111111111:parameter/inpock/qa/database-url",
  };
  qa.network.cidr = "10.30.0.0/16";
}

describe("two environments that collide", () => {
  it("loads a copy that owns its hostnames, secrets, state and address space", () => {
    expect(copyError(ownEverything)).toBe("");
  });

  it("refuses a copy that changed only `environment`: it still claims staging's hostnames", () => {
    expect(copyError(() => {})).toBe(
      `qa.yaml: service.domain.hostnames[0]: "staging.inpock.example" is already environment staging's; expected a hostname of this environment (staging.yaml)`,
    );
  });

  it("refuses a routed web service's host that another environment serves", () => {
    expect(
      copyError(
        (qa) => {
          ownEverything(qa);
          qa.webServices = { admin: { routing: { hosts: ["admin.staging.inpock.example"] } } };
          qa.service.domain.zoneName = "inpock.example";
        },
        (staging) => (staging.webServices = { admin: { routing: { hosts: ["admin.staging.inpock.example"] } } }),
      ),
    ).toBe(
      `qa.yaml: webServices.admin.routing.hosts[0]: "admin.staging.inpock.example" is already environment staging's; expected a hostname of this environment (staging.yaml)`,
    );
  });

  it("refuses another environment's secret, by ARN (a Secrets Manager suffix does not hide it) or by path", () => {
    expect(
      copyError((qa) => {
        ownEverything(qa);
        qa.service.django.secrets.DJANGO_SECRET_KEY = "arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/staging/django-secret-key-AbC123";
      }),
    ).toBe(
      "qa.yaml: service.django.secrets.DJANGO_SECRET_KEY: arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/staging/django-secret-key-AbC123 is also environment staging's secret; expected a secret of this environment (staging.yaml)",
    );
    expect(
      copyError((qa) => {
        ownEverything(qa);
        qa.service.django.secrets.DATABASE_URL = "arn:aws:ssm:ap-northeast-2:111111111111:parameter/inpock/staging/replica-url";
      }),
    ).toBe(
      "qa.yaml: service.django.secrets.DATABASE_URL: arn:aws:ssm:ap-northeast-2:111111111111:parameter/inpock/staging/replica-url is under environment staging's path; expected a secret of this environment (staging.yaml)",
    );
  });

  it("refuses a state that another environment keeps", () => {
    const message = copyError(
      (qa) => {
        ownEverything(qa);
        qa.state = { backend: "cloud", organization: "inpock", workspace: "shared" };
      },
      (staging) => (staging.state = { backend: "cloud", organization: "inpock", workspace: "shared" }),
    );
    expect(message).toBe("qa.yaml: state: the state (Terraform Cloud app.terraform.io/inpock/shared) is also environment staging's; expected a state of its own (staging.yaml)");
  });

  it("refuses overlapping blocks in one account and region, unless the manifest allows it", () => {
    const overlapping = (qa: any) => {
      ownEverything(qa);
      qa.network.cidr = "10.20.128.0/17";
    };
    expect(copyError(overlapping)).toBe(
      "qa.yaml: network.cidr: 10.20.128.0/17 overlaps environment staging's 10.20.0.0/16 in the same account and region; expected a block of its own (or network.allowCidrOverlapWith: [staging] for VPCs that will never be peered or routed together) (staging.yaml)",
    );
    expect(copyError((qa) => (overlapping(qa), (qa.network.allowCidrOverlapWith = ["staging"])))).toBe("");
    const elsewhere = (qa: any) => {
      overlapping(qa);
      qa.aws = { ...qa.aws, region: "ap-northeast-1", availabilityZones: ["ap-northeast-1a", "ap-northeast-1c"] };
      qa.state.region = "ap-northeast-2"; // the one state bucket stays where it is
    };
    expect(copyError(elsewhere)).toBe("");
  });

  it("refuses new subnets that two environments would carve from the same free space of one existing VPC (blaming the newer file)", () => {
    const dir = tempDir("cross-env-");
    const production = sample("production");
    const demo = { ...sample("production"), environment: "demo" };
    demo.service.domain.hostnames = ["demo.inpock.example"]; // in production's zone, as a demo would be
    demo.service.django.secrets = { DJANGO_SECRET_KEY: "arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/demo/key" };
    delete demo.github;
    writeFileSync(join(dir, "production.yaml"), stringify(production));
    writeFileSync(join(dir, "demo.yaml"), stringify(demo));
    olderByAnHour(join(dir, "production.yaml"));
    expect(projectErrorIn(dir)).toMatch(
      /^demo\.yaml: network\.usedCidrs: new subnet 172\.31\.\d+\.\d+\/\d+ overlaps environment production's 172\.31\.\d+\.\d+\/\d+ in the same VPC vpc-0a1b2c3d4e5f67890; expected its subnets in usedCidrs, or a secondaryCidr of this environment's own \(production\.yaml\)$/,
    );
  });
});
