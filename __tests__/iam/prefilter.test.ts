/**
 * The cross-environment check skips simulating a request when no Allow statement of the role can match its
 * action (src/iam/simulate.ts mayAllowAction): it must say "may allow" whenever IAM could.
 */
import type { Principal } from "../../src/iam/principals";
import { mayAllowAction, simulateIdentity } from "../../src/iam/simulate";

const role = (...Statement: any[]): Principal => ({
  stack: "s",
  address: "aws_iam_role.r",
  name: "r",
  arn: "arn:aws:iam::111111111111:role/r",
  accountId: "111111111111",
  policies: [{ source: "p", document: { Version: "2012-10-17", Statement } }],
  problems: [],
});
const allow = (Action: unknown) => ({ Effect: "Allow", Action, Resource: "*" });

describe("mayAllowAction", () => {
  it("matches IAM's wildcards without regard to case, as the simulator does", async () => {
    const cases: [unknown, string, boolean][] = [
      ["ecs:UpdateService", "ecs:UpdateService", true],
      ["ECS:updateservice", "ecs:UpdateService", true],
      ["ecs:Update*", "ecs:UpdateService", true],
      ["ecs:*", "ecs:UpdateService", true],
      ["*", "ecs:UpdateService", true],
      ["ecs:UpdateServic?", "ecs:UpdateService", true],
      [["s3:GetObject", "ecs:Describe*"], "ecs:UpdateService", false],
      ["ecs:UpdateServiceX", "ecs:UpdateService", false],
      ["ecs:UpdateServic", "ecs:UpdateService", false],
      ["ecs:?UpdateService", "ecs:UpdateService", false],
      ["ecs:*Service", "ecs:UpdateService", true],
    ];
    for (const [action, requested, expected] of cases) {
      const p = role(allow(action));
      expect([action, mayAllowAction(p, requested)]).toEqual([action, expected]);
      // The same answer as the simulator's.
      const verdict = await simulateIdentity(p, { action: requested, resource: "arn:aws:ecs:ap-northeast-2:111111111111:service/c/s" });
      expect([action, verdict.allowed]).toEqual([action, expected]);
    }
  });

  it("a Deny never counts; NotAction and a policy the simulator rejects always may allow", () => {
    expect(mayAllowAction(role({ Effect: "Deny", Action: "*", Resource: "*" }), "ecs:UpdateService")).toBe(false);
    expect(mayAllowAction(role({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }), "ecs:UpdateService")).toBe(true);
    expect(mayAllowAction(role({ Effect: "Allow", Action: "not an action", Resource: "*" }), "ecs:UpdateService")).toBe(true);
    expect(mayAllowAction(role({ Effect: "Allow", Action: "ec*:Update*", Resource: "*" }), "ecs:UpdateService")).toBe(true);
  });
});
