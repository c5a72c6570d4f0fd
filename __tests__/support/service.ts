/** A service plan from a small manifest section, as the loader would build it. */
import { serviceSchema } from "../../src/manifest/service-schema";
import { resourceNames } from "../../src/plan/names";
import { planService, ServicePlan } from "../../src/plan/service";

export function servicePlan(overrides: Record<string, unknown> = {}, disposable = false): ServicePlan {
  const manifest = serviceSchema.parse({
    domain: { hostedZoneId: "Z0123456789EXAMPLE", zoneName: "example.com", hostnames: ["shop.example.com", "www.example.com"] },
    django: { secrets: { DJANGO_SECRET_KEY: "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:shop/key" } },
    ...overrides,
  });
  return planService(manifest, resourceNames("shop", "prod"), disposable);
}
