/**
 * Secrets Manager ARNs as manifests give them and as IAM sees them. AWS appends `-` and six random
 * characters to every secret's name, and IAM evaluates GetSecretValue against that full ARN, so a
 * policy naming the ARN without its suffix matches nothing (ECS then fails every task start with
 * ResourceInitializationError). A manifest may give either form; the policy matches both.
 */

/** The suffix Secrets Manager appends to a secret's name. */
export const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** `arn:...:secret:` and the name, without ECS's `:json-key:version-stage:version-id` tail. */
export function splitSecretArn(arn: string): { prefix: string; name: string } {
  const at = arn.indexOf(":secret:") + ":secret:".length;
  return { prefix: arn.slice(0, at), name: arn.slice(at).split(":")[0] };
}

/**
 * The policy resources for a secret: `<arn>-??????` for an ARN without its suffix; for one whose name
 * already ends like a suffix, that exact ARN too (it may be the full ARN, or a name that happens to end so).
 */
export function secretPolicyResources(arn: string): string[] {
  const { prefix, name } = splitSecretArn(arn);
  const base = `${prefix}${name}`;
  return SECRET_SUFFIX.test(name) ? [base, `${base}-??????`] : [`${base}-??????`];
}

/** The ARN IAM evaluates when the secret is read: with its suffix (a made-up one when the manifest has none). */
export function evaluatedSecretArn(arn: string): string {
  const { prefix, name } = splitSecretArn(arn);
  return SECRET_SUFFIX.test(name) ? `${prefix}${name}` : `${prefix}${name}-AbC123`;
}
