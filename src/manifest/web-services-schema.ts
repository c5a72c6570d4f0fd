/**
 * The manifest's `webServices` section: more web services on the `service`'s load balancer, each routed
 * by host or path, with its own target groups, tasks and CodeDeploy deployment group. They run the same
 * Django and nginx images as the service. Every key is documented in docs/manifest.md.
 */
import { z } from "zod";
import { strict } from "./schema-parts";
import { autoScaling, deployment, envName, hostname, secretArn } from "./service-schema";

/** A web service's name: part of its ECS service, target group and deployment group names. */
export const webServiceName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/, { error: "expected a name of 2 to 12 lowercase letters, digits and hyphens, starting with a letter" });

/** An ALB path pattern: case-sensitive, `*` and `?` as wildcards, at most 128 characters. */
const pathPattern = z
  .string()
  .regex(/^\/[A-Za-z0-9_\-.$\/~"'@:+?*&=]{0,127}$/, { error: "expected a path pattern such as /api/* (starting with /, at most 128 characters)" });

const routing = strict({
  /** Hostnames whose requests it takes: the service's own, or more in the same zone (added to the certificate and DNS). */
  hosts: z.array(hostname).default([]),
  /** Path patterns whose requests it takes: on `hosts`, or else on the service's hostnames. */
  paths: z.array(pathPattern).default([]),
  /** The listener rule's priority (1-99, lower first); by default 10, 20, 30... in the order of `webServices`. */
  priority: z.number().int().min(1).max(99, { error: "expected 1 to 99: the service's own rule is 100, which catches the rest" }).optional(),
});

export const webServiceSchema = strict({
  routing,
  /** vCPU of one task (0.25 to 16). */
  cpu: z.number().default(0.5),
  /** MiB of memory of one task; must suit the CPU. */
  memory: z.number().int().default(1024),
  desiredCount: z.number().int().min(1).max(1000).default(2),
  /** Added to (and overriding) service.django's command, environment and secrets. */
  django: strict({
    command: z.array(z.string()).min(1).optional(),
    environment: z.record(envName, z.string()).default({}),
    secrets: z.record(envName, secretArn).default({}),
  }).prefault({}),
  autoScaling,
  /** Its own CodeDeploy settings; the same keys and defaults as service.deployment. */
  deployment,
});

export type WebServiceManifest = z.infer<typeof webServiceSchema>;

export const webServicesSection = {
  /** More web services on the service's load balancer, routed by host or path (docs/services.md). */
  webServices: z.record(webServiceName, webServiceSchema).default({}),
};
