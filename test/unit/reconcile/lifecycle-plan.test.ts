// The planner's part of the identity lifecycle: when sessions are revoked (spec.sessions.revoke_on), and fields
// that are set on create and then never compared or written (spec.ignore).
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { withIgnored } from "../../../src/reconcile/core/ignore";
import type { Action, RevokeOn } from "../../../src/reconcile/core/types";
import { desired, enforcedPassword, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const only = (plan: ReturnType<typeof buildPlan>): Action => plan.sets[0].actions[0];
const revoked = (plan: ReturnType<typeof buildPlan>) =>
  (only(plan) as { revoke_sessions?: RevokeOn[] }).revoke_sessions;

describe("sessions.revoke_on", () => {
  const active = () => managed("staff", "ann@example.com", { id: "id-ann" });
  const inactive = () => managed("staff", "ann@example.com", { id: "id-ann", state: "inactive" });
  const deactivated = desired("ann@example.com", { state: "inactive" });

  it("revokes by default when an active identity is deactivated, and not when it is reactivated or stays inactive", () => {
    expect(revoked(buildPlan([set("staff", [deactivated])], [active()]))).toEqual(["deactivate"]);
    expect(
      revoked(buildPlan([set("staff", [desired("ann@example.com", { state: "active" })])], [inactive()])),
    ).toBeUndefined();
    expect(only(buildPlan([set("staff", [deactivated])], [inactive()])).action).toBe("noop");
  });

  it("revokes by default when an identity is adopted, even without drift", () => {
    const plan = buildPlan([set("staff", [desired("ann@example.com")], { adopt: true })], [live("ann@example.com")]);
    expect(only(plan)).toMatchObject({ action: "adopt", revoke_sessions: ["adopt"] });
  });

  it("revokes on password_change only when asked, and [] turns it off", () => {
    const password = enforcedPassword("staff", "ann@example.com", "new-Secret-1");
    const reset = desired("ann@example.com", { state: "inactive" }, { credentials: { password } });
    // The stored fingerprint was made from another password: the password is set again.
    const stale = managed("staff", "ann@example.com", { id: "id-ann" }, {}, "old-fingerprint");
    expect(revoked(buildPlan([set("staff", [reset])], [stale]))).toEqual(["deactivate"]);
    expect(
      revoked(buildPlan([set("staff", [reset], { revokeOn: ["password_change", "deactivate"] })], [stale])),
    ).toEqual(["deactivate", "password_change"]);
    expect(revoked(buildPlan([set("staff", [reset], { revokeOn: [] })], [stale]))).toBeUndefined();
    expect(
      revoked(
        buildPlan(
          [set("staff", [desired("ann@example.com")], { adopt: true, revokeOn: ["deactivate"] })],
          [live("ann@example.com")],
        ),
      ),
    ).toBeUndefined();
  });

  it("shows in the JSON plan as revoke_sessions and in the text plan as a line under the identity", () => {
    const json = toJsonPlan(buildPlan([set("staff", [deactivated])], [active()]));
    expect(json.sets[0].actions).toEqual([
      expect.objectContaining({ action: "update", revoke_sessions: ["deactivate"] }),
    ]);
    expect(renderPlan(json)).toBe(
      [
        "~ update staff/ann@example.com (id-ann)",
        '    ~ /state: "active" -> "inactive"',
        "    sessions: revoke (deactivate)",
        "Plan: 0 to create, 1 to update, 0 to delete, 0 to adopt.",
        "",
      ].join("\n"),
    );
  });

  it("is applied before and after the identity's write: DELETE /admin/identities/{id}/sessions", async () => {
    const admin = memoryAdmin("v1.3.1", [active(), managed("staff", "bob@example.com", { id: "id-bob" })]);
    const plan = buildPlan(
      [set("staff", [deactivated, desired("bob@example.com", { metadata_public: { a: 1 } })])],
      [...admin.store.values()],
    );
    const result = await applyPlan(plan, admin, { concurrency: 1 });
    expect(result.failed).toBe(0);
    expect(admin.calls.filter((c) => !c.startsWith("capabilities"))).toEqual([
      "deleteIdentitySessions id-ann",
      "patchIdentity /state",
      "deleteIdentitySessions id-ann",
      "patchIdentity /metadata_public",
    ]);
  });

  it("writes nothing when the revoke fails, so that a re-run still plans the deactivation", async () => {
    const admin = memoryAdmin("v1.3.1", [active()]);
    admin.deleteIdentitySessions = async () => {
      throw new Error("server error 503");
    };
    const plan = buildPlan([set("staff", [deactivated])], [...admin.store.values()]);
    const result = await applyPlan(plan, admin);
    expect(result.outcomes).toEqual([expect.objectContaining({ result: "failed", reason: "server error 503" })]);
    expect(admin.store.get("id-ann")?.state).toBe("active");
    expect(revoked(buildPlan([set("staff", [deactivated])], [...admin.store.values()]))).toEqual(["deactivate"]);
  });
});

describe("spec.ignore", () => {
  const current = () =>
    managed("staff", "ann@example.com", {
      id: "id-ann",
      traits: { email: "ann@example.com", name: { first: "Annie", last: "A" } },
      metadata_public: { prefs: { theme: "dark" }, role: "dev" },
    });

  it("neither compares nor writes ignored paths: changed by users, they are no drift", () => {
    const wanted = desired("ann@example.com", {
      traits: { email: "ann@example.com", name: { first: "Ann" } },
      metadata_public: { role: "dev" },
    });
    const ignore = [
      ["traits", "name"],
      ["metadata_public", "prefs"],
    ];
    expect(only(buildPlan([set("staff", [wanted], { ignore })], [current()])).action).toBe("noop");
    // Without ignore, both are drift.
    expect(only(buildPlan([set("staff", [wanted])], [current()]))).toMatchObject({
      action: "update",
      patch: [
        { op: "replace", path: "/traits/name/first", value: "Ann" },
        { op: "remove", path: "/traits/name/last" },
        { op: "remove", path: "/metadata_public/prefs" },
      ],
    });
  });

  it("still writes what is not ignored, next to the ignored values", () => {
    const wanted = desired("ann@example.com", {
      traits: { email: "ann@example.com" },
      metadata_public: { role: "lead" },
    });
    const plan = buildPlan(
      [
        set("staff", [wanted], {
          ignore: [
            ["traits", "name"],
            ["metadata_public", "prefs", "theme"],
          ],
        }),
      ],
      [current()],
    );
    expect(only(plan)).toMatchObject({
      action: "update",
      patch: [{ op: "replace", path: "/metadata_public/role", value: "lead" }],
    });
  });

  it("sets ignored fields on create", () => {
    const wanted = desired("new@example.com", { traits: { email: "new@example.com", name: { first: "New" } } });
    const plan = buildPlan([set("staff", [wanted], { ignore: [["traits", "name"]] })], []);
    expect(only(plan)).toMatchObject({
      action: "create",
      body: { traits: { email: "new@example.com", name: { first: "New" } } },
    });
  });

  it("withIgnored: takes the live value, removes a declared one the server lacks, keeps null metadata null", () => {
    const live = {
      traits: { email: "a", name: "x" },
      metadata_public: null,
      metadata_admin: { [MARKER_KEY]: { set: "s" } },
      state: "active",
    };
    const want = {
      traits: { email: "a" },
      metadata_public: { prefs: 1 },
      metadata_admin: { [MARKER_KEY]: { set: "s" } },
      state: "active",
    };
    expect(
      withIgnored(want, live, [
        ["traits", "name"],
        ["metadata_public", "prefs"],
      ]),
    ).toEqual(live);
    // A non-object in the way is left as declared.
    expect(
      withIgnored({ ...want, traits: { email: "a", name: "y" } }, live, [["traits", "name", "first"]]).traits,
    ).toEqual({ email: "a", name: "y" });
  });
});

describe("passwords changed outside ory-reconcile", () => {
  const password = enforcedPassword("staff", "ann@example.com", "declared-Secret-1");
  const wanted = desired("ann@example.com", {}, { credentials: { password } });
  /** Managed, its marker holding the fingerprint of the declared password; the credential with these timestamps. */
  const current = (created_at: string, updated_at: string) => {
    const identity = managed("staff", "ann@example.com", { id: "id-ann" }, {}, password.fingerprint);
    identity.credentials = { password: { type: "password", identifiers: ["ann@example.com"], created_at, updated_at } };
    return identity;
  };
  const changed = current("2026-11-29T10:00:00.1Z", "2026-11-29T11:30:00.5Z");
  const untouched = current("2026-11-29T10:00:00.1Z", "2026-11-29T10:00:00.1Z");

  it("sets an enforced password again when the server shows it changed since its last admin write, and says why", () => {
    const plan = buildPlan([set("staff", [wanted])], [changed], { passwordChanges: true });
    expect(only(plan)).toMatchObject({
      action: "update",
      patch: [],
      credentials: { password },
      changes: [{ path: "/credentials/password", before: "(changed outside ory-reconcile)", after: "(sensitive)" }],
    });
    expect(renderPlan(toJsonPlan(plan))).toBe(
      [
        "~ update staff/ann@example.com (id-ann)",
        '    ~ /credentials/password: "(changed outside ory-reconcile)" -> "(sensitive)"',
        "Plan: 0 to create, 1 to update, 0 to delete, 0 to adopt.",
        "",
      ].join("\n"),
    );
  });

  it("leaves it alone when unchanged, on servers whose timestamps do not tell, and for other policies and kinds", () => {
    expect(only(buildPlan([set("staff", [wanted])], [untouched], { passwordChanges: true })).action).toBe("noop");
    expect(only(buildPlan([set("staff", [wanted])], [changed])).action).toBe("noop");
    const initial = desired(
      "ann@example.com",
      {},
      { credentials: { password: { ...password, policy: "initial" as const } } },
    );
    expect(only(buildPlan([set("staff", [initial])], [changed], { passwordChanges: true })).action).toBe("noop");
    const hook = desired(
      "ann@example.com",
      {},
      {
        credentials: {
          password: { kind: "migration_hook" as const, policy: "enforce" as const, fingerprint: password.fingerprint },
        },
      },
    );
    expect(only(buildPlan([set("staff", [hook])], [changed], { passwordChanges: true })).action).toBe("noop");
  });

  it("revokes the sessions for it when revoke_on names password_change", () => {
    const plan = buildPlan([set("staff", [wanted], { revokeOn: ["password_change"] })], [changed], {
      passwordChanges: true,
    });
    expect(revoked(plan)).toEqual(["password_change"]);
  });
});
