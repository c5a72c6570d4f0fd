/**
 * cdktf 0.21's token resolution, as patched by patches/cdktf+0.21.0.patch. TerraformStack.toTerraform
 * resolves each element once, not again in the merged config: what still arrives unresolved, the stack's
 * own overrides and metadata, must come out resolved, and a deletion override must still delete. A string
 * without a token marker skips the token scans: every kind of token in a string, key or list must still
 * resolve. (The snapshot tests prove the real stacks unchanged.)
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
});
