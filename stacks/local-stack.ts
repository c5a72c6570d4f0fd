import { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { LocalContainers } from "../src/constructs/local-containers";
import { configureStateBackend } from "../src/constructs/state-backend";
import { projectRootPath } from "../src/plan/environment";
import type { LocalPlan } from "../src/plan/local";
import { ProjectStack } from "./project-stack";

/** A developer's environment: `cdktf deploy local` runs the service's containers in Docker. */
export class LocalStack extends ProjectStack {
  constructor(scope: Construct, id: string, plan: LocalPlan) {
    super(scope, id);
    new DockerProvider(this, "docker", {});
    configureStateBackend(this, { backend: "local", path: projectRootPath(`terraform.${plan.environment}.tfstate`) });
    new LocalContainers(this, "local", { plan });
  }
}
