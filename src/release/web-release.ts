/**
 * Releases of the routed web services (`webServices`): each through its own CodeDeploy deployment group
 * (blue/green), one after another in the manifest's order, after the main service and before the workers.
 * The main service goes through the aws-actions deploy action; these go through the AWS CLI, so one
 * workflow step covers however many the manifest has.
 */
import { AwsCli, Clock, realClock, registerWithImages, ReleaseStepError, runningTaskDefinition, serviceNetwork, withoutReadOnly } from "./background-release";
import { ReleaseConfig, RoutedWebServiceRelease, serviceAppSpec, ServiceNetwork } from "./release-config";

/** How often CodeDeploy is asked how a deployment is going. */
const POLL_MS = 15_000;

/** Deploys each routed web service with both new images; throws at the first that fails, so nothing after it runs. */
export async function deployWebServices(aws: AwsCli, config: ReleaseConfig, images: { django: string; nginx: string }, log: (line: string) => void, clock: Clock = realClock): Promise<void> {
  if (config.webServices.length === 0) return log("No routed web services.");
  for (const web of config.webServices) {
    const definition = await registerWithImages(aws, web.family, images);
    await deploy(aws, config, web, definition, await serviceNetwork(aws, web.networkParameter), log, clock);
  }
}

/**
 * After an infrastructure deploy: a routed web service whose latest revision (Terraform's) differs from
 * the running one in anything but its images gets that revision with the running images, through
 * CodeDeploy, as the main service does in the infra workflow. The AppSpec carries no network settings:
 * the deploy role may not read parameter values, and the service keeps the ones it has.
 */
export async function refreshWebServices(aws: AwsCli, config: ReleaseConfig, log: (line: string) => void, clock: Clock = realClock): Promise<void> {
  if (config.webServices.length === 0) return log("No routed web services.");
  for (const web of config.webServices) {
    const running = await runningTaskDefinition(aws, config.cluster, web.service);
    const describe = async (definition: string) => (await aws(["ecs", "describe-task-definition", "--task-definition", definition])).taskDefinition;
    const latest = await describe(web.family);
    const current = running === latest.taskDefinitionArn ? latest : await describe(running);
    if (settings(latest) === settings(current)) {
      log(`Web service ${web.name}: unchanged.`);
      continue;
    }
    const images = Object.fromEntries((current.containerDefinitions as any[]).map((c) => [c.name, c.image]));
    const definition = await registerWithImages(aws, latest.taskDefinitionArn, images);
    log(`Web service ${web.name}: rolling out ${latest.taskDefinitionArn}'s settings with the running images, as ${definition}.`);
    await deploy(aws, config, web, definition, undefined, log, clock);
  }
}

/** A task definition as registered, its images aside: what an infrastructure change can change. */
function settings(described: Record<string, any>): string {
  const definition = withoutReadOnly(described);
  definition.containerDefinitions = (definition.containerDefinitions as any[]).map(({ image: _, ...rest }) => rest);
  return JSON.stringify(definition);
}

async function deploy(aws: AwsCli, config: ReleaseConfig, web: RoutedWebServiceRelease, definition: string, network: ServiceNetwork | undefined, log: (line: string) => void, clock: Clock): Promise<void> {
  const revision = { revisionType: "AppSpecContent", appSpecContent: { content: serviceAppSpec(web, network, definition) } };
  const created = await aws([
    "deploy", "create-deployment",
    "--application-name", config.codeDeploy.application,
    "--deployment-group-name", web.deploymentGroup,
    "--revision", JSON.stringify(revision),
  ]);
  const id: string | undefined = created.deploymentId;
  if (!id) throw new ReleaseStepError(`web service ${web.name} (${web.service}): CodeDeploy returned no deployment id for ${definition}`);
  log(`Web service ${web.name}: deployment ${id} of ${definition}`);
  const deadline = clock.now() + web.waitMinutes * 60_000;
  for (;;) {
    const info = (await aws(["deploy", "get-deployment", "--deployment-id", id])).deploymentInfo;
    const status: string | undefined = info?.status;
    if (status === "Succeeded") return log(`Web service ${web.name}: deployed.`);
    if (status === "Failed" || status === "Stopped") {
      const error = info.errorInformation ?? {};
      throw new ReleaseStepError(`web service ${web.name} (${web.service}): deployment ${id} ${status.toLowerCase()} and CodeDeploy rolled it back: ${error.code ?? "no error code"}: ${error.message ?? "no message"}`);
    }
    if (clock.now() >= deadline) {
      throw new ReleaseStepError(`web service ${web.name} (${web.service}): deployment ${id} did not end in ${web.waitMinutes} minutes (last status ${status ?? "unknown"}); it may still finish or roll back: see it in CodeDeploy`);
    }
    await clock.sleep(POLL_MS);
  }
}
