/**
 * cdktf 0.21's token resolution, as patched by patches/cdktf+0.21.0.patch. TerraformStack.toTerraform
 * resolves each element once, not again in the merged config: what still arrives unresolved, the stack's
 * own overrides and metadata, must come out resolved, and a deletion override must still delete. A string
 * without a token marker skips the token scans: every kind of token in a string, key or list must still
 * resolve. A plain element of an object or list resolves to itself and the others share one context per
 * parent: tokens at any depth, in nested objects, lists and token values, must still resolve. (The
 * snapshot tests prove the real stacks unchanged.)
 */
import { App, Lazy, TerraformOutput, TerraformStack, Token } from "cdktf";

describe("the patched stack synthesis", () => {
  it("resolves the stack's own overrides and keeps their deletions", () => {
    const stack = new TerraformStack(new App({ stackTraces: false }), "s");
    const name = new TerraformOutput(stack, "name", { value: Lazy.stringValue({ produce: () => "from-a-token" }), description: "deleted" });
    stack.addOverride("terraform.required_version", Lazy.stringValue({ produce: () => ">= 1.10.0" }));
    stack.addOverride("locals", { tag: Lazy.stringValue({ produce: () => `${name.friendlyUniqueId}-tag` }) });
    stack.addOverride("output.name.sensitive", true);
    stack.addOverride("output.name.description", undefined); // a deletion
    const config = stack.toTerraform();
    expect(config.terraform.required_version).toBe(">= 1.10.0");
    expect(config.locals).toEqual({ tag: "name-tag" });
    expect(config.output.name).toEqual({ value: "from-a-token", sensitive: true });
    expect(JSON.stringify(config)).not.toMatch(/\$\{Token|TfToken/);
  });

  it("resolves every token in strings, keys and lists, and leaves token-like text alone", () => {
    const stack = new TerraformStack(new App({ stackTraces: false }), "s");
    const name = Lazy.stringValue({ produce: () => "web" });
    const count = Token.asNumber(Lazy.numberValue({ produce: () => 3 }));
    const zones = Lazy.listValue({ produce: () => ["a", "b"] });
    stack.addOverride("locals", {
      text: `${name} runs ${count} tasks`,
      count: `${count} tasks`,
      [`key-${name}`]: "value",
      list: ["plain", `${name}`, "1e5-looks-like-a-number", "${not.a.token}"],
      zones,
      number: count,
    });
    expect(stack.toTerraform().locals).toEqual({
      text: "web runs 3 tasks",
      count: "3 tasks",
      "key-web": "value",
      list: ["plain", "web", "1e5-looks-like-a-number", "${not.a.token}"],
      zones: ["a", "b"],
      number: 3,
    });
  });

  it("resolves tokens nested in objects, lists and other tokens' values, and keeps plain values as they are", () => {
    const stack = new TerraformStack(new App({ stackTraces: false }), "s");
    const port = Token.asNumber(Lazy.numberValue({ produce: () => 443 }));
    const inner = Lazy.anyValue({ produce: () => ({ enabled: Lazy.anyValue({ produce: () => true }), ports: [port, 80] }) });
    stack.addOverride("locals", {
      plain: { on: true, off: false, none: null, zero: 0, ratio: 0.5, big: 1e21, list: [1, "a", false, null] },
      nested: { deeper: { listener: { port, protocol: "HTTPS" } }, rules: [{ ports: [port] }, { inner }] },
    });
    expect(stack.toTerraform().locals).toEqual({
      plain: { on: true, off: false, none: null, zero: 0, ratio: 0.5, big: 1e21, list: [1, "a", false, null] },
      nested: { deeper: { listener: { port: 443, protocol: "HTTPS" } }, rules: [{ ports: [443] }, { inner: { enabled: true, ports: [443, 80] } }] },
    });
  });

  it("still refuses a structure nested too deep to be anything but a cycle", () => {
    const stack = new TerraformStack(new App({ stackTraces: false }), "s");
    let deep: Record<string, unknown> = { leaf: "x" };
    for (let i = 0; i < 210; i++) deep = { next: deep };
    stack.addOverride("locals", { deep });
    expect(() => stack.toTerraform()).toThrow(/circular reference/i);
  });
});
