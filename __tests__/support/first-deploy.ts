/**
 * Stand-ins for scripts/first-deploy.js's tests: no AWS account and no Docker daemon here, so aws, docker,
 * npm, npx and terraform record each call and answer from a list of what exists (FAKE_EXISTING), failing
 * the command FAKE_FAIL names.
 */
import { chmodSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { loadProject } from "../../src/manifest/load";
import { releaseConfig } from "../../src/release/release-config";
import { tempDir } from "./app";
import { FIXTURE_ENVIRONMENTS, synthesizeProject } from "./project";

export const FIRST_DEPLOY = join(__dirname, "..", "..", "scripts", "first-deploy.js");

// Records `<command> <args>` (and BOOTSTRAP_STATE when set); answers from FAKE_EXISTING; fails FAKE_FAIL.
// POSIX sh rather than Node.js: a first deploy calls these a few dozen times per test, and each Node.js
// start cost about 50 ms of CPU.
const FAKE = `
cmd=$1
shift
if [ $# -eq 0 ]; then line=$cmd; else line="$cmd $*"; fi
if [ -n "$BOOTSTRAP_STATE" ]; then printf '%s\\n' "BOOTSTRAP_STATE=$BOOTSTRAP_STATE $line" >> "$FAKE_LOG"; else printf '%s\\n' "$line" >> "$FAKE_LOG"; fi
exists() { case ",$FAKE_EXISTING," in *",$1,"*) return 0 ;; esac; return 1; }
# The argument after the option named $1.
arg() { want=$1; shift; previous=; for a in "$@"; do if [ "$previous" = "$want" ]; then printf '%s' "$a"; return; fi; previous=$a; done; }
if [ -n "$FAKE_FAIL" ]; then case "$line" in "$FAKE_FAIL"*) exit 1 ;; esac; fi
[ "$cmd" = aws ] || exit 0
case "$1" in
ssm) filter=$(arg --parameter-filters "$@"); if exists "parameter:\${filter#Key=Name,Values=}"; then echo 1; else echo 0; fi; exit 0 ;;
secretsmanager) if exists "secret:$(arg --secret-id "$@")"; then echo 1; exit 0; fi; exit 254 ;;
s3api) if exists "bucket:$(arg --bucket "$@")"; then exit 0; fi; exit 254 ;;
ecr)
  if [ "$2" = describe-images ]; then tag=$(arg --image-ids "$@"); if exists "image:$(arg --repository-name "$@"):\${tag#imageTag=}"; then exit 0; fi; exit 254; fi
  if [ "$2" = get-login-password ]; then echo token; exit 0; fi ;;
esac
exit 2
`;

/**
 * A project folder holding the fixture staging's synthesized stack and release settings, and two folders of
 * stand-ins to put first on PATH: `bin` (aws, docker, npm, npx, terraform) and `binWithoutAws` (the same but
 * aws, for the real AWS CLI).
 */
export async function firstDeployProject(): Promise<{ project: string; bin: string; binWithoutAws: string }> {
  const project = tempDir("first-deploy-");
  const staging = (await synthesizeProject()).find((s) => s.name === "staging")!;
  mkdirSync(join(project, "cdktf.out", "stacks", "staging"), { recursive: true });
  writeFileSync(join(project, "cdktf.out", "stacks", "staging", "cdk.tf.json"), JSON.stringify(staging.json));
  const env = loadProject(FIXTURE_ENVIRONMENTS).environments.find((e) => e.manifest.environment === "staging")!;
  mkdirSync(join(project, "release", "staging"), { recursive: true });
  writeFileSync(join(project, "release", "staging", "release.json"), JSON.stringify(releaseConfig((env as any).plan)));
  const bin = join(project, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "fake.sh"), FAKE);
  const binWithoutAws = join(project, "bin-without-aws");
  mkdirSync(binWithoutAws);
  for (const cmd of ["aws", "docker", "npm", "npx", "terraform"]) {
    for (const dir of cmd === "aws" ? [bin] : [bin, binWithoutAws]) {
      writeFileSync(join(dir, cmd), `#!/bin/sh\nexec /bin/sh "${join(bin, "fake.sh")}" ${cmd} "$@"\n`);
      chmodSync(join(dir, cmd), 0o755);
    }
  }
  return { project, bin, binWithoutAws };
}
