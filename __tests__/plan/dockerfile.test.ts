import { readFileSync } from "fs";
import { join } from "path";
import { commandForm, expand, keyValuePairs, parseDockerfile, walkStage } from "../../src/plan/dockerfile";

const APP = join(__dirname, "..", "..", "app");

describe("parseDockerfile", () => {
  it("splits stages, joins continuations and drops comments, keeping each keyword's line", () => {
    const stages = parseDockerfile("# top\nARG BASE=x\nFROM a:1 AS build\nRUN one \\\n  # inside\n  two\nFROM b:2\nCOPY --from=build /o /o\n");
    expect(stages.map((s) => [s.name, s.from])).toEqual([["build", "a:1"], [undefined, "b:2"]]);
    expect(stages[0].instructions).toEqual([{ keyword: "RUN", args: "one    two", line: 4 }]);
    expect(stages[1].instructions[0]).toEqual({ keyword: "COPY", args: "--from=build /o /o", line: 8 });
  });

  it("refuses a file with no FROM, or an instruction before it", () => {
    expect(() => parseDockerfile("# nothing\n")).toThrow("no FROM instruction");
    expect(() => parseDockerfile("RUN x\nFROM a\n")).toThrow("line 1: RUN before FROM");
  });
});

describe("walkStage", () => {
  const config = (text: string, args: Record<string, string> = {}) => {
    const stages = parseDockerfile(text);
    return walkStage(stages[stages.length - 1], args);
  };

  it("reads USER, WORKDIR (relative ones appended), ENV (both forms, quotes, expansion), VOLUME and STOPSIGNAL", () => {
    const c = config('FROM x\nARG PORT=80\nENV A=1 B="two words" C=${PORT}\nENV LEGACY some value\nWORKDIR /app\nWORKDIR sub\nUSER 10001\nVOLUME ["/tmp"]\nVOLUME /data /cache\nSTOPSIGNAL QUIT\n', { PORT: "8080" });
    expect(c).toMatchObject({ user: "10001", workdir: "/app/sub", volumes: ["/tmp", "/data", "/cache"], stopSignal: "SIGQUIT" });
    expect(c.env).toEqual({ A: "1", B: "two words", C: "8080", LEGACY: "some value" });
  });

  it("follows Docker on ENTRYPOINT and CMD: the shell form runs /bin/sh -c, ENTRYPOINT resets only an inherited CMD", () => {
    expect(config('FROM x\nENTRYPOINT []\nCMD ["nginx", "-g", "daemon off;"]\n')).toMatchObject({ entrypoint: [], cmd: ["nginx", "-g", "daemon off;"] });
    expect(config("FROM x\nCMD gunicorn app\n").cmd).toEqual(["/bin/sh", "-c", "gunicorn app"]);
    expect(config('FROM x\nCMD ["a"]\nENTRYPOINT ["e"]\n')).toMatchObject({ entrypoint: ["e"], cmd: ["a"] });
  });

  it("reads the sample images as the boot lane runs them", () => {
    const django = walkStage(parseDockerfile(readFileSync(join(APP, "django", "Dockerfile"), "utf8"))[0]);
    expect(django).toMatchObject({ user: "10001", workdir: "/app", volumes: ["/tmp"], cmd: ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"] });
    const nginxStages = parseDockerfile(readFileSync(join(APP, "nginx", "Dockerfile"), "utf8"));
    const nginx = walkStage(nginxStages[nginxStages.length - 1], { NGINX_PORT: "8080" });
    expect(nginx).toMatchObject({ entrypoint: [], stopSignal: "SIGQUIT", env: { STATIC_ROOT: "/usr/share/nginx/static" } });
  });
});

describe("helpers", () => {
  it("expands $NAME and ${NAME}, unknown names to empty", () => {
    expect(expand("${A}/$B/${C}", { A: "a", B: "b" })).toBe("a/b/");
  });
  it("reads exec and shell forms and key=value pairs", () => {
    expect(commandForm('["a", "b c"]')).toEqual(["a", "b c"]);
    expect(commandForm("")).toEqual([]);
    expect(keyValuePairs("K='single q' J=x")).toEqual([["K", "single q"], ["J", "x"]]);
  });
});
