/** Building blocks of the manifest schema, shared by its sections. */
import { z } from "zod";
import { cidrProblem } from "../plan/cidr";

/** An object that refuses unknown keys, naming the keys it knows. */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown key; expected one of: ${known}` : undefined,
  });
}

export const dnsLabel = (what: string, max: number) =>
  z
    .string({ error: `expected ${what} as a string` })
    .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, {
      error: `expected ${what}: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    })
    .max(max, { error: `expected ${what} of at most ${max} characters` });

export const cidr = z.string({ error: "expected an IPv4 CIDR such as 10.0.0.0/16" }).superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const awsId = (prefix: string, example: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), { error: `expected an id such as ${example}` });

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const retentionDays = z
  .number({ error: "expected a number of days" })
  .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
    error: `expected one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

