// Pairing a set of one with its live identity by id (a Pulumi Identity): the planner then updates it in place,
// even when its key value changed, and writes the marker for the declared key.
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { readMarker } from "../../../src/reconcile/core/marker";
import { pairedById } from "../../../src/reconcile/core/pair-by-id";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { applyPatch } from "../../../src/reconcile/core/patch";
import type { JsonObject, LiveIdentity, PatchOp } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, live, managed, set } from "../../support/builders";

describe("pairedById", () => {
  it("plans a changed key value as an update of the same identity, the marker recording the declared key", () => {
    const current = managed("scope", "old@example.com");
    const paired = pairedById([set("scope", [desired("new@example.com")])], [current]);
    const plan = buildPlan(paired.sets, paired.live);
    expect(plan.issues).toEqual([]);
    const [action] = plan.sets[0].actions;
    expect([action.action, (action as { id: string }).id]).toEqual(["update", current.id]);
    const after = applyPatch(
      current as unknown as JsonObject,
      (action as { patch: PatchOp[] }).patch,
    ) as unknown as LiveIdentity;
    expect(after.traits).toEqual({ email: "new@example.com" });
    expect(readMarker(after.metadata_admin)).toEqual({ set: "scope", key: keyDigest("new@example.com", EMAIL_KEY) });
  });

  it("gives an identity that lost its marker out of band its marker back (adopt)", () => {
    const current = live("a@example.com");
    const paired = pairedById([set("scope", [desired("a@example.com")])], [current]);
    expect(paired.sets[0].adopt).toBe(true);
    expect(buildPlan(paired.sets, paired.live).sets[0].actions.map((a) => a.action)).toEqual(["adopt"]);
  });

  it("leaves other shapes (no live identity, several identities) as they are", () => {
    const sets = [set("scope", [desired("a@example.com"), desired("b@example.com")])];
    expect(pairedById(sets, [managed("scope", "a@example.com")]).sets).toEqual(sets);
    expect(pairedById([set("scope", [desired("a@example.com")])], []).live).toEqual([]);
  });
});
