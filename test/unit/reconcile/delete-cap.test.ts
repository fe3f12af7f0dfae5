// The default delete cap: more than 20 deletes, or more than a tenth of what the sets manage when that is more,
// needs --max-deletes; a named cap replaces it; no cap (Pulumi, --max-deletes all) lets everything through.
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { UserError } from "../../../src/reconcile/core/errors";
import { defaultDeleteCap, deleteCapRefusal } from "../../../src/reconcile/core/delete-cap";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

/** A plan of set `team` that manages `total` identities and deletes `deleted` of them (the rest are unmarked). */
function pruning(total: number, deleted: number) {
  const live = Array.from({ length: total }, (_, i) => managed("team", `u${i}@example.com`));
  const kept = live.slice(deleted).map((identity) => ({
    key: String((identity.traits as { email: string }).email),
    body: { traits: identity.traits ?? {} },
  }));
  return buildPlan([set("team", kept, { prune: true })], live);
}

describe("the default delete cap", () => {
  it("is 20, or a tenth of the identities the sets manage when that is more", () => {
    expect(defaultDeleteCap(pruning(30, 0))).toBe(20);
    expect(defaultDeleteCap(pruning(209, 0))).toBe(20);
    expect(defaultDeleteCap(pruning(250, 0))).toBe(25);
  });

  it("refuses more deletes than the cap, naming the flag, and allows up to it", () => {
    expect(deleteCapRefusal(pruning(30, 20), "default")).toBeUndefined();
    expect(deleteCapRefusal(pruning(30, 21), "default")).toEqual({
      message:
        "the plan deletes 21 identities, more than the default cap of 20 (the larger of 20 and a tenth of the 30 identities these sets manage); nothing was written",
      hint: "review the deletes in the plan, then run again with --max-deletes 21 (or --max-deletes all)",
    });
    expect(deleteCapRefusal(pruning(250, 25), "default")).toBeUndefined();
    expect(deleteCapRefusal(pruning(250, 26), "default")?.message).toContain("more than the default cap of 25");
  });

  it("is replaced by a named cap, and absent when lifted", () => {
    expect(deleteCapRefusal(pruning(30, 21), 21)).toBeUndefined();
    expect(deleteCapRefusal(pruning(30, 3), 2)?.message).toBe(
      "the plan deletes 3 identities, more than --max-deletes 2; nothing was written",
    );
    expect(deleteCapRefusal(pruning(30, 30), undefined)).toBeUndefined();
  });

  it("stops applyPlan before its first write", async () => {
    const plan = pruning(25, 25);
    const admin = memoryAdmin("v1.3.1");
    await expect(applyPlan(plan, admin, { maxDeletes: "default" })).rejects.toThrow(UserError);
    expect(admin.calls).toEqual([]);
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.filter((o) => o.result === "deleted")).toHaveLength(25);
  });
});
