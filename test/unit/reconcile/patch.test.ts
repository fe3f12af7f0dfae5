import fc from "fast-check";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { applyPatch, makePatch, retrySafe } from "../../../src/reconcile/core/patch";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { desiredDoc, liveDoc } from "../../../src/reconcile/core/normalize";
import type { Json, JsonObject } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, managed, set } from "../../support/builders";

describe("makePatch", () => {
  it("emits add, remove and replace at the deepest object path", () => {
    expect(makePatch({ a: { b: 1, c: 2 } }, { a: { b: 3, d: 4 } })).toEqual([
      { op: "replace", path: "/a/b", value: 3 },
      { op: "remove", path: "/a/c" },
      { op: "add", path: "/a/d", value: 4 },
    ]);
  });

  it("replaces an array whole, once, whatever changed inside it", () => {
    expect(makePatch({ l: [1, { x: 1 }, 3] }, { l: [1, { x: 2 }] })).toEqual([
      { op: "replace", path: "/l", value: [1, { x: 2 }] },
    ]);
  });

  it("escapes ~ and / in pointers", () => {
    expect(makePatch({ "a/b": { "c~d": 1 } }, { "a/b": { "c~d": 2 } })).toEqual([
      { op: "replace", path: "/a~1b/c~0d", value: 2 },
    ]);
  });

  it("replaces on a type change (null -> object)", () => {
    expect(makePatch({ m: null }, { m: { k: "v" } })).toEqual([{ op: "replace", path: "/m", value: { k: "v" } }]);
  });

  it("returns nothing for equal documents", () => {
    expect(makePatch({ a: [1, 2], b: { c: null } }, { a: [1, 2], b: { c: null } })).toEqual([]);
  });
});

describe("applyPatch", () => {
  it("rejects a replace of a missing member (RFC 6902)", () => {
    expect(() => applyPatch({ a: 1 }, [{ op: "replace", path: "/b", value: 2 }])).toThrow("does not exist");
  });
  it("does not modify its input", () => {
    const doc = { a: { b: 1 } };
    applyPatch(doc, [{ op: "replace", path: "/a/b", value: 2 }]);
    expect(doc).toEqual({ a: { b: 1 } });
  });
});

// Arbitrary JSON without undefined, with keys that need escaping now and then.
const key = fc.oneof(fc.constantFrom("a", "b", "c", "x/y", "t~", "email"), fc.string({ maxLength: 4 }));
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 6 }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
})).value;
const object = fc.dictionary(key, json, { maxKeys: 5 }) as fc.Arbitrary<JsonObject>;

describe("property: the planner's patch turns live into desired", () => {
  it("holds for arbitrary documents", () => {
    fc.assert(
      fc.property(object, object, (lhs, rhs) => {
        expect(applyPatch(lhs, makePatch(lhs, rhs))).toEqual(rhs);
      }),
      { numRuns: 500 },
    );
  });

  it("holds for planned updates of identities (normalized live + patch == desired)", () => {
    fc.assert(
      fc.property(
        object,
        object,
        object,
        object,
        fc.constantFrom("active", "inactive"),
        (traitsA, traitsB, pub, admin, state) => {
          const email = "prop@example.com";
          const current = managed("s", email, { traits: { ...traitsA, email }, metadata_public: pub }, admin);
          const wanted = desired(email, {
            traits: { ...traitsB, email },
            metadata_admin: traitsA,
            state: state as "active" | "inactive",
          });
          const action = buildPlan([set("s", [wanted])], [current]).sets[0].actions[0];
          const target = desiredDoc(wanted, { set: "s", key: keyDigest(email, EMAIL_KEY) });
          const observed = liveDoc(current, target);
          const patch = action.action === "update" ? action.patch : [];
          expect(action.action === "update" || action.action === "noop").toBe(true);
          expect(applyPatch(observed, patch)).toEqual(target);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("retrySafe", () => {
  it("puts an add of null before every remove, and leaves the other ops alone", () => {
    expect(
      retrySafe([
        { op: "replace", path: "/a/b", value: 3 },
        { op: "remove", path: "/a/c" },
        { op: "add", path: "/a/d", value: 4 },
      ]),
    ).toEqual([
      { op: "replace", path: "/a/b", value: 3 },
      { op: "add", path: "/a/c", value: null },
      { op: "remove", path: "/a/c" },
      { op: "add", path: "/a/d", value: 4 },
    ]);
  });

  it("gives the same document when applied once or twice (a retry after a lost answer)", () => {
    const object = fc.dictionary(
      fc.constantFrom("a", "b", "c", "d"),
      fc.oneof(fc.integer(), fc.dictionary(fc.constantFrom("x", "y"), fc.boolean())),
    );
    fc.assert(
      fc.property(object, object, (before, after) => {
        const patch = retrySafe(makePatch(before as Json, after as Json));
        const once = applyPatch(before as Json, patch);
        expect(once).toEqual(after);
        expect(applyPatch(once, patch)).toEqual(after);
      }),
      { numRuns: 300 },
    );
  });
});
