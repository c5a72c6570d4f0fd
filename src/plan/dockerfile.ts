/**
 * A Dockerfile, read the way `docker build` reads it: stages, instructions and the final image's
 * run-time settings (USER, WORKDIR, ENV, ENTRYPOINT/CMD, VOLUME, STOPSIGNAL). Pure: no files, no Docker.
 * The boot lane runs containers from this instead of restating the Dockerfiles by hand.
 */

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** 1-based line of the keyword, for messages. */
  line: number;
}

export interface DockerStage {
  /** `FROM image AS name`: the name, if any. */
  name?: string;
  from: string;
  instructions: DockerInstruction[];
}

export interface ImageConfig {
  user?: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  volumes: string[];
  stopSignal: string;
}

/** Splits a Dockerfile into stages of instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i];
    if (/^\s*(#|$)/.test(logical)) continue;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i])) continue; // comments inside a continuation are dropped
      logical = logical.replace(/\\\s*$/, " ") + lines[i];
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(logical);
    if (!match) throw new Error(`line ${start + 1}: not an instruction`);
    const instruction = { keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 };
    if (instruction.keyword === "FROM") {
      const [from, as, name] = instruction.args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (instruction.keyword === "ARG" && stages.length === 0) {
      continue; // an ARG before FROM only parameterises FROM
    } else {
      if (stages.length === 0) throw new Error(`line ${start + 1}: ${instruction.keyword} before FROM`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new Error("no FROM instruction");
  return stages;
}

/** `$NAME` and `${NAME}` replaced from `vars`, as Docker expands ENV, WORKDIR, COPY, USER and VOLUME. */
export function expand(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => vars[a ?? b] ?? "");
}

/** A JSON array (exec form), or the shell form run by /bin/sh -c. */
export function commandForm(args: string): string[] {
  if (args.startsWith("[")) return JSON.parse(args) as string[];
  return args ? ["/bin/sh", "-c", args] : [];
}

/** `KEY=value KEY2="v 2"` (or the legacy `KEY value`) as pairs, quotes removed. */
export function keyValuePairs(args: string): [string, string][] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return [[key, rest.join(" ")]];
  }
  const pairs: [string, string][] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of args.matchAll(pattern)) {
    const raw = m[2];
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw.startsWith("'") ? raw.slice(1, -1) : raw;
    pairs.push([m[1], value]);
  }
  return pairs;
}

/**
 * Walks one stage's instructions, calling `visit` with the variables in scope at each (ARG values
 * from `buildArgs` or their defaults, then ENV), and returns the image's run-time settings.
 */
export function walkStage(
  stage: DockerStage,
  buildArgs: Record<string, string> = {},
  visit: (instruction: DockerInstruction, scope: { vars: Record<string, string>; workdir: string }) => void = () => {},
): ImageConfig {
  const args: Record<string, string> = {};
  const config: ImageConfig = { workdir: "/", env: {}, entrypoint: [], cmd: [], volumes: [], stopSignal: "SIGTERM" };
  let cmdSetHere = false;
  for (const instruction of stage.instructions) {
    const vars = { ...args, ...config.env };
    const value = instruction.args;
    switch (instruction.keyword) {
      case "ARG": {
        const [[name, fallback]] = keyValuePairs(value.includes("=") ? value : `${value}=`);
        args[name] = buildArgs[name] ?? expand(fallback, vars);
        break;
      }
      case "ENV":
        for (const [k, v] of keyValuePairs(value)) config.env[k] = expand(v, vars);
        break;
      case "WORKDIR": {
        const dir = expand(value, vars);
        config.workdir = dir.startsWith("/") ? dir : `${config.workdir.replace(/\/$/, "")}/${dir}`;
        break;
      }
      case "USER":
        config.user = expand(value, vars);
        break;
      case "ENTRYPOINT":
        config.entrypoint = commandForm(value);
        if (!cmdSetHere) config.cmd = []; // Docker: ENTRYPOINT resets a CMD inherited from the base image
        break;
      case "CMD":
        config.cmd = commandForm(value);
        cmdSetHere = true;
        break;
      case "VOLUME":
        config.volumes.push(...(value.startsWith("[") ? (JSON.parse(value) as string[]) : value.split(/\s+/)).map((v) => expand(v, vars)));
        break;
      case "STOPSIGNAL":
        config.stopSignal = /^\d+$/.test(value) ? value : value.startsWith("SIG") ? value : `SIG${value}`;
        break;
    }
    visit(instruction, { vars, workdir: config.workdir });
  }
  return config;
}
