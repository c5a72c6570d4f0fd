import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Network } from "../src/constructs/network";
import { configureStateBackend } from "../src/constructs/state-backend";
import { WebService } from "../src/constructs/web-service";
import type { EnvironmentPlan } from "../src/plan/environment";
import { ProjectStack } from "./project-stack";

/** One environment (staging, production, ...): its network, and the web service on it. */
export class EnvironmentStack extends ProjectStack {
  readonly network: Network;

  constructor(scope: Construct, id: string, plan: EnvironmentPlan) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: plan.region,
      // A plan or apply with credentials of any other account fails before touching it.
      allowedAccountIds: [plan.accountId],
      defaultTags: [{ tags: plan.tags }],
    });
    configureStateBackend(this, plan.state);
    this.network = new Network(this, "network", {
      namePrefix: plan.names.prefix,
      plan: plan.network,
      flowLogNames: { role: plan.names.flowLogsRole, logGroup: plan.names.flowLogsGroup },
      accountId: plan.accountId,
    });
    if (plan.service) {
      new WebService(this, "web", { plan: plan.service, network: this.network, region: plan.region, accountId: plan.accountId });
    }
  }
}
