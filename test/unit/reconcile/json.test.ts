import fc from "fast-check";
import { ExactInteger } from "../../../src/reconcile/core/exact-json";
import { canonical, digest, jsonEqual } from "../../../src/reconcile/core/json";

/** The first implementation of `canonical` (before it was rewritten as loops for speed): the reference. */
function reference(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(",")}}`;
}

/** JSON-like values, with undefined members and shuffled key orders, as the planner meets them. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string(),
    fc.constantFrom("", "__proto__", "a", "b"),
  ),
  array: fc.array(tie("node"), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom("a", "b", "c", "")), tie("node"), {
    maxKeys: 4,
  }),
  node: fc.oneof({ depthSize: "small" }, tie("leaf"), tie("array"), tie("object")),
})).node;

/** The same value with every object's keys in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, item]) => [k, reversed(item)]),
  );
}

describe("canonical", () => {
  it("gives exactly the text of the reference implementation (so stored digests stay valid)", () => {
    fc.assert(
      fc.property(value, (v) => canonical(v) === reference(v)),
      { numRuns: 2000 },
    );
  });

  it("sorts keys and leaves out undefined members", () => {
    expect(canonical({ b: [1, { d: undefined, c: "x" }], a: null, u: undefined })).toBe('{"a":null,"b":[1,{"c":"x"}]}');
    expect(digest({ b: 1, a: 2 })).toBe(digest({ a: 2, b: 1 }));
  });

  it("writes sorted input as is and sorts the rest, integer-like keys (which enumerate first) included", () => {
    expect(canonical({ a: [{ b: 1, c: null }], d: "x" })).toBe('{"a":[{"b":1,"c":null}],"d":"x"}');
    expect(canonical({ "": 0, "0": 1, "10": 2, "9": 3 })).toBe('{"":0,"0":1,"10":2,"9":3}');
    expect(canonical({ a: new Date(0) })).toBe(reference({ a: new Date(0) })); // a toJSON of its own is not used
  });
});

describe("jsonEqual", () => {
  it("agrees with comparing canonical texts", () => {
    fc.assert(
      fc.property(value, value, (a, b) => jsonEqual(a, b) === (reference(a) === reference(b))),
      { numRuns: 2000 },
    );
  });

  it("ignores key order and undefined members, on any value", () => {
    fc.assert(
      fc.property(value, (v) => jsonEqual(v, reversed(v)) && jsonEqual(reversed(v), v)),
      { numRuns: 1000 },
    );
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([1, undefined], [1])).toBe(false);
    expect(jsonEqual({ a: [] }, { a: {} })).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(false);
  });
});

describe("integers read exactly (ExactInteger)", () => {
  const exact = () => new ExactInteger("12345678901234567890");
  it("equal only the same digits, never an object that looks like one (a manifest's { digits: … })", () => {
    expect(jsonEqual(exact(), exact())).toBe(true);
    expect(jsonEqual({ n: exact() }, { n: { digits: "12345678901234567890" } })).toBe(false);
    expect(jsonEqual({ n: { digits: "12345678901234567890" } }, { n: exact() })).toBe(false);
    expect(jsonEqual(exact(), new ExactInteger("12345678901234567891"))).toBe(false);
    expect(jsonEqual(exact(), 12345678901234567890)).toBe(false);
  });
  it("have canonical text of their digits, so a digest tells them from such an object", () => {
    expect(canonical({ b: 1, a: exact() })).toBe('{"a":12345678901234567890,"b":1}');
    expect(digest({ n: exact() })).not.toBe(digest({ n: { digits: "12345678901234567890" } }));
  });
});
