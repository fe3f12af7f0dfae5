// RFC 6901 reference tokens: one escape and one unescape, used by the patches, plan groups, schema messages,
// `$ref`s of identity schemas and the manifest's schema messages.
import fc from "fast-check";
import { pointerToPath } from "../../../src/manifest/path";
import { leafChanges } from "../../../src/reconcile/core/groups";
import { escapePointerSegment, parsePointer, pointer, unescapePointerSegment } from "../../../src/reconcile/core/json";
import { resolveRef } from "../../../src/reconcile/core/normalize";
import { schemaIssues } from "../../../src/reconcile/core/schema-check";

describe("JSON pointer segments", () => {
  it("unescape ~1 and ~0 in one pass", () => {
    expect(unescapePointerSegment("a~1b")).toBe("a/b");
    expect(unescapePointerSegment("~01")).toBe("~1");
    expect(unescapePointerSegment("~10")).toBe("/0");
    expect(unescapePointerSegment("~0~1")).toBe("~/");
    expect(unescapePointerSegment("~00")).toBe("~0");
    expect(unescapePointerSegment("a~b~")).toBe("a~b~");
    expect(unescapePointerSegment("")).toBe("");
  });

  it("escape ~ before /", () => {
    expect(escapePointerSegment("a/b")).toBe("a~1b");
    expect(escapePointerSegment("~1")).toBe("~01");
    expect(escapePointerSegment("~/")).toBe("~0~1");
  });

  it("round-trip any text", () => {
    fc.assert(fc.property(fc.string(), (text) => unescapePointerSegment(escapePointerSegment(text)) === text));
    fc.assert(
      fc.property(
        fc.array(fc.string()),
        (segments) => JSON.stringify(parsePointer(pointer(segments))) === JSON.stringify(segments),
      ),
    );
  });

  it("make and read whole pointers", () => {
    expect(pointer(["traits", "a/b", "~1", 0])).toBe("/traits/a~1b/~01/0");
    expect(parsePointer("/traits/a~1b/~01/0")).toEqual(["traits", "a/b", "~1", "0"]);
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/")).toEqual([""]);
    expect(() => parsePointer("traits")).toThrow('invalid JSON pointer "traits"');
  });
});

describe("the callers", () => {
  it("plan groups escape trait names in leaf paths", () => {
    expect(leafChanges({ path: "/traits", after: { "a/b": 1, "~1": 2 } })).toEqual([
      { path: "/traits/a~1b", after: 1 },
      { path: "/traits/~01", after: 2 },
    ]);
  });

  it("identity schema $refs decode URI escapes, then ~1 and ~0", () => {
    const root = { definitions: { "a/b": { type: "string" }, "~1": { type: "number" }, "x y": { type: "boolean" } } };
    expect(resolveRef(root, { $ref: "#/definitions/a~1b" })).toEqual({ type: "string" });
    expect(resolveRef(root, { $ref: "#/definitions/~01" })).toEqual({ type: "number" });
    expect(resolveRef(root, { $ref: "#/definitions/x%20y" })).toEqual({ type: "boolean" });
  });

  it("the manifest places schema errors under keys holding / and ~", () => {
    expect(
      pointerToPath("/spec/identities/0/traits/a~1b/~01", {
        spec: { identities: [{ traits: { "a/b": { "~1": 1 } } }] },
      }),
    ).toEqual(["spec", "identities", 0, "traits", "a/b", "~1"]);
    expect(pointerToPath("", {})).toEqual([]);
  });

  it("server schema messages name a trait holding / and ~ by its name", () => {
    const schema = {
      type: "object",
      properties: { traits: { type: "object", properties: { "a/b~1": { type: "string" } } } },
    };
    const issues = schemaIssues([{ subject: "staff/x", traits: { "a/b~1": 7 } }], [{ id: "default", schema }]);
    expect(issues.map((i) => i.path)).toEqual(["traits.a/b~1"]);
  });
});
