/**
 * The manifest's `workers`, `scheduled` and `release` sections: what runs beside the web service from
 * the same Django image (Celery workers and beat, cron-style jobs, one-off release commands).
 * Every key is documented in docs/manifest.md.
 */
import { z } from "zod";
import { strict } from "./schema-parts";
import { envName, secretArn } from "./service-schema";

/** A name of a worker, job or release task: part of ECS, Scheduler and SQS names. */
export const backgroundName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/, { error: "expected a name of 2 to 20 lowercase letters, digits and hyphens, starting with a letter" });

/** An exec-form command line, as ECS runs it (no shell unless you name one). */
const command = z
  .array(z.string().min(1, { error: "expected a non-empty argument" }).max(1024, { error: "expected an argument of at most 1024 characters" }), {
    error: "expected a command as a list of strings, such as [celery, -A, config, worker]",
  })
  .min(1, { error: "expected a command of at least one word" })
  .max(64, { error: "expected a command of at most 64 words" });

const size = {
  /** vCPU of one task (0.25 to 16). */
  cpu: z.number().default(0.25),
  /** MiB of memory of one task; must suit the CPU. */
  memory: z.number().int().default(512),
};

/** Added to (and overriding) service.django's environment and secrets: the same code, the same settings. */
const settings = {
  environment: z.record(envName, z.string()).default({}),
  secrets: z.record(envName, secretArn).default({}),
};

const healthCheck = strict({
  /** Run inside the container, such as [CMD-SHELL, "celery -A config inspect ping -d celery@$HOSTNAME"]. */
  command: z
    .array(z.string().min(1))
    .min(2, { error: 'expected [CMD, ...] or [CMD-SHELL, "..."]' })
    .refine((c) => c[0] === "CMD" || c[0] === "CMD-SHELL", { error: 'expected the command to start with CMD or CMD-SHELL' }),
  intervalSeconds: z.number().int().min(5).max(300).default(30),
  timeoutSeconds: z.number().int().min(2).max(120).default(10),
  retries: z.number().int().min(1).max(10).default(3),
  startPeriodSeconds: z.number().int().min(0).max(300).default(60),
});

const queueMetric = strict({
  /** A CloudWatch metric that grows with the backlog per task, such as one the app publishes. */
  namespace: z.string().regex(/^[^:][^:]{0,254}$/, { error: "expected a CloudWatch namespace" }),
  metricName: z.string().min(1).max(255),
  dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({}),
  statistic: z.enum(["Average", "Maximum", "Sum"], { error: "expected Average, Maximum or Sum" }).default("Average"),
  /** The value the metric is held at by adding or removing tasks. */
  targetValue: z.number().positive(),
});

const workerAutoScaling = strict({
  minCapacity: z.number().int().min(0).max(1000).default(1),
  maxCapacity: z.number().int().min(1).max(1000).default(4),
  /** 0 turns the CPU policy off. */
  cpuTargetPercent: z.number().min(0).max(95).default(60),
  /** 0 turns the memory policy off. */
  memoryTargetPercent: z.number().min(0).max(95).default(0),
  queue: queueMetric.optional(),
  scaleOutCooldownSeconds: z.number().int().min(0).max(3600).default(60),
  scaleInCooldownSeconds: z.number().int().min(0).max(3600).default(300),
});

export const workerSchema = strict({
  command,
  ...size,
  /** Tasks kept running (auto scaling moves it between its bounds). */
  desiredCount: z.number().int().min(0).max(1000).default(1),
  /** Without it, the count stays at desiredCount (what Celery beat needs: exactly one). */
  autoScaling: workerAutoScaling.optional(),
  healthCheck: healthCheck.optional(),
  /** Seconds between the stop signal and SIGKILL: a Celery worker finishes its current tasks (at most 120). */
  stopTimeoutSeconds: z.number().int().min(2).max(120).default(60),
  ...settings,
});

/** EventBridge Scheduler's expressions: cron(minutes hours day-of-month month day-of-week year) or rate(n unit). */
const scheduleExpression = z
  .string()
  .regex(/^(cron\((\S+ ){5}\S+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$/, {
    error: 'expected cron(0 3 * * ? *) (six fields) or rate(1 hour)',
  });

export const scheduledSchema = strict({
  command,
  schedule: scheduleExpression,
  /** The time zone cron expressions are read in (IANA name). */
  timezone: z.string().regex(/^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){1,2})$/, { error: "expected an IANA time zone such as Asia/Seoul or UTC" }).default("UTC"),
  ...size,
  /** Scheduler's retries when the task cannot be started (0 to 185). */
  retries: z.number().int().min(0).max(185).default(2),
  /** Seconds Scheduler keeps trying to start a run before it goes to the dead-letter queue. */
  maximumEventAgeSeconds: z.number().int().min(60).max(86400).default(3600),
  /** false keeps the schedule but runs nothing. */
  enabled: z.boolean().default(true),
  ...settings,
});

export const releaseSchema = strict({
  /** One-off commands run in order with the new images before any traffic moves; a non-zero exit stops the release. */
  tasks: z
    .array(
      strict({
        name: backgroundName,
        command,
        /** Minutes a task may run before the release gives up on it and stops it. */
        timeoutMinutes: z.number().int().min(1).max(120).default(15),
      }),
    )
    .max(10, { error: "expected at most 10 release tasks" })
    .default([]),
  ...size,
}).prefault({});

export const backgroundSections = {
  /** Long-running tasks without a load balancer (Celery workers, beat), rolled out with a circuit breaker. */
  workers: z.record(backgroundName, workerSchema).default({}),
  /** Tasks EventBridge Scheduler starts on a cron or rate expression. */
  scheduled: z.record(backgroundName, scheduledSchema).default({}),
  release: releaseSchema,
};

export type WorkerManifest = z.infer<typeof workerSchema>;
export type ScheduledManifest = z.infer<typeof scheduledSchema>;
export type ReleaseManifest = z.infer<typeof releaseSchema>;
