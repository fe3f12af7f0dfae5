// Creates that conflict because the identity appeared after the plan read the live state (an interrupted earlier
// run, a concurrent one): resolved in the same run by reading back and pairing by key. Batches the server refuses
// whole are split in halves until the bad items stand alone.
import { applyPlan } from "../../../src/reconcile/engine/apply";
import type { BatchItemResult } from "../../../src/reconcile/engine/admin";
import { planSets } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { DesiredIdentity, Secret } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const email = (i: number) => `user-${String(i).padStart(4, "0")}@example.test`;
const CONFLICT = "Unable to insert or update resource because a resource with that value exists already";

/** Kratos v26.2.0 / master as seen on the real servers: a batch with a malformed hash is refused whole (400); an item
 * whose e-mail exists gets its own 409 and the others are committed; a one-item batch that conflicts gets a 409. */
function server() {
  const admin = memoryAdmin("v26.2.0");
  const batchSizes: number[] = [];
  const create = admin.batchCreate;
  admin.batchCreate = async (items) => {
    batchSizes.push(items.length);
    const hash = (item: (typeof items)[number]) =>
      (item.body.credentials as { password?: { config: { hashed_password?: string } } } | undefined)?.password?.config
        .hashed_password;
    if (items.some((item) => hash(item) === "not-a-hash")) {
      return items.map((item) => ({
        patchId: item.patchId,
        ok: false,
        status: 400,
        reason: "The imported password does not match any known hash format.",
        whole: true,
      }));
    }
    const taken = new Set([...admin.store.values()].map((i) => String((i.traits as { email: string }).email)));
    const free = items.filter((item) => !taken.has(String((item.body.traits as { email: string }).email)));
    const created = await create(free);
    const results: BatchItemResult[] = items.map(
      (item) =>
        created.find((r) => r.patchId === item.patchId) ?? {
          patchId: item.patchId,
          ok: false,
          status: 409,
          reason: CONFLICT,
        },
    );
    if (items.length === 1 && !results[0].ok) return [{ ...results[0], whole: true }];
    return results;
  };
  return { admin, batchSizes };
}

describe("creates that conflict with an identity that appeared after the plan", () => {
  it("pairs them by key and records them as present when they are as declared: no single POSTs, exit-worthy 0 failed", async () => {
    const s = server();
    const { plan } = await planSets(
      [
        set(
          "seed",
          Array.from({ length: 1200 }, (_, i) => desired(email(i))),
        ),
      ],
      s.admin,
    );
    // The earlier run's batch commits after this plan read the live state.
    for (let i = 0; i < 1200; i++)
      s.admin.store.set(
        `id-${i}`,
        managed("seed", email(i), { id: `id-${i}`, verifiable_addresses: [], recovery_addresses: [], credentials: {} }),
      );
    s.admin.calls.length = 0;
    const result = await applyPlan(plan, s.admin);
    expect({
      failed: result.failed,
      present: result.outcomes.filter((o) => o.result === "present" && o.id?.startsWith("id-")).length,
    }).toEqual({ failed: 0, present: 1200 });
    // Two batches of 600 (answered with a 409 per item), then one list of every identity (pairing 1,200 by key).
    expect(s.batchSizes).toEqual([600, 600]);
    expect(s.admin.calls.filter((c) => !c.startsWith("listSchemas") && !c.startsWith("batchCreate"))).toEqual([
      "listIdentities 500",
    ]);
  });

  it("updates a managed one that differs, adopts an unmanaged one (spec.adopt), and fails one held by another set naming it", async () => {
    const s = server();
    const declared = [
      desired("a@x.test", { metadata_public: { v: 2 } }),
      desired("b@x.test"),
      desired("c@x.test"),
      desired("d@x.test"),
    ];
    const { plan } = await planSets([set("mine", declared, { adopt: true })], s.admin);
    const other = managed("theirs", "c@x.test", { credentials: {} });
    for (const identity of [
      managed("mine", "a@x.test", { metadata_public: { v: 1 } }),
      live("b@x.test", { credentials: {} }),
      other,
    ])
      s.admin.store.set(identity.id, identity);
    const result = await applyPlan(plan, s.admin);
    expect(result.outcomes.map((o) => [o.key, o.result, o.reason]).sort()).toEqual([
      ["a@x.test", "configured", undefined],
      ["b@x.test", "adopted", undefined],
      [
        "c@x.test",
        "failed",
        `${CONFLICT}: live identity ${other.id} is managed by set theirs (remove it from one of the sets, or remove the "${MARKER_KEY}" key from its metadata_admin to release it)`,
      ],
      ["d@x.test", "created", undefined],
    ]);
    const stored = [...s.admin.store.values()];
    expect(stored.find((i) => i.traits?.email === "a@x.test")?.metadata_public).toEqual({ v: 2 });
    expect(stored.find((i) => i.traits?.email === "b@x.test")?.metadata_admin).toEqual({
      [MARKER_KEY]: { set: "mine", key: keyDigest("b@x.test", EMAIL_KEY) },
    });
    expect(s.admin.calls.filter((c) => c === "createIdentity")).toEqual([]);
  });

  it("adopts an unmanaged one only when its set may adopt: otherwise a failure naming the identity and both ways, nothing written to it", async () => {
    const attempt = async (declared: Parameters<typeof set>[2], options: { adopt?: boolean }) => {
      const s = server();
      const { plan } = await planSets(
        [set("mine", [desired("b@x.test")], declared), set("ours", [desired("e@x.test")], { adopt: true })],
        s.admin,
        options,
      );
      const b = live("b@x.test", { credentials: {} });
      s.admin.store.set(b.id, b);
      const result = await applyPlan(plan, s.admin);
      const written = s.admin.calls.filter((c) => c.startsWith("patch") || c.startsWith("put"));
      return {
        b,
        outcomes: result.outcomes.map((o) => [o.subject, o.result, o.reason]).sort(),
        written,
        marker: s.admin.store.get(b.id)?.metadata_admin,
      };
    };
    const refused = await attempt({}, {});
    expect(refused.outcomes).toEqual([
      [
        "mine/b@x.test",
        "failed",
        `${CONFLICT}: live identity ${refused.b.id} has this key but is not managed by ory-reconcile (no ownership marker), and adoption was not asked for ` +
          "(to take it over (ownership marker added, drift fixed), set `spec.adopt: true` in set mine or run with --adopt; otherwise remove it from the manifest)",
      ],
      ["ours/e@x.test", "created", undefined],
    ]);
    expect([refused.written, refused.marker]).toEqual([[], null]);
    for (const [declared, options] of [
      [{ adopt: true }, {}],
      [{}, { adopt: true }],
    ] as const) {
      const allowed = await attempt(declared, options);
      expect(allowed.outcomes).toEqual([
        ["mine/b@x.test", "adopted", undefined],
        ["ours/e@x.test", "created", undefined],
      ]);
      expect(allowed.marker).toEqual({ [MARKER_KEY]: { set: "mine", key: keyDigest("b@x.test", EMAIL_KEY) } });
    }
  });
});

describe("a batch the server refuses whole", () => {
  const hashed = (i: number, bad: Set<number>): DesiredIdentity =>
    desired(
      email(i),
      {},
      {
        credentials: {
          password: {
            kind: "hashed_password",
            value: new Secret(bad.has(i) ? "not-a-hash" : "$2a$04$abcdefghijklmnopqrstuu"),
            policy: "initial",
          },
        },
      },
    );

  it.each([[[777]], [[3, 1000, 1999]]])(
    "is split in halves to isolate the bad items %j among 2,000: O(k log n) batches",
    async (badItems) => {
      const bad = new Set(badItems);
      const s = server();
      const { plan } = await planSets(
        [
          set(
            "seed",
            Array.from({ length: 2000 }, (_, i) => hashed(i, bad)),
          ),
        ],
        s.admin,
      );
      const result = await applyPlan(plan, s.admin);
      expect(
        result.outcomes
          .filter((o) => o.result === "failed")
          .map((o) => [o.key, o.reason])
          .sort(),
      ).toEqual([...bad].map((i) => [email(i), "The imported password does not match any known hash format."]));
      expect(result.outcomes.filter((o) => o.result === "created")).toHaveLength(2000 - bad.size);
      // Two batches of 1,000; each bad item costs at most two batches per halving (ceil(log2 1000) = 10 levels).
      expect(s.batchSizes.length).toBeLessThanOrEqual(2 + bad.size * 2 * 10);
      expect(s.batchSizes.filter((n) => n === 1).length).toBeLessThanOrEqual(bad.size * 2);
      expect(s.admin.calls.filter((c) => c === "createIdentity")).toEqual([]);
    },
  );
});
