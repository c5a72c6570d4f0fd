/**
 * What synth would accept and AWS refuse at apply, or what would leak or silently lose a value:
 * AWS's documented limits (tags, bucket names, reserved address ranges, image references, the task
 * definition's size), secrets written as plain values, and values the project derives itself.
 */
import { overlaps, parseCidr } from "../plan/cidr";
import { REDIS_URL_VARIABLE } from "../plan/service";
import type { AwsManifest, DockerManifest } from "./schema";
import type { ManifestProblem } from "./validate";

/** The tags the project puts on every resource besides the manifest's own (app, environment, managed-by). */
const PROJECT_TAGS = 3;
const MAX_TAGS = 50;
/** Characters AWS allows in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Ranges no VPC may use: "this network", loopback, link-local, multicast and reserved. */
const RESERVED_RANGES: [string, string][] = [
  ["0.0.0.0/8", "'this network'"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (the instance metadata service lives there)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

/** An image reference: [registry[:port]/]path[:tag][@sha256:digest], lowercase path. */
const IMAGE = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** ECS refuses a task definition whose container definitions exceed 64 KiB; leave room for the derived parts. */
const MAX_CONTAINER_TEXT = 48 * 1024;

/** Plain-text values that are secrets all the same. */
const SECRET_VALUES: [RegExp, string][] = [
  [/[a-z][a-z0-9+.-]{0,30}:\/\/[^/\s:@]{1,256}:[^@\s/]{1,256}@/i, "a URL with a password"], // bounded: no slow backtracking
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
];

export function findLimitProblem(manifest: AwsManifest | DockerManifest): ManifestProblem | undefined {
  if (manifest.platform === "aws") return checkTags(manifest) ?? checkNetwork(manifest) ?? checkBuckets(manifest) ?? checkService(manifest);
  return checkService(manifest);
}

function checkTags({ tags }: AwsManifest): ManifestProblem | undefined {
  const keys = Object.keys(tags);
  if (keys.length + PROJECT_TAGS > MAX_TAGS) {
    return { path: "tags", message: `${keys.length} tags plus the ${PROJECT_TAGS} the project adds exceed AWS's ${MAX_TAGS} per resource; expected at most ${MAX_TAGS - PROJECT_TAGS}` };
  }
  for (const key of keys) {
    if (!TAG_TEXT.test(key) || key.length === 0) return { path: `tags.${key}`, message: "expected a tag key of letters, digits, spaces and _ . : / = + - @" };
    if (!TAG_TEXT.test(tags[key])) return { path: `tags.${key}`, message: "expected a tag value of letters, digits, spaces and _ . : / = + - @" };
  }
  return undefined;
}

function checkNetwork({ network }: AwsManifest): ManifestProblem | undefined {
  const blocks: [string, string][] =
    network.type === "new" ? [["network.cidr", network.cidr]] : [...network.cidrBlocks.map((c, i): [string, string] => [`network.cidrBlocks[${i}]`, c]), ...(network.secondaryCidr ? [["network.secondaryCidr", network.secondaryCidr] as [string, string]] : [])];
  for (const [path, block] of blocks) {
    const reserved = RESERVED_RANGES.find(([range]) => overlaps(parseCidr(block), parseCidr(range)));
    if (reserved) return { path, message: `${block} overlaps ${reserved[0]}, ${reserved[1]}; expected a private range such as 10.0.0.0/16` };
  }
  return undefined;
}

/** S3's naming rules beyond the characters and length the schema checks. */
export function bucketNameProblem(name: string): string | undefined {
  if (/\.\.|\.-|-\./.test(name)) return `"${name}" has two periods, or a period next to a hyphen; expected labels of letters, digits and hyphens`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `"${name}" is formatted as an IP address; expected a bucket name`;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return `"${name}" uses a prefix or suffix S3 reserves; expected another name`;
  return undefined;
}

function checkBuckets(manifest: AwsManifest): ManifestProblem | undefined {
  const named: [string, string | undefined][] = [["state.bucket", manifest.state.backend === "s3" ? manifest.state.bucket : undefined]];
  const logs = manifest.service?.loadBalancer.accessLogs as { bucket?: string } | undefined;
  named.push(["service.loadBalancer.accessLogs.bucket", logs?.bucket]);
  for (const [path, name] of named) {
    const problem = name && bucketNameProblem(name);
    if (problem) return { path, message: problem };
  }
  return undefined;
}

function checkService(manifest: AwsManifest | DockerManifest): ManifestProblem | undefined {
  const service = manifest.service;
  if (!service) return undefined;
  for (const name of ["django", "nginx"] as const) {
    const image = service[name].image;
    if (image !== undefined && !IMAGE.test(image)) {
      return { path: `service.${name}.image`, message: "expected an image reference such as public.ecr.aws/nginx/nginx:1.28 (registry/path:tag or @sha256:digest)" };
    }
  }
  const derived = ["ALLOWED_HOSTS", "HEALTH_CHECK_PATH", ...(service.redis.mode !== "none" ? [REDIS_URL_VARIABLE] : [])];
  // The service's Django settings, and those added on top of them by each routed web service, worker and job.
  const settings: [string, { environment: Record<string, string>; command?: string[] }][] = [
    ["service.django", service.django],
    ...(manifest.platform === "aws" ? Object.entries(manifest.webServices).map(([name, w]): [string, typeof w.django] => [`webServices.${name}.django`, w.django]) : []),
    ...Object.entries(manifest.workers).map(([name, w]): [string, typeof w] => [`workers.${name}`, w]),
    ...Object.entries(manifest.scheduled).map(([name, j]): [string, typeof j] => [`scheduled.${name}`, j]),
  ];
  for (const [at, spec] of settings) {
    const problem = checkSettings(at, spec, derived, manifest.platform === "aws");
    if (problem) return problem;
  }
  return undefined;
}

function checkSettings(at: string, spec: { environment: Record<string, string>; command?: string[] }, derived: string[], aws: boolean): ManifestProblem | undefined {
  const { environment } = spec;
  const size = JSON.stringify({ environment, command: spec.command ?? [] }).length;
  if (size > MAX_CONTAINER_TEXT) {
    return { path: `${at}.environment`, message: `is ${size} bytes; expected at most ${MAX_CONTAINER_TEXT} (ECS refuses a task definition over 64 KiB: keep large values in S3 or SSM)` };
  }
  const overridden = derived.find((name) => name in environment);
  if (overridden) {
    const from = { ALLOWED_HOSTS: "service.domain.hostnames and the Cloud Map name", HEALTH_CHECK_PATH: "service.healthCheckPath", [REDIS_URL_VARIABLE]: "service.redis" }[overridden];
    return { path: `${at}.environment.${overridden}`, message: `is set by the project from ${from}; expected to leave it out (change ${from} instead)` };
  }
  if (!aws) return undefined;
  for (const [name, value] of Object.entries(environment)) {
    const secret = SECRET_VALUES.find(([pattern]) => pattern.test(value));
    if (secret) return { path: `${at}.environment.${name}`, message: `holds ${secret[1]} in plain text; expected the secret under ${at}.secrets, by ARN` };
  }
  return undefined;
}
