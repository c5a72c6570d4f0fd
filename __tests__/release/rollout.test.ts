/**
 * The infra workflow's rollout of a Terraform-registered task definition (scripts/running-images.js): the
 * new definition, with each container's image taken from the revision the service runs now.
 */
import { spawnSync } from "child_process";
import { writeFileSync } from "fs";
import { join } from "path";
import { tempDir } from "../support/app";

const SCRIPT = join(__dirname, "..", "..", "scripts", "running-images.js");
const { withRunningImages } = require(SCRIPT);

const running = {
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/web:7",
  revision: 7,
  containerDefinitions: [
    { name: "django", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/django:abc123", secrets: [{ name: "OLD", valueFrom: "arn:old" }] },
    { name: "nginx", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/nginx:abc123" },
  ],
};
// What Terraform registered: new settings (a secret removed, more memory), the images it was given.
const registered = {
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/web:8",
  revision: 8,
  status: "ACTIVE",
  registeredAt: "2026-12-01T00:00:00Z",
  compatibilities: ["EC2", "FARGATE"],
  requiresAttributes: [{ name: "ecs.capability.secrets.asm.environment-variables" }],
  family: "web",
  memory: "2048",
  containerDefinitions: [
    { name: "django", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/django:initial", secrets: [] },
    { name: "nginx", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/nginx:initial" },
  ],
};

describe("the rolled-out task definition", () => {
  it("is Terraform's new definition with the images the service runs now, ready to register", () => {
    const { definition, kept } = withRunningImages(registered, running);
    expect(definition.containerDefinitions).toEqual([
      { name: "django", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/django:abc123", secrets: [] },
      { name: "nginx", image: "1.dkr.ecr.eu-west-1.amazonaws.com/shop/nginx:abc123" },
    ]);
    expect(definition.memory).toBe("2048");
    expect(Object.keys(definition).sort()).toEqual(["containerDefinitions", "family", "memory"]);
    expect(kept).toEqual([]);
  });

  it("keeps the new image of a container the service does not run yet, and says so", () => {
    const withSidecar = { ...registered, containerDefinitions: [...registered.containerDefinitions, { name: "agent", image: "public.ecr.aws/agent:1" }] };
    const dir = tempDir("rollout-");
    writeFileSync(join(dir, "new.json"), JSON.stringify(withSidecar));
    writeFileSync(join(dir, "running.json"), JSON.stringify(running));
    const r = spawnSync("node", [SCRIPT, join(dir, "new.json"), join(dir, "running.json")], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).containerDefinitions.map((c: any) => c.image)).toEqual([
      "1.dkr.ecr.eu-west-1.amazonaws.com/shop/django:abc123",
      "1.dkr.ecr.eu-west-1.amazonaws.com/shop/nginx:abc123",
      "public.ecr.aws/agent:1",
    ]);
    expect(r.stderr.trim()).toBe("agent: not in the running task definition; keeps the image of the new one (public.ecr.aws/agent:1).");
  });

  it("refuses a file that is not a task definition, in one line", () => {
    const dir = tempDir("rollout-");
    writeFileSync(join(dir, "new.json"), JSON.stringify({ taskDefinition: registered }));
    writeFileSync(join(dir, "running.json"), JSON.stringify(running));
    const r = spawnSync("node", [SCRIPT, join(dir, "new.json"), join(dir, "running.json")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${join(dir, "new.json")}: no containerDefinitions; expected a task definition as describe-task-definition --query taskDefinition prints it`);
  });
});
