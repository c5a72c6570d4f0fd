/**
 * `npm run release-config -- <environment> [folder]`: writes release.json and
 * appspec.yaml for the release workflow (default folder: release/<environment>).
 * `npm run release-config -- --matrix`: the AWS environments with a service, in release order, as a
 * GitHub Actions matrix (`{"include":[{"environment":…,"deployEnvironment":…}]}`).
 * Errors are one line and exit status 1.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { environmentsDir, loadProject, ManifestError } from "../manifest/load";
import { appSpec, releaseConfig, ReleaseConfigError, releaseOrder } from "./release-config";
import { AwsCli, Clock, realClock, refreshBackground, registerJobs, ReleaseStepError, rollWorkers, runReleaseTasks, serviceNetwork } from "./background-release";
import { deployWebServices, refreshWebServices } from "./web-release";
import { execFile } from "child_process";

export function releaseCli(args: string[]): number {
  const [environment, folder = join("release", environment ?? "")] = args;
  try {
    if (environment === "--matrix") {
      // For GitHub Actions: `strategy.matrix.environment: ${{ fromJSON(...) }}`, in release order.
      const plans = loadProject(environmentsDir()).environments.flatMap((e) => (e.platform === "aws" && e.plan.service ? [e.plan] : []));
      const include = releaseOrder(plans).map((name) => {
        const plan = plans.find((p) => p.environment === name)!;
        return { environment: name, deployEnvironment: plan.github?.deployEnvironment ?? name };
      });
      console.log(JSON.stringify({ include }));
      return 0;
    }
    if (!environment) throw new ReleaseConfigError("usage: npm run release-config -- <environment> [folder]");
    const project = loadProject(environmentsDir());
    const env = project.environments.find((e) => e.manifest.environment === environment);
    if (!env) {
      throw new ReleaseConfigError(
        `${environment}: no such environment; expected one of: ${project.environments.map((e) => e.manifest.environment).join(", ")}`,
      );
    }
    if (env.platform !== "aws") throw new ReleaseConfigError(`${environment}: a local environment is not released`);
    const config = releaseConfig(env.plan);
    const spec = appSpec(env.plan);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "release.json"), JSON.stringify(config, null, 2) + "\n");
    writeFileSync(join(folder, "appspec.yaml"), spec);
    console.log(join(folder, "release.json"));
    return 0;
  } catch (e) {
    if (!(e instanceof ManifestError || e instanceof ReleaseConfigError)) throw e;
    console.error(e.message);
    return 1;
  }
}

/**
 * `npm run release-step -- <tasks|workers|jobs> <environment> <image>`: the release's steps beyond the web
 * service (src/release/background-release.ts), through the AWS CLI.
 * `npm run release-step -- web-services <environment> <django image> <nginx image>`: each routed web service
 * through CodeDeploy, in the manifest's order (src/release/web-release.ts). One step for all of them, so
 * the workflow lists none by name; both images, since they run both containers.
 * `npm run release-step -- appspec <environment> <file>`: writes the AppSpec with the service's network
 * settings read from the stack's SSM parameter.
 * `npm run release-step -- refresh <environment>`: after an infrastructure deploy, routed web services,
 * workers and jobs whose task definition changed get it with the running images. Errors are one line and
 * exit status 1.
 */
export async function releaseStepCli(args: string[], aws: AwsCli = awsCli, log: (line: string) => void = console.log, clock: Clock = realClock): Promise<number> {
  const [step, environment, image, nginxImage] = args;
  const steps = { tasks: runReleaseTasks, workers: rollWorkers, jobs: registerJobs, "web-services": undefined, appspec: undefined, refresh: undefined } as const;
  try {
    const complete = step === "refresh" ? true : step === "web-services" ? Boolean(image && nginxImage) : Boolean(image);
    if (!(step in steps) || !environment || !complete) {
      throw new ReleaseConfigError(
        "usage: npm run release-step -- <tasks|workers|jobs> <environment> <image>, web-services <environment> <django image> <nginx image>, appspec <environment> <file>, or refresh <environment>",
      );
    }
    const env = loadProject(environmentsDir()).environments.find((e) => e.manifest.environment === environment);
    if (!env || env.platform !== "aws") throw new ReleaseConfigError(`${environment}: no such AWS environment`);
    const config = releaseConfig(env.plan);
    if (step === "refresh") {
      await refreshWebServices(aws, config, log, clock);
      await refreshBackground(aws, config, log, clock);
    } else if (step === "web-services") {
      await deployWebServices(aws, config, { django: image, nginx: nginxImage }, log, clock);
    } else if (step === "appspec") {
      // The file named instead of an image: the AppSpec with the network settings the stack wants now.
      writeFileSync(image, appSpec(env.plan, await serviceNetwork(aws, config.networkParameter)));
      log(image);
    } else {
      await steps[step as "tasks" | "workers" | "jobs"](aws, config, image, log);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ManifestError || e instanceof ReleaseConfigError || e instanceof ReleaseStepError)) throw e;
    console.error(e.message);
    return 1;
  }
}

/** The AWS CLI, JSON out; a refused call is one line naming the call. */
const awsCli: AwsCli = (args) =>
  new Promise((resolve, reject) => {
    execFile("aws", [...args, "--output", "json"], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new ReleaseStepError(`aws ${args.slice(0, 2).join(" ")}: ${(stderr || error.message).trim().split("\n").pop()}`));
      resolve(stdout.trim() ? JSON.parse(stdout) : {});
    });
  });
