/**
 * Reads environments/*.yaml into validated manifests and their plans. Every
 * failure is a ManifestError whose message is one line: file, key, expectation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { basename, extname, join, relative } from "path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { BootstrapPlan, planBootstrap } from "../plan/bootstrap";
import { EnvironmentPlan, planEnvironment, PlanError } from "../plan/environment";
import { assignOidcProviders, assignTerraformCloudOidcProviders } from "../plan/github-oidc";
import { LocalPlan, planLocal } from "../plan/local";
import { AwsManifest, DockerManifest, manifestSchema } from "./schema";
import { findCrossEnvironmentProblem } from "./cross-environment";
import { findProblem } from "./validate";

/** The environment variable that names another manifest folder. */
export const ENVIRONMENTS_DIR_VARIABLE = "ENVIRONMENTS_DIR";
export const DEFAULT_ENVIRONMENTS_DIR = "environments";

/** Manifests are small; a larger file is a mistake (or an attack on the parser). */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Stack names the app makes itself: an environment may not take one. */
const RESERVED_ENVIRONMENTS = ["bootstrap"];

/** One line, whatever the input held: control characters escaped, a long echo shortened in the middle. */
export class ManifestError extends Error {
  constructor(message: string) {
    const line = message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
    super(line.length > 600 ? `${line.slice(0, 300)} … ${line.slice(-250)}` : line);
  }
}

/** An environment on AWS, planned. */
export interface AwsEnvironment {
  platform: "aws";
  /** The manifest's path as given to the loader. */
  file: string;
  manifest: AwsManifest;
  plan: EnvironmentPlan;
}

/** A local environment (Docker), planned. */
export interface LocalEnvironment {
  platform: "docker";
  file: string;
  manifest: DockerManifest;
  plan: LocalPlan;
}

export type LoadedEnvironment = AwsEnvironment | LocalEnvironment;

export function environmentsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENVIRONMENTS_DIR_VARIABLE] || DEFAULT_ENVIRONMENTS_DIR;
}

export interface Project {
  environments: LoadedEnvironment[];
  /** Undefined when no environment keeps its state in S3. */
  bootstrap?: BootstrapPlan;
}

/** Every environment in `dir`, and the state buckets they need. */
export function loadProject(dir: string): Project {
  const environments = loadEnvironments(dir);
  const clash = findCrossEnvironmentProblem(environments.filter((e): e is AwsEnvironment => e.platform === "aws"));
  if (clash) throw new ManifestError(`${display(clash.file)}: ${clash.path}: ${clash.message.replace(/\(([^()]*)\)$/, (_, f) => `(${display(f)})`)}`);
  try {
    const aws = environments.filter((e): e is AwsEnvironment => e.platform === "aws");
    const bootstrap = planBootstrap(aws);
    assignOidcProviders(aws, bootstrap);
    assignTerraformCloudOidcProviders(aws);
    return { environments, bootstrap };
  } catch (e) {
    if (e instanceof PlanError) throw new ManifestError(`${display(e.file ?? dir)}: ${e.path}: ${e.message}`);
    throw e;
  }
}

/** Every manifest in `dir`, sorted by file name. */
export function loadEnvironments(dir: string): LoadedEnvironment[] {
  const shown = display(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ManifestError(
      `${shown}: folder not found; expected a folder of <environment>.yaml manifests (set ${ENVIRONMENTS_DIR_VARIABLE} to use another)`,
    );
  }
  const files = readdirSync(dir)
    .filter((f) => [".yaml", ".yml"].includes(extname(f)))
    .sort();
  if (files.length === 0) {
    throw new ManifestError(`${shown}: no manifests; expected at least one <environment>.yaml file`);
  }
  const names = files.map((f) => basename(f, extname(f)));
  const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (twice >= 0) {
    throw new ManifestError(`${display(join(dir, files[twice]))}: environment ${names[twice]} is also ${files[names.indexOf(names[twice])]}; expected one file per environment`);
  }
  return files.map((f) => loadEnvironment(join(dir, f)));
}

export function loadEnvironment(file: string): LoadedEnvironment {
  const shown = display(file);
  const fail = (path: string, message: string) => new ManifestError(`${shown}: ${path}: ${message}`);
  const data = parseYaml(file, shown);
  const parsed = manifestSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(issuePath(issue), issueMessage(issue));
  }
  const manifest = parsed.data;
  const expectedName = basename(file, extname(file));
  if (manifest.environment !== expectedName) {
    throw fail("environment", `expected "${expectedName}" (the file's name), got "${manifest.environment}"`);
  }
  if (RESERVED_ENVIRONMENTS.includes(manifest.environment)) {
    throw fail("environment", `"${manifest.environment}" is the name of the stack that holds the state buckets; expected another name (and file name)`);
  }
  const problem = findProblem(manifest);
  if (problem) throw fail(problem.path, problem.message);
  try {
    return manifest.platform === "docker"
      ? { platform: "docker", file, manifest, plan: planLocal(manifest) }
      : { platform: "aws", file, manifest, plan: planEnvironment(manifest) };
  } catch (e) {
    if (e instanceof PlanError) throw fail(e.path, e.message);
    throw e;
  }
}

function parseYaml(file: string, shown: string): unknown {
  if (!existsSync(file)) throw new ManifestError(`${shown}: file not found; expected an environment manifest`);
  // Checked before reading: a folder cannot be read, and reading a pipe would wait forever.
  const stat = statSync(file);
  if (!stat.isFile()) throw new ManifestError(`${shown}: not a regular file; expected a YAML manifest`);
  if (stat.size > MAX_MANIFEST_BYTES) throw new ManifestError(`${shown}: ${stat.size} bytes; expected a manifest under ${MAX_MANIFEST_BYTES} bytes`);
  const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true, prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos ? `:${error.linePos[0].line}:${error.linePos[0].col}` : "";
    const message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ManifestError(`${shown}${at}: invalid YAML: ${message}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The yaml library refuses alias expansions that would grow without bound ("billion laughs").
    throw new ManifestError(`${shown}: invalid YAML: ${e instanceof Error ? e.message : e}; expected at most 100 alias expansions`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ManifestError(`${shown}: (top level): expected a mapping of keys such as app, environment, aws`);
  }
  return data;
}

function issuePath(issue: z.core.$ZodIssue): string {
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // A bad key of a mapping (a worker's or web service's name): say what the key should look like.
  if (issue.code === "invalid_key" && issue.issues[0]) return issueMessage(issue.issues[0]);
  const message = issue.message.replace(/^Invalid input: /, "");
  if (issue.code === "invalid_type" && issue.input === undefined) return `missing; ${message.replace(/, received undefined$/, "")}`;
  return message;
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}
