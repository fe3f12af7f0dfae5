// The result contract of applyPlan: after the first write it always returns one outcome per action, each failure
// typed; a throw in the middle keeps what was done; a cancellation or a terminal error stops the workers.
import { failureLines, summarize, outcomeCounts } from "../../../src/cli/apply";
import { failureLines as pulumiFailureLines, PartialApplyError } from "../../../src/resources/errors";
import { OryApiError, OryNetworkError, ServerUnreachableError, UncertainWriteError } from "../../../src/ory/errors";
import { errorKind, InternalError, UserError } from "../../../src/reconcile/core/errors";
import { outcomeLine } from "../../../src/reconcile/core/outcomes";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { Secret } from "../../../src/reconcile/core/types";
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { applyPlan, Outcome } from "../../../src/reconcile/engine/apply";
import { desired, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const PASSWORD = "Sup3r-secret-passw0rd";

/** `count` identities that set `staff` manages, and a plan that changes metadata_public of each (one PATCH each). */
function updates(count: number) {
  const emails = Array.from({ length: count }, (_, i) => `u${String(i).padStart(2, "0")}@example.test`);
  const live = emails.map((email, i) => managed("staff", email, { id: `id-${String(i).padStart(2, "0")}` }));
  const admin = memoryAdmin("v1.3.1", live);
  const plan = buildPlan(
    [
      set(
        "staff",
        emails.map((email) => desired(email, { metadata_public: { team: "new" } })),
      ),
    ],
    live,
  );
  return { admin, plan, emails };
}

const unreachable = () =>
  new ServerUnreachableError(
    "http://127.0.0.1:4434/admin/identities/x",
    { code: "ECONNREFUSED", reason: "connection refused", hint: "is the server running?", terminal: false },
    3,
  );
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const byResult = (outcomes: Outcome[]) =>
  outcomes.reduce<Record<string, number>>((n, o) => ({ ...n, [o.result]: (n[o.result] ?? 0) + 1 }), {});

describe("applyPlan: a throw in the middle", () => {
  it("keeps the outcomes so far, fails the action that threw as internal, and marks the rest not attempted", async () => {
    const { admin, plan } = updates(10);
    const patch = admin.patchIdentity;
    let writes = 0;
    admin.patchIdentity = async (id, ops) => {
      if (++writes === 4) throw new TypeError("Cannot read properties of undefined (reading 'traits')");
      return patch(id, ops);
    };
    const result = await applyPlan(plan, admin, { concurrency: 1 });
    expect(result.outcomes.map((o) => [o.key, o.result, o.failure?.kind])).toEqual([
      ["u00@example.test", "configured", undefined],
      ["u01@example.test", "configured", undefined],
      ["u02@example.test", "configured", undefined],
      ["u03@example.test", "failed", "internal"],
      ...["u04", "u05", "u06", "u07", "u08", "u09"].map((u) => [`${u}@example.test`, "not_attempted", undefined]),
    ]);
    expect(result.stopped).toEqual({
      why: "internal",
      error: new TypeError("Cannot read properties of undefined (reading 'traits')"),
    });
    expect(result.outcomes[4].reason).toBe(
      "the run stopped first: Cannot read properties of undefined (reading 'traits')",
    );
    expect(result.failed).toBe(7);
    expect(writes).toBe(4);
  });

  it("keeps the outcomes when the read-back of refused creates fails (outside any one action)", async () => {
    const taken = managed("staff", "taken@example.test", { id: "id-taken" });
    const admin = memoryAdmin("v1.3.1", [taken]);
    // The plan was made before `taken` existed: its create is refused with 409, then the read-back fails.
    const plan = buildPlan(
      [
        set("staff", [
          desired("new@example.test"),
          desired("taken@example.test"),
          desired("other@example.test", { metadata_public: { a: 1 } }),
        ]),
      ],
      [],
    );
    const batch = admin.batchCreate;
    admin.batchCreate = async (items) => {
      const taking = items.filter((i) => (i.body.traits as { email: string }).email === "taken@example.test");
      const rest = await batch(items.filter((i) => !taking.includes(i)));
      return items.map(
        (i) =>
          rest.find((r) => r.patchId === i.patchId) ?? {
            patchId: i.patchId,
            ok: false as const,
            status: 409,
            reason: "identity exists",
          },
      );
    };
    admin.listIdentitiesByCredentialIdentifier = async () => {
      throw new OryApiError({ method: "GET", path: "/admin/identities" }, 503, "overloaded");
    };
    admin.getIdentityByExternalId = undefined;
    admin.listIdentities = async () => {
      throw new OryApiError({ method: "GET", path: "/admin/identities" }, 503, "overloaded");
    };
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.map((o) => [o.key, o.result, o.failure])).toEqual([
      ["new@example.test", "created", undefined],
      ["other@example.test", "created", undefined],
      ["taken@example.test", "failed", { kind: "conflict", status: 409 }],
    ]);
    expect(result.outcomes[2].reason).toBe(
      "identity exists; reading the live identities back failed: GET /admin/identities failed with 503: overloaded",
    );
    expect(result.stopped?.why).toBe("terminal");
  });

  it("stops when onOutcome throws, and the action it reported stays as it was done", async () => {
    const { admin, plan } = updates(5);
    const result = await applyPlan(plan, admin, {
      concurrency: 1,
      onOutcome: (outcome) => {
        if (outcome.key === "u01@example.test") throw new Error("progress bar broke");
      },
    });
    expect(byResult(result.outcomes)).toEqual({ configured: 2, not_attempted: 3 });
    expect(result.stopped).toEqual({ why: "internal", error: new Error("progress bar broke") });
  });
});

describe("applyPlan: each failure kind", () => {
  const api = (status: number) =>
    new OryApiError({ method: "PATCH", path: "/admin/identities/x" }, status, `answered ${status}`);
  const cases: Array<[string, () => Error, string, number | undefined]> = [
    ["400", () => api(400), "rejected", 400],
    ["404", () => api(404), "rejected", 404],
    ["409", () => api(409), "conflict", 409],
    ["429 after the retries", () => api(429), "rate_limited", 429],
    ["503 after the retries", () => api(503), "server_error", 503],
    [
      "a lost answer",
      () => new UncertainWriteError({ method: "PATCH", path: "/admin/identities/x" }, "ECONNRESET"),
      "outcome_unknown",
      undefined,
    ],
    [
      "network failures after the retries",
      () =>
        new OryNetworkError(
          { method: "PATCH", path: "/admin/identities/x" },
          "http://127.0.0.1:4434/admin/identities/x",
          { code: "ECONNRESET", reason: "connection reset", hint: "", terminal: false },
          7,
        ),
      "unreachable",
      undefined,
    ],
  ];
  it.each(cases)("%s: typed on the identity, the others written", async (_name, error, kind, status) => {
    const { admin, plan } = updates(3);
    const patch = admin.patchIdentity;
    admin.patchIdentity = async (id, ops) => {
      if (id === "id-01") throw error();
      return patch(id, ops);
    };
    const result = await applyPlan(plan, admin, { concurrency: 1 });
    expect(result.outcomes.map((o) => [o.key, o.result, o.failure])).toEqual([
      ["u00@example.test", "configured", undefined],
      ["u01@example.test", "failed", { kind, ...(status !== undefined ? { status } : {}) }],
      ["u02@example.test", "configured", undefined],
    ]);
    expect(result.outcomes[1].reason).toBe(error().message);
    expect(result.stopped).toBeUndefined();
  });

  it("a batch item the server refuses: rejected with its status; a delete in that set: blocked", async () => {
    const old = managed("staff", "old@example.test", { id: "id-old" });
    const admin = memoryAdmin("v1.3.1", [old]);
    admin.batchCreate = async (items) =>
      items.map((i) => ({
        patchId: i.patchId,
        ok: false as const,
        status: 400,
        reason: "traits.email: not an e-mail",
      }));
    const plan = buildPlan([set("staff", [desired("new@example.test")], { prune: true })], [old]);
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.map((o) => [o.key, o.result, o.failure])).toEqual([
      ["new@example.test", "failed", { kind: "rejected", status: 400 }],
      ["old@example.test", "failed", { kind: "blocked" }],
    ]);
    expect(admin.store.has("id-old")).toBe(true);
  });

  it("a batch whose answer was lost: outcome_unknown for each item, with 're-run to converge'", async () => {
    const admin = memoryAdmin("v1.3.1");
    admin.batchCreate = async () => {
      throw new UncertainWriteError({ method: "PATCH", path: "/admin/identities" }, "ECONNRESET");
    };
    const result = await applyPlan(
      buildPlan([set("staff", [desired("a@example.test"), desired("b@example.test")])], []),
      admin,
    );
    expect(result.outcomes.map((o) => [o.result, o.failure, /re-run to converge$/.test(o.reason ?? "")])).toEqual([
      ["failed", { kind: "outcome_unknown" }, true],
      ["failed", { kind: "outcome_unknown" }, true],
    ]);
  });

  it("an OIDC link another identity holds: conflict 409, worded by the engine", async () => {
    const holder: LiveIdentity = managed("staff", "ann@example.test", { id: "id-ann" });
    const admin = memoryAdmin("v1.3.1", [holder]);
    admin.putIdentity = async () => {
      throw new OryApiError(
        { method: "PUT", path: "/admin/identities/id-ann" },
        409,
        "conflicts with another identity",
      );
    };
    const plan = buildPlan(
      [
        set("staff", [
          desired(
            "ann@example.test",
            {},
            { credentials: { oidc: { providers: [{ provider: "google", subject: "123" }] } } },
          ),
        ]),
      ],
      [holder],
    );
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.map((o) => [o.result, o.failure])).toEqual([["failed", { kind: "conflict", status: 409 }]]);
    expect(result.outcomes[0].reason).toMatch(
      /^the server refused to link OIDC google:123 \(409: .*\): another identity holds it/,
    );
  });
});

describe("applyPlan: cancellation", () => {
  it("starts no write after the signal fires; the writes in flight finish; the rest is not attempted", async () => {
    const { admin, plan } = updates(40);
    const controller = new AbortController();
    const patch = admin.patchIdentity;
    let started = 0;
    let startedAfterAbort = 0;
    admin.patchIdentity = async (id, ops) => {
      if (controller.signal.aborted) startedAfterAbort++;
      if (++started === 6) controller.abort();
      await tick();
      return patch(id, ops);
    };
    const result = await applyPlan(plan, admin, { concurrency: 4, signal: controller.signal });
    await tick();
    expect(startedAfterAbort).toBe(0);
    expect(started).toBe(6);
    expect(byResult(result.outcomes)).toEqual({ configured: 6, not_attempted: 34 });
    expect(result.outcomes).toHaveLength(40);
    expect(result.stopped?.why).toBe("cancelled");
    expect(result.stopped?.error).toBeInstanceOf(UserError);
    expect(result.outcomes.find((o) => o.result === "not_attempted")?.reason).toBe("the run was cancelled first");
    // Nothing goes on in the background once the result is back.
    await tick();
    expect(started).toBe(6);
  });

  it("sends no create batch after the signal fired", async () => {
    const admin = memoryAdmin("v1.3.1");
    const controller = new AbortController();
    const batch = admin.batchCreate;
    admin.batchCreate = async (items) => {
      controller.abort();
      await tick();
      return batch(items);
    };
    const emails = Array.from({ length: 5000 }, (_, i) => desired(`c${i}@example.test`));
    const result = await applyPlan(buildPlan([set("load", emails)], []), admin, {
      concurrency: 1,
      signal: controller.signal,
    });
    expect(admin.batches).toHaveLength(1);
    expect(admin.batches[0].length).toBeLessThan(5000);
    expect(byResult(result.outcomes)).toEqual({
      created: admin.batches[0].length,
      not_attempted: 5000 - admin.batches[0].length,
    });
  });
});

describe("applyPlan: a terminal error", () => {
  it("stops the sibling workers: only the writes already in flight finish", async () => {
    const { admin, plan } = updates(40);
    const patch = admin.patchIdentity;
    let started = 0;
    let startedAfterFailure = 0;
    let failed = false;
    admin.patchIdentity = async (id, ops) => {
      started++;
      if (failed) startedAfterFailure++;
      await tick();
      if (id === "id-05") {
        failed = true;
        throw unreachable();
      }
      return patch(id, ops);
    };
    const result = await applyPlan(plan, admin, { concurrency: 4 });
    // The three siblings in flight when id-05 failed may each have started one more before they saw it: at most 3.
    expect(startedAfterFailure).toBeLessThanOrEqual(3);
    expect(result.outcomes).toHaveLength(40);
    expect(result.outcomes.find((o) => o.id === "id-05")).toMatchObject({
      result: "failed",
      failure: { kind: "unreachable" },
    });
    expect(result.outcomes.filter((o) => o.result === "not_attempted").length).toBe(40 - started);
    expect(result.stopped).toEqual({ why: "terminal", error: unreachable() });
    await tick();
    expect(started).toBe(result.outcomes.filter((o) => o.result !== "not_attempted").length);
  });

  it("stops the create batches and skips deletes and recovery links after the server became unreachable", async () => {
    const old = managed("staff", "old@example.test", { id: "id-old" });
    const admin = memoryAdmin("v1.3.1", [old]);
    const sent: number[] = [];
    admin.batchCreate = async (items) => {
      sent.push(items.length);
      throw unreachable();
    };
    const deletes: string[] = [];
    admin.deleteIdentity = async (id) => {
      deletes.push(id);
      return "deleted";
    };
    const creates = Array.from({ length: 5000 }, (_, i) => desired(`c${i}@example.test`));
    const plan = buildPlan([set("staff", creates, { prune: true }), set("other", [])], [old]);
    const result = await applyPlan(plan, admin, { concurrency: 1, maxDeletes: undefined });
    expect(deletes).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(byResult(result.outcomes)).toEqual({ failed: sent[0], not_attempted: 5000 - sent[0] + 1 });
    expect(result.outcomes.filter((o) => o.result === "failed").every((o) => o.failure?.kind === "unreachable")).toBe(
      true,
    );
    expect(result.stopped?.why).toBe("terminal");
  });
});

describe("rendering outcomes (CLI and Pulumi share outcomeLine)", () => {
  it("one line per failed or not attempted outcome; the summary and the JSON counts name those not attempted", () => {
    const outcomes: Outcome[] = [
      { set: "staff", key: "a@x.test", subject: "staff/a@x.test", action: "update", result: "configured", id: "id-a" },
      {
        set: "staff",
        key: "b@x.test",
        subject: "staff/b@x.test",
        action: "update",
        result: "failed",
        id: "id-b",
        reason: "PATCH /admin/identities/id-b failed with 400: bad",
        failure: { kind: "rejected", status: 400 },
      },
      {
        set: "staff",
        key: "c@x.test",
        subject: "staff/c@x.test",
        action: "create",
        result: "not_attempted",
        reason: "the run was cancelled first",
      },
    ];
    expect(outcomes.map(outcomeLine)).toEqual([
      undefined,
      "failed staff/b@x.test (id-b): PATCH /admin/identities/id-b failed with 400: bad",
      "not attempted staff/c@x.test: the run was cancelled first",
    ]);
    expect(failureLines({ outcomes, recoveries: [] })).toEqual([
      "! failed staff/b@x.test (id-b): PATCH /admin/identities/id-b failed with 400: bad",
      "! not attempted staff/c@x.test: the run was cancelled first",
    ]);
    expect(pulumiFailureLines(outcomes).map((line) => `! ${line}`)).toEqual(failureLines({ outcomes, recoveries: [] }));
    expect(
      errorKind(
        new PartialApplyError("IdentitySet staff: 2 of 3 writes failed", "staff", {}, pulumiFailureLines(outcomes)),
      ),
    ).toBe("api");
    expect(summarize(outcomes)).toBe(
      "Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 1 failed, 1 not attempted.",
    );
    expect(outcomeCounts(outcomes)).toEqual({
      created: 0,
      present: 0,
      updated: 1,
      adopted: 0,
      deleted: 0,
      failed: 1,
      not_attempted: 1,
    });
  });

  it("a stopped run's result and lines hold no password", async () => {
    const admin = memoryAdmin("v1.3.1");
    admin.batchCreate = async () => {
      throw unreachable();
    };
    const secret = { password: { kind: "password" as const, value: new Secret(PASSWORD), policy: "initial" as const } };
    const plan = buildPlan(
      [
        set("staff", [
          desired("a@example.test", {}, { credentials: secret }),
          desired("b@example.test", {}, { credentials: secret }),
        ]),
      ],
      [],
    );
    const result = await applyPlan(plan, admin);
    const text =
      JSON.stringify(result) +
      failureLines(result).join("\n") +
      summarize(result.outcomes) +
      String(result.stopped?.error.message);
    expect(text).not.toContain(PASSWORD);
    expect(result.failed).toBe(2);
  });
});

describe("the three error kinds", () => {
  it("are user, api and internal", () => {
    expect(
      [
        new UserError("x"),
        unreachable(),
        new OryApiError({ method: "GET", path: "/" }, 400, "x"),
        new UncertainWriteError({ method: "POST", path: "/" }, "x"),
        new InternalError("x"),
        new TypeError("x"),
      ].map(errorKind),
    ).toEqual(["user", "api", "api", "api", "internal", "internal"]);
  });
});
