// The engine over the real client code (createOryClient) and a scripted server: what happens when an answer is lost.
import { createOryClient } from "../../../src/ory/client";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { applyPatch } from "../../../src/reconcile/core/patch";
import { buildPlan } from "../../../src/reconcile/core/plan";
import type { JsonObject, PatchOp } from "../../../src/reconcile/core/types";
import { desired, managed, set } from "../../support/builders";
import { fakeFetch, instantPolicy, json, kratosError, networkError } from "../ory/fake";

describe("applyPlan: a PATCH whose answer is lost", () => {
  it("is retried, and the retry succeeds although the first attempt already removed the member", async () => {
    const current = managed("team", "ann@example.com", {
      traits: { email: "ann@example.com", name: { first: "Ann" } },
      metadata_public: { old: true, keep: 1 },
    });
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

    expect(result.outcomes.map((o) => [o.subject, o.result, o.reason])).toEqual([
      ["team/ann@example.com", "configured", undefined],
    ]);
    expect(patches).toBe(2);
    expect(stored.traits).toEqual({ email: "ann@example.com" });
    expect(stored.metadata_public).toEqual({ keep: 1 });
  });
});

describe("applyPlan: OIDC links", () => {
  const moved = () => {
    const current = managed("team", "bo@example.com", {
      credentials: { oidc: { type: "oidc", identifiers: ["google:1"] } },
    });
    const wanted = desired(
      "bo@example.com",
      {},
      { credentials: { oidc: { providers: [{ provider: "google", subject: "2" }] } } },
    );
    return { current, plan: buildPlan([set("team", [wanted])], [current]) };
  };

  it("adds the new link with a PUT of only that link, then removes the old one; a lost DELETE answer is retried and its 404 is success", async () => {
    const { current, plan } = moved();
    let deletes = 0;
    const fake = fakeFetch((call) => {
      if (call.url.pathname === "/admin/version") return json(200, { version: "v26.2.0" });
      if (call.method === "GET" || call.method === "PUT") return json(200, current);
      if (call.method === "DELETE")
        return ++deletes === 1
          ? networkError("ECONNRESET")
          : kratosError(404, "The identifier `google:1` was not found among OIDC credentials.");
      return json(404, {});
    });
    const client = createOryClient({ endpoint: "http://kratos.test:4434", fetch: fake.fetch, retry: instantPolicy() });
    const result = await applyPlan(plan, client);
    expect(result.outcomes.map((o) => [o.subject, o.result, o.reason])).toEqual([
      ["team/bo@example.com", "configured", undefined],
    ]);
    expect(fake.calls.map((c) => `${c.method} ${c.url.pathname}${c.url.search}`)).toEqual([
      `GET /admin/identities/${current.id}`,
      `PUT /admin/identities/${current.id}`,
      `DELETE /admin/identities/${current.id}/credentials/oidc?identifier=google%3A1`,
      `DELETE /admin/identities/${current.id}/credentials/oidc?identifier=google%3A1`,
    ]);
    expect((fake.calls[1].body as JsonObject).credentials).toEqual({
      oidc: { config: { providers: [{ provider: "google", subject: "2" }] } },
    });
  });

  it("reports the server's refusal to remove an identity's last way to sign in, with what to do", async () => {
    const current = managed("team", "cy@example.com", {
      credentials: { oidc: { type: "oidc", identifiers: ["google:1"] } },
    });
    const plan = buildPlan(
      [set("team", [desired("cy@example.com", {}, { credentials: { oidc: { providers: [] } } })])],
      [current],
    );
    const fake = fakeFetch((call) =>
      call.method === "DELETE"
        ? kratosError(400, "You cannot remove the last first factor credential.")
        : json(404, {}),
    );
    const client = createOryClient({ endpoint: "http://kratos.test:4434", fetch: fake.fetch, retry: instantPolicy() });
    const result = await applyPlan(plan, client);
    expect(result.outcomes.map((o) => [o.result, o.reason])).toEqual([
      [
        "failed",
        `cannot remove the OIDC link google:1: DELETE /admin/identities/${current.id}/credentials/oidc failed with 400: You cannot remove the last first factor credential. (the server keeps an identity's last way to sign in: give it a password or keep one provider)`,
      ],
    ]);
    expect(fake.calls.map((c) => c.method)).toEqual(["DELETE"]);
  });
});
