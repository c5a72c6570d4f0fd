/**
 * The manifest's `service` section: the web service (nginx + Django on
 * Fargate behind a load balancer) and its blue/green deployment.
 * Every key is documented in docs/manifest.md.
 */
import { z } from "zod";
import { cidr, retentionDays, strict } from "./schema-parts";

export const port = z.number().int().min(1).max(65535, { error: "expected a port from 1 to 65535" });

export const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: "expected a lowercase DNS name such as app.example.com" });

/** A Secrets Manager secret or an SSM parameter, by ARN: never the secret itself. */
export const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:.+|ssm:[a-z0-9-]+:\d{12}:parameter\/.+)$/, {
    error: "expected the ARN of a Secrets Manager secret or an SSM parameter (arn:aws:secretsmanager:... or arn:aws:ssm:...:parameter/...)",
  });

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected an environment variable name" });

const container = {
  /** An image to run instead of the one the release pipeline pushes to this stack's ECR repository. */
  image: z.string().min(1).optional(),
};

const django = strict({
  ...container,
  port: port.default(8000),
  /** Overrides the image's command, such as a gunicorn command line. */
  command: z.array(z.string()).min(1).optional(),
  environment: z.record(envName, z.string()).default({}),
  /** Environment variable name -> secret ARN; injected by ECS at start, never written in the task definition. */
  secrets: z.record(envName, secretArn).default({}),
}).prefault({});

const nginx = strict({
  ...container,
  port: port.default(80),
}).prefault({});

const testListener = strict({
  port: port.default(8443),
  /** Who may reach the test listener (CodeDeploy's test traffic): none by default. */
  allowedCidrs: z.array(cidr).default([]),
}).prefault({});

const loadBalancer = strict({
  deletionProtection: z.boolean().default(true),
  idleTimeoutSeconds: z.number().int().min(1).max(4000).default(60),
  deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(30),
  sslPolicy: z
    .string()
    .regex(/^ELBSecurityPolicy-TLS13-1-[0-3](-[A-Za-z0-9]+)*-20\d\d-\d\d$/, { error: "expected a TLS 1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06" })
    .default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
  /** Access logs: to a bucket this stack creates, or to an existing one. */
  accessLogs: strict({
    enabled: z.boolean().default(true),
    /** An existing bucket (which must let Elastic Load Balancing write); by default the stack creates one. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "expected an S3 bucket name" }).optional(),
    prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: "expected an S3 key prefix" }).default("alb"),
    /** Days a created bucket keeps the logs. */
    expireDays: z.number().int().min(1).max(3650).default(90),
  }).prefault({}),
  testListener,
}).prefault({});

export const autoScaling = strict({
  minCapacity: z.number().int().min(1).max(1000).default(2),
  maxCapacity: z.number().int().min(1).max(1000).default(10),
  cpuTargetPercent: z.number().min(10).max(95).default(60),
  memoryTargetPercent: z.number().min(10).max(95).default(75),
  /** ALB requests per target per minute; 0 turns this policy off. */
  requestsPerTarget: z.number().int().min(0).max(100000).default(1000),
  scaleOutCooldownSeconds: z.number().int().min(0).max(3600).default(60),
  scaleInCooldownSeconds: z.number().int().min(0).max(3600).default(300),
}).prefault({});

const redis = z
  .discriminatedUnion(
    "mode",
    [
      strict({ mode: z.literal("none") }),
      strict({
        mode: z.literal("existing"),
        /** The Redis server's security group: the service is let in on `port`. */
        securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: "expected a security group id such as sg-0123456789abcdef0" }),
        /** Given to Django as REDIS_URL. */
        url: z.string().regex(/^rediss?:\/\/[^\s]+$/, { error: "expected a redis:// or rediss:// URL" }),
        port: port.default(6379),
      }),
      strict({
        mode: z.literal("create"),
        nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected a node type such as cache.t4g.small" }).default("cache.t4g.small"),
        /** Replicas besides the primary; with one or more, failover is automatic and multi-AZ. */
        replicas: z.number().int().min(0).max(5).default(1),
        engineVersion: z.string().default("7.1"),
      }),
    ],
    { error: 'expected service.redis.mode: "none", "existing" or "create"' },
  )
  .default({ mode: "none" });

const serviceDiscovery = strict({
  /** The private DNS namespace; defaults to `<environment>.<app>.internal`. */
  namespace: hostname.optional(),
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: "expected a DNS label" }).default("web"),
  /** Who may call the service by its Cloud Map name: each gets one ingress rule to nginx's port. */
  clients: z
    .array(
      strict({
        securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: "expected a security group id such as sg-0123456789abcdef0" }),
        description: z.string().regex(/^[A-Za-z0-9 ._:/()#,@\[\]+=&;{}!$*-]{1,255}$/, { error: "expected a description of up to 255 characters AWS accepts" }),
      }),
    )
    .max(20, { error: "expected at most 20 clients (a security group holds 60 rules)" })
    .default([]),
  /** Workers and scheduled jobs of this manifest that may call the service by that name: one rule each. */
  clientTasks: z.array(z.string()).max(20, { error: "expected at most 20 client tasks" }).default([]),
}).prefault({});

/** CodeDeploy's predefined ECS traffic-shifting configurations, by short name. */
export const TRAFFIC_SHIFTING = {
  allAtOnce: "CodeDeployDefault.ECSAllAtOnce",
  canary10Percent5Minutes: "CodeDeployDefault.ECSCanary10Percent5Minutes",
  canary10Percent15Minutes: "CodeDeployDefault.ECSCanary10Percent15Minutes",
  linear10PercentEvery1Minute: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
  linear10PercentEvery3Minutes: "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
} as const;

export const deployment = strict({
  trafficShifting: z
    .enum(Object.keys(TRAFFIC_SHIFTING) as [keyof typeof TRAFFIC_SHIFTING], {
      error: `expected one of: ${Object.keys(TRAFFIC_SHIFTING).join(", ")}`,
    })
    .default("allAtOnce"),
  /** Minutes the old (blue) tasks keep running after traffic moves: the rollback window. */
  terminationWaitMinutes: z.number().int().min(0).max(2880).default(5),
  /** Minutes a release waits, on the test listener, for `aws deploy continue-deployment` before traffic moves; 0: no wait. */
  testTrafficWaitMinutes: z.number().int().min(0).max(2880).default(0),
  alarms: strict({
    /** Roll back when an alarm fires during a deployment. */
    enabled: z.boolean().default(true),
    http5xxPercent: z.number().min(0.1).max(100).default(5),
    targetResponseTimeSeconds: z.number().min(0.1).max(60).default(2),
    /** Email addresses told when an alarm fires or a deployment fails or rolls back (through an SNS topic). */
    notify: z.array(z.email({ error: "expected an email address" })).default([]),
  }).prefault({}),
}).prefault({});

export const serviceSchema = strict({
  /** Required on AWS; unused by a local (docker) environment. */
  domain: strict({
    /** The Route 53 hosted zone's id; no lookup is made. */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, { error: "expected a hosted zone id such as Z0123456789ABCDEFGHIJ" }),
    /** The zone's name, to check that every hostname lies in it. */
    zoneName: hostname,
    /** Names served by the load balancer; the first is the certificate's subject. */
    hostnames: z
      .array(hostname)
      .min(1, { error: "expected at least one hostname" })
      .max(5, { error: "expected at most 5 hostnames (a load balancer rule matches at most 5)" }),
  }).optional(),
  /** vCPU of one task (0.25 to 16). */
  cpu: z.number().default(0.5),
  /** MiB of memory of one task; must suit the CPU. */
  memory: z.number().int().default(1024),
  /** nginx's share of the task's CPU (0.15 is the seed's measured split); none by default. */
  cpuSplit: strict({ nginx: z.number().min(0.01).max(0.99) }).optional(),
  desiredCount: z.number().int().min(1).max(1000).default(2),
  platformVersion: z.string().regex(/^(LATEST|\d+\.\d+\.\d+)$/, { error: "expected LATEST or a version such as 1.4.0" }).default("1.4.0"),
  healthCheckGracePeriodSeconds: z.number().int().min(0).max(2147483647).default(60),
  // Letters, digits and . _ ~ - / only: the path is written into the containers' health check commands.
  healthCheckPath: z.string().regex(/^\/[A-Za-z0-9._~\/-]{0,255}$/, { error: "expected a path starting with / of letters, digits and . _ ~ - / (at most 256 characters)" }).default("/health/"),
  /**
   * `build`: `cdktf deploy` builds app/ and pushes the images tagged initialImageTag, so the service
   * starts with no manual step (needs Docker, and the stack can no longer be planned offline).
   * `none`: push them yourself before the first deploy.
   */
  initialImages: z.enum(["none", "build"], { error: 'expected "none" or "build"' }).default("none"),
  /** The image tag the first task definition runs; later releases set their own. */
  initialImageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "expected a Docker image tag" }).default("initial"),
  logRetentionDays: retentionDays.default(30),
  /** Images kept in each ECR repository. */
  keepImages: z.number().int().min(1).max(10000).default(30),
  /** ECS Exec (`aws ecs execute-command`) into the Django container, with encrypted, logged sessions. */
  exec: strict({
    enabled: z.boolean().default(false),
    /** Days the session logs are kept. */
    logRetentionDays: retentionDays.default(365),
  }).prefault({}),
  django,
  nginx,
  loadBalancer,
  autoScaling,
  redis,
  serviceDiscovery,
  deployment,
});

export type ServiceManifest = z.infer<typeof serviceSchema>;
