/**
 * Where the sample app's build contexts are, as a synthesized stack sees
 * them: stacks run in cdktf.out/stacks/<stack>/, three levels below the
 * project root. Relative, so the output is the same on every machine.
 */
export function appPath(...parts: string[]): string {
  return ["../../../app", ...parts].join("/");
}
