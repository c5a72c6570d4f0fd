/** The routed web services' plan: pure, from a parsed section and the service's plan. */
import { z } from "zod";
import { webServicesSection } from "../../src/manifest/web-services-schema";
import { planWebServices, webServiceSecretArns } from "../../src/plan/web-services";
import { servicePlan } from "../support/service";

const plan = (section: Record<string, unknown>, service = servicePlan({ cpuSplit: { nginx: 0.2 }, django: { command: ["gunicorn"], environment: { A: "1" }, secrets: { DJANGO_SECRET_KEY: "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:shop/key" } } })) =>
  planWebServices(z.object(webServicesSection).parse({ webServices: section }).webServices, service);

describe("planWebServices", () => {
  it("numbers default priorities 10, 20, 30 in order and keeps explicit ones", () => {
    const plans = plan({ a1: { routing: { paths: ["/a/*"] } }, b1: { routing: { paths: ["/b/*"], priority: 3 } }, c1: { routing: { paths: ["/c/*"] } } });
    expect(plans.map((p) => p.routing.priority)).toEqual([10, 3, 30]);
  });

  it("gives each host to DNS and the certificate once: not the service's, not an earlier routed service's", () => {
    const plans = plan({
      admin: { routing: { hosts: ["admin.example.com", "shop.example.com"], paths: ["/admin/*"] } },
      reports: { routing: { hosts: ["admin.example.com"], paths: ["/reports/*"] } },
    });
    expect(plans.map((p) => p.ownHostnames)).toEqual([["admin.example.com"], []]);
    expect(plans[1].routing.hosts).toEqual(["admin.example.com"]);
  });

  it("runs the service's containers with its own Django settings, log prefix and a CPU the task shares", () => {
    const [api] = plan({ api: { routing: { paths: ["/api/*"] }, django: { environment: { B: "2" }, secrets: { K: "arn:aws:ssm:ap-northeast-2:123456789012:parameter/k" } } } });
    const [django, nginx] = api.containers;
    expect(django).toMatchObject({ name: "django", image: { repository: "django" }, command: ["gunicorn"], logStreamPrefix: "web-api", cpu: undefined });
    expect(django.environment).toMatchObject({ A: "1", B: "2", ALLOWED_HOSTS: "shop.example.com,www.example.com" });
    expect(django.secrets).toHaveProperty("DJANGO_SECRET_KEY");
    expect(nginx).toMatchObject({ name: "nginx", image: { repository: "nginx" }, startsAfterHealthy: ["django"], cpu: undefined });
    expect(webServiceSecretArns([api])).toContain("arn:aws:ssm:ap-northeast-2:123456789012:parameter/k");
    expect(api.names).toMatchObject({ service: "shop-prod-web-api", targetGroupBlue: "shop-prod-api-blue", networkParameter: "/shop/prod/web-api/network-configuration" });
  });

  it("plans nothing without a service", () => {
    expect(planWebServices({}, undefined)).toEqual([]);
  });
});
