// The read-back after a batch create: a batch accepted whole is checked by its first and last id; a batch with a
// rejected item, or whose sample is missing (rolled back yet reported created), is read back id by id.
import { applyPlan } from "../../../src/reconcile/apply";
import { planSets } from "../../../src/reconcile/engine";
import type { BatchItemResult } from "../../../src/reconcile/admin";
import { desired, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const emails = (count: number) => Array.from({ length: count }, (_, i) => desired(`user-${String(i).padStart(3, "0")}@example.test`));

/** A v1.3.1 server that records the ids of every read-back; `lie` rolls a batch back yet reports it created. */
function server(options: { lie?: (batch: number) => boolean; reject?: (email: string) => boolean } = {}) {
  const admin = memoryAdmin("v1.3.1");
  const readBacks: number[] = [];
  const byIds = admin.listIdentitiesByIds;
  admin.listIdentitiesByIds = async (ids, read) => {
    readBacks.push(ids.length);
    return byIds(ids, read);
  };
  const batch = admin.batchCreate;
  let batches = 0;
  admin.batchCreate = async (items) => {
    const index = batches++;
    const rejected = (item: (typeof items)[number]) => options.reject?.(String((item.body.traits as { email: string }).email)) ?? false;
    const accepted = await batch(items.filter((item) => !rejected(item)));
    const results: BatchItemResult[] = items.map((item) => accepted.find((r) => r.patchId === item.patchId) ?? { patchId: item.patchId, ok: false, status: 409, reason: "conflict" });
    if (options.lie?.(index)) for (const r of results) if (r.ok) admin.store.delete(r.id); // rolled back, reported created
    return results;
  };
  return { admin, readBacks };
}

async function apply(s: ReturnType<typeof server>, count: number) {
  const { plan } = await planSets([set("load", emails(count))], s.admin);
  return applyPlan(plan, s.admin);
}

describe("read-back of batch creates", () => {
  it("reads back two ids of each batch accepted whole", async () => {
    const s = server();
    const result = await apply(s, 4500); // batches of 2000, 2000, 500
    expect(result.failed).toBe(0);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(4500);
    expect(s.readBacks).toEqual([2, 2, 2]);
    expect(s.admin.store.size).toBe(4500);
  });

  it("reads back every id of a batch with a rejected item, and reports the rejected one", async () => {
    const s = server({ reject: (email) => email === "user-007@example.test" });
    const result = await apply(s, 10);
    expect(s.readBacks).toEqual([9]);
    expect(result.outcomes.filter((o) => o.result === "failed").map((o) => [o.key, o.reason])).toEqual([["user-007@example.test", "conflict"]]);
    expect(s.admin.store.size).toBe(9);
  });

  it("finds a batch rolled back yet reported created, reads it back whole, and sends it again", async () => {
    const s = server({ lie: (batch) => batch === 0 });
    const result = await apply(s, 10);
    expect(s.readBacks).toEqual([2, 10, 2]); // sample missing -> every id -> none landed -> second batch, sampled
    expect(result.failed).toBe(0);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(10);
    expect(s.admin.store.size).toBe(10);
  });

  it.each([
    [undefined, 2],
    [1, 1],
  ])("with concurrency %p, sends at most %i create batches at once, and every identity lands once", async (concurrency, most) => {
    const s = server();
    let inFlight = 0;
    let peak = 0;
    const batch = s.admin.batchCreate;
    s.admin.batchCreate = async (items) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await batch(items);
      } finally {
        inFlight--;
      }
    };
    const { plan } = await planSets([set("load", emails(9000))], s.admin);
    const result = await applyPlan(plan, s.admin, { concurrency }); // 5 batches of up to 2000
    expect(peak).toBe(most);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(9000);
    expect(s.admin.store.size).toBe(9000);
  });
});
