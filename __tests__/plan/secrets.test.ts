/** Secret ARNs with or without Secrets Manager's random suffix: the policy matches the ARN IAM evaluates. */
import { evaluatedSecretArn, secretPolicyResources } from "../../src/plan/secrets";

const base = "arn:aws:secretsmanager:ap-northeast-2:111111111111:secret:inpock/staging/django-secret-key";

describe("secret ARNs", () => {
  it("without the suffix: the policy names <arn>-??????, which the real ARN matches", () => {
    expect(secretPolicyResources(base)).toEqual([`${base}-??????`]);
    expect(evaluatedSecretArn(base)).toBe(`${base}-AbC123`);
  });
  it("with the suffix: the exact ARN, and the pattern in case the name merely ends like one", () => {
    expect(secretPolicyResources(`${base}-Xy12Zq`)).toEqual([`${base}-Xy12Zq`, `${base}-Xy12Zq-??????`]);
    expect(evaluatedSecretArn(`${base}-Xy12Zq`)).toBe(`${base}-Xy12Zq`);
  });
  it("ECS's JSON-key tail is not part of the resource", () => {
    expect(secretPolicyResources(`${base}-Xy12Zq:password::`)).toEqual([`${base}-Xy12Zq`, `${base}-Xy12Zq-??????`]);
  });
});
