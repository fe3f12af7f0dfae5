// The read-back after a batch create: a batch accepted whole is checked by its first and last id; a batch with a
// rejected item, or whose sample is missing (rolled back yet reported created), is read back id by id.
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { planSets } from "../../../src/reconcile/engine/engine";
import type { BatchItemResult } from "../../../src/reconcile/engine/admin";
import { desired, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const emails = (count: number) =>
  Array.from({ length: count }, (_, i) => desired(`user-${String(i).padStart(3, "0")}@example.test`));

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
    const rejected = (item: (typeof items)[number]) =>
      options.reject?.(String((item.body.traits as { email: string }).email)) ?? false;
    const accepted = await batch(items.filter((item) => !rejected(item)));
    const results: BatchItemResult[] = items.map(
      (item) =>
        accepted.find((r) => r.patchId === item.patchId) ?? {
          patchId: item.patchId,
          ok: false,
          status: 409,
          reason: "conflict",
        },
    );
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
    const result = await apply(s, 4500); // 4 batches of 1125
    expect(result.failed).toBe(0);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(4500);
    expect(s.readBacks).toEqual([2, 2, 2, 2]);
    expect(s.admin.store.size).toBe(4500);
  });

  it("reads back every id of a batch with a rejected item, and reports the rejected one", async () => {
    const s = server({ reject: (email) => email === "user-007@example.test" });
    const result = await apply(s, 10);
    expect(s.readBacks).toEqual([9]);
    expect(result.outcomes.filter((o) => o.result === "failed").map((o) => [o.key, o.reason])).toEqual([
      [
        "user-007@example.test",
        "conflict: no live identity has this key; another identity holds one of its unique values (a login identifier, an address or the external_id)",
      ],
    ]);
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
  ])(
    "with concurrency %p, sends at most %i create batches at once, and every identity lands once",
    async (concurrency, most) => {
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
      const result = await applyPlan(plan, s.admin, { concurrency }); // 5 or 6 batches of up to 2000
      expect(peak).toBe(most);
      expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(9000);
      expect(s.admin.store.size).toBe(9000);
    },
  );

  it("frees a batch slot as soon as the server answers: the next batch goes out while the previous one is read back", async () => {
    const s = server();
    const events: string[] = [];
    const batch = s.admin.batchCreate;
    s.admin.batchCreate = async (items) => {
      events.push("batch");
      return batch(items);
    };
    // The first read-back is held until the second batch has been sent (or, when it never is, for a while).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const byIds = s.admin.listIdentitiesByIds;
    s.admin.listIdentitiesByIds = async (ids, read) => {
      events.push("read-back");
      await held;
      events.push("read-back done");
      return byIds(ids, read);
    };
    const { plan } = await planSets([set("load", emails(3000))], s.admin);
    const applied = applyPlan(plan, s.admin, { concurrency: 1 }); // one batch at a time: 2 batches of 1500
    for (let tick = 0; tick < 1000 && events.filter((e) => e === "batch").length < 2; tick++)
      await new Promise((resolve) => setImmediate(resolve));
    release();
    const result = await applied;
    expect(events.filter((e) => e !== "read-back").slice(0, 3)).toEqual(["batch", "batch", "read-back done"]);
    expect(s.admin.batches.map((b) => b.length)).toEqual([1500, 1500]);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(3000);
    expect(s.admin.store.size).toBe(3000);
  });

  it("still re-sends what a rolled-back batch reported created, when later batches were sent meanwhile", async () => {
    const s = server({ lie: (batch) => batch === 0 });
    const result = await apply(s, 6000); // 4 × 1500; the first rolled back yet reported created, then sent again
    expect(s.admin.batches.map((b) => b.length)).toEqual([1500, 1500, 1500, 1500, 1500]);
    expect(result.failed).toBe(0);
    expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(6000);
    expect(new Set(result.outcomes.map((o) => o.key)).size).toBe(6000);
    expect(s.admin.store.size).toBe(6000);
  });

  it("sends no batch after a read-back fails, and returns every outcome once the batches in flight are answered", async () => {
    const s = server();
    const events: string[] = [];
    const batch = s.admin.batchCreate;
    s.admin.batchCreate = async (items) => {
      events.push("batch sent");
      await new Promise((resolve) => setTimeout(resolve, 5));
      const results = await batch(items);
      events.push("batch answered");
      return results;
    };
    s.admin.listIdentitiesByIds = async () => {
      events.push("read-back failed");
      throw new Error("GET /admin/identities: HTTP 503");
    };
    const { plan } = await planSets([set("load", emails(9000))], s.admin); // 6 batches
    const result = await applyPlan(plan, s.admin);
    expect(result.stopped).toEqual({ why: "internal", error: new Error("GET /admin/identities: HTTP 503") });
    expect(result.outcomes).toHaveLength(9000);
    expect(result.outcomes.every((o) => o.result === "failed" || o.result === "not_attempted")).toBe(true);
    const atRejection = [...events];
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(atRejection); // nothing went on in the background
    const failedAt = events.indexOf("read-back failed");
    expect(events.slice(failedAt).filter((e) => e === "batch sent")).toEqual([]);
    expect(events.filter((e) => e === "batch sent").length).toBe(events.filter((e) => e === "batch answered").length);
    expect(events.filter((e) => e === "batch sent").length).toBeLessThan(6);
  });
});
