/**
 * cdktf 0.21's TerraformStack.toTerraform, as patched by patches/cdktf+0.21.0.patch: each element is
 * resolved once, not again in the merged config. What still arrives unresolved, the stack's own overrides
 * and metadata, must come out resolved, and a deletion override must still delete. (The snapshot tests
 * prove the real stacks unchanged.)
 */
import { App, Lazy, TerraformOutput, TerraformStack } from "cdktf";

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
});
