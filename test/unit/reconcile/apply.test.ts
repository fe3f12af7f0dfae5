// The engine over the real client code (createOryClient) and a scripted server: what happens when an answer is lost.
import { createOryClient } from "../../../src/ory/client";
import { applyPlan } from "../../../src/reconcile/apply";
import { applyPatch } from "../../../src/reconcile/patch";
import { buildPlan } from "../../../src/reconcile/plan";
import type { JsonObject, PatchOp } from "../../../src/reconcile/types";
import { desired, managed, set } from "../../support/builders";
import { fakeFetch, instantPolicy, json, kratosError, networkError } from "../ory/fake";

describe("applyPlan: a PATCH whose answer is lost", () => {
  it("is retried, and the retry succeeds although the first attempt already removed the member", async () => {
    const current = managed("team", "ann@example.com", { traits: { email: "ann@example.com", name: { first: "Ann" } }, metadata_public: { old: true, keep: 1 } });
    let stored = { ...current } as unknown as JsonObject;
    let patches = 0;
    const fake = fakeFetch((call) => {
      if (call.url.pathname === "/admin/version") return json(200, { version: "v1.3.1" });
      if (call.method !== "PATCH") return json(404, {});
      patches++;
      try {
        // Kratos applies RFC 6902 strictly: removing a member that is not there is a 400.
        stored = applyPatch(stored, call.body as PatchOp[]);
      } catch (error) {
        return kratosError(400, "An error occured when applying the JSON patch", (error as Error).message);
      }
      // The first attempt is applied, then the connection drops before the answer arrives.
      return patches === 1 ? networkError("ECONNRESET") : json(200, stored);
    });
    const client = createOryClient({ endpoint: "http://kratos.test:4434", fetch: fake.fetch, retry: instantPolicy() });
    const plan = buildPlan([set("team", [desired("ann@example.com", { metadata_public: { keep: 1 } })])], [current]);
    expect(plan.sets[0].actions[0]).toMatchObject({
      action: "update",
      patch: [
        { op: "remove", path: "/traits/name" },
        { op: "remove", path: "/metadata_public/old" },
      ],
    });

    const result = await applyPlan(plan, client);

    expect(result.outcomes.map((o) => [o.subject, o.result, o.reason])).toEqual([["team/ann@example.com", "configured", undefined]]);
    expect(patches).toBe(2);
    expect(stored.traits).toEqual({ email: "ann@example.com" });
    expect(stored.metadata_public).toEqual({ keep: 1 });
  });
});
