/**
 * Checks every kind of task shares (the service, routed web services, workers, jobs, release tasks), each
 * naming the key under `at`, such as `webServices.api`.
 */
import { fargateSizeProblem } from "../plan/fargate";
import { ALARM_PERIODS, ALARM_WINDOW_MINUTES } from "../plan/service";
import type { ManifestProblem } from "./validate";

/** Environment variable names that hold secrets: those belong in `secrets`, by ARN. */
export const SECRET_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)/i;

/** A CPU and memory pair Fargate offers. */
export function checkSize(at: string, size: { cpu: number; memory: number }): ManifestProblem | undefined {
  const problem = fargateSizeProblem(size.cpu, size.memory);
  return problem && { path: `${at}.${problem.path}`, message: problem.message };
}

/** No secret-looking name among the plain variables, and no name both plain and secret. */
export function checkSettings(at: string, spec: { environment: Record<string, string>; secrets: Record<string, string> }): ManifestProblem | undefined {
  const secretLike = Object.keys(spec.environment).find((name) => SECRET_LIKE.test(name));
  if (secretLike) {
    return { path: `${at}.environment.${secretLike}`, message: `looks like a secret; expected it under ${at}.secrets as a Secrets Manager or SSM parameter ARN, never as plain text` };
  }
  const both = Object.keys(spec.secrets).find((name) => name in spec.environment);
  return both ? { path: `${at}.secrets.${both}`, message: "is also set in environment; expected one of the two" } : undefined;
}

/** Auto scaling bounds in order, and the desired count within them. */
export function checkScaling(at: string, desiredCount: number, scaling: { minCapacity: number; maxCapacity: number }): ManifestProblem | undefined {
  if (scaling.minCapacity > scaling.maxCapacity) {
    return { path: `${at}.autoScaling.minCapacity`, message: `${scaling.minCapacity} is above maxCapacity ${scaling.maxCapacity}; expected minCapacity <= maxCapacity` };
  }
  if (desiredCount < scaling.minCapacity || desiredCount > scaling.maxCapacity) {
    return { path: `${at}.desiredCount`, message: `${desiredCount} is outside autoScaling's ${scaling.minCapacity}..${scaling.maxCapacity}; expected a count within it` };
  }
  return undefined;
}

/** A blue/green deployment lasts long enough for its alarms to roll it back. */
export function checkRollbackWindow(at: string, deployment: { terminationWaitMinutes: number; alarms: { enabled: boolean } }): ManifestProblem | undefined {
  if (!deployment.alarms.enabled || deployment.terminationWaitMinutes >= ALARM_WINDOW_MINUTES) return undefined;
  return {
    path: `${at}.deployment.terminationWaitMinutes`,
    message: `${deployment.terminationWaitMinutes} ends the deployment before its alarms can fire (${ALARM_PERIODS} one-minute periods, published a minute late); expected at least ${ALARM_WINDOW_MINUTES}, or deployment.alarms.enabled: false`,
  };
}
