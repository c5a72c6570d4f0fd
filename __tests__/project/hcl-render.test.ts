/**
 * cdktf 0.21's HCL renderer, as patched by patches/cdktf+0.21.0.patch: what
 * the unpatched one garbled. (The offline plan test proves HCL == JSON on the
 * real stacks; these cases pin down the renderer itself.)
 */
import { renderAttributes } from "cdktf/lib/hcl/render";

const stringAttribute = (value: string) => ({ a: { value, type: "simple", storageClassType: "string" } });

describe("the patched HCL renderer", () => {
  it("escapes quotes and backslashes in a JSON document with references", () => {
    expect(renderAttributes(stringAttribute('{"Resource":"${aws_s3_bucket.b.arn}/*","Path":"C:\\\\x"}'))).toBe(
      'a = "{\\"Resource\\":\\"${aws_s3_bucket.b.arn}/*\\",\\"Path\\":\\"C:\\\\\\\\x\\"}"',
    );
  });

  it("leaves quotes inside an interpolation alone", () => {
    expect(renderAttributes(stringAttribute('x${lookup(var.m, "k}", "d")}"y'))).toBe('a = "x${lookup(var.m, "k}", "d")}\\"y"');
  });

  it("keeps escaped template sequences literal", () => {
    expect(renderAttributes(stringAttribute('$${literal} "q"'))).toBe('a = "$${literal} \\"q\\""');
  });

  it("renders a string that looks like JSON as a string, not an object", () => {
    expect(renderAttributes({ policy: '{"Version":"2012-10-17"}' })).toBe('policy = "{\\"Version\\":\\"2012-10-17\\"}"');
  });

  it("uses a heredoc only when the text ends in a newline, since a heredoc adds one", () => {
    expect(renderAttributes(stringAttribute("one\ntwo\n"))).toBe("a = <<EOF\none\ntwo\nEOF");
    expect(renderAttributes(stringAttribute("one\ntwo"))).toBe('a = "one\\ntwo"');
  });

  it("writes references in depends_on and lifecycle bare", () => {
    expect(renderAttributes({ depends_on: ["aws_vpc.main"], lifecycle: { ignore_changes: ["desired_count"] } })).toBe(
      "depends_on = [\naws_vpc.main,\n]\nlifecycle {\n  ignore_changes = [\ndesired_count,\n]\n}",
    );
  });

  it("writes lifecycle postconditions as blocks with a bare condition (the local stack's one-off runs)", () => {
    const lifecycle = { postcondition: [{ condition: "${self.exit_code == 0}", error_message: 'Exited with ${self.exit_code}: "docker logs x".' }] };
    expect(renderAttributes({ lifecycle })).toBe('lifecycle {\n  postcondition {\n    condition = self.exit_code == 0\n    error_message = "Exited with ${self.exit_code}: \\"docker logs x\\"."\n  }\n}');
  });
});
