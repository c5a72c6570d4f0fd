import fc from "fast-check";
import { manifestSchema } from "../../src/manifest/schema";
import { findProblem } from "../../src/manifest/validate";
import { limitedNames, resourceNames } from "../../src/plan/names";

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{0,${max - 2}}[a-z0-9]$`));

describe("resource names", () => {
  it("every generated name fits its AWS limit for any app and environment the manifest accepts", () => {
    fc.assert(
      fc.property(label(20), label(12), (app, environment) => {
        const parsed = manifestSchema.safeParse({
          app,
          environment,
          aws: { region: "us-east-1", accountId: "123456789012", availabilityZones: ["us-east-1a", "us-east-1b"] },
          network: { type: "new", cidr: "10.0.0.0/16" },
          state: { backend: "local" },
        });
        if (!parsed.success || findProblem(parsed.data)) return; // refused with a message: fine
        // One assertion per run over every name (an expect() per name was a third of the file's time).
        const tooLong = limitedNames(resourceNames(app, environment)).filter((n) => n.name.length > n.limit);
        expect(tooLong).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it("the longest accepted prefix is 26 characters, which the green target group fills to 32", () => {
    const names = resourceNames("a".repeat(20), "b".repeat(5));
    expect(names.prefix).toHaveLength(26);
    expect(names.targetGroupGreen).toHaveLength(32);
  });
});
