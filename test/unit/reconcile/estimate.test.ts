// The requests an apply sends per Ory Network rate-limit bucket, and the wait the announced limits impose.
import { NETWORK_CAPABILITIES } from "../../../src/ory/capabilities";
import { applyRequests, estimateApply, RequestTally, waitSeconds } from "../../../src/reconcile/core/estimate";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { Secret, type DesiredIdentity, type DesiredSet, type LiveIdentity } from "../../../src/reconcile/core/types";

const identity = (email: string, extra: Partial<DesiredIdentity> = {}): DesiredIdentity => ({
  key: email,
  body: { schema_id: "default", traits: { email } },
  ...extra,
});
const set = (identities: DesiredIdentity[], prune = false): DesiredSet => ({
  name: "staff",
  key: { kind: "trait", path: ["email"] },
  prune,
  identities,
});
const live = (id: string, email: string, extra: Partial<LiveIdentity> = {}): LiveIdentity => ({
  id,
  schema_id: "default",
  traits: { email },
  metadata_admin: { ory_reconcile: { set: "staff" } },
  ...extra,
});

describe("applyRequests", () => {
  it("counts create batches and their read-backs, patches, PUTs with their GET, and deletes", () => {
    const password = { kind: "password" as const, value: new Secret("pw-123456"), policy: "enforce" as const };
    const creates = Array.from({ length: 450 }, (_, i) =>
      identity(`n${i}@e.test`, { credentials: { password: { ...password, policy: "initial" } } }),
    );
    const declared = [
      ...creates,
      identity("a@e.test", {
        body: { schema_id: "default", traits: { email: "a@e.test" }, metadata_public: { x: 1 } },
      }),
      identity("b@e.test", { credentials: { password } }),
    ];
    const plan = buildPlan(
      [set(declared, true)],
      [live("1", "a@e.test"), live("2", "b@e.test"), live("3", "gone@e.test")],
    );
    expect(plan.summary).toMatchObject({ create: 450, update: 2, delete: 1 });
    // 450 with plaintext passwords: batches of at most 200, an even number of equal batches (4 × 112/113).
    expect(applyRequests(plan, NETWORK_CAPABILITIES)).toEqual({
      "kratos-admin-low": 4 + 1 + 1 + 1,
      "kratos-admin-medium": 4,
      "kratos-admin-high": 1,
    });
    // Hashed locally: batches of up to 1000, one batch.
    expect(applyRequests(plan, NETWORK_CAPABILITIES, { prehashPasswords: true })).toEqual({
      "kratos-admin-low": 1 + 3,
      "kratos-admin-medium": 1,
      "kratos-admin-high": 1,
    });
  });

  it("counts the lifecycle writes: session revokes (before and after the write), credential removals, SAML unlinks, invites", () => {
    const unmanaged = (id: string, email: string): LiveIdentity => ({
      id,
      schema_id: "default",
      traits: { email },
      metadata_admin: {},
    });
    const declared = [
      // Adopted: revoked by default (before and after the PATCH that adds the marker).
      identity("adopt@e.test"),
      // Deactivated: revoked by default.
      identity("off@e.test", { body: { schema_id: "default", traits: { email: "off@e.test" }, state: "inactive" } }),
      // A TOTP declared absent: one DELETE …/credentials/totp; the SAML link not declared: one DELETE …/credentials/saml.
      identity("mfa@e.test", {
        credentials: { imported: { totp: "absent", saml: { config: new Secret(JSON.stringify({ providers: [] })) } } },
      }),
      // Created with an invite: one POST /admin/recovery/link.
      identity("new@e.test", { recovery: { method: "link" } }),
    ];
    const plan = buildPlan(
      [{ ...set(declared), adopt: true }],
      [
        unmanaged("1", "adopt@e.test"),
        live("2", "off@e.test", { state: "active" }),
        live("3", "mfa@e.test", {
          credentials: { totp: { type: "totp", identifiers: [] }, saml: { type: "saml", identifiers: ["acme:7"] } },
        } as Partial<LiveIdentity>),
      ],
    );
    expect(plan.issues).toEqual([]);
    const byKey = Object.fromEntries(plan.sets[0].actions.map((a) => [a.key, a]));
    expect(byKey["adopt@e.test"]).toMatchObject({ action: "adopt", revoke_sessions: ["adopt"] });
    expect(byKey["off@e.test"]).toMatchObject({ action: "update", revoke_sessions: ["deactivate"] });
    expect(byKey["mfa@e.test"]).toMatchObject({ action: "update", remove: ["totp"] });
    expect((byKey["mfa@e.test"] as { unlinkSaml?: unknown[] }).unlinkSaml).toHaveLength(1);
    // create 1 + read-back 1; adopt PATCH 1 + revokes 2; deactivate PATCH 1 + revokes 2; mfa DELETE 2 + the PATCH
    // that writes its marker's key digest along with them (its live marker has none); invite 1.
    expect(applyRequests(plan, NETWORK_CAPABILITIES)).toEqual({
      "kratos-admin-low": 1 + 3 + 3 + 3 + 1,
      "kratos-admin-medium": 1,
    });
  });

  it("reads back creates that declare addresses once more per 100", () => {
    const creates = Array.from({ length: 150 }, (_, i) =>
      identity(`n${i}@e.test`, {
        body: { traits: { email: `n${i}@e.test` }, verifiable_addresses: [{ value: `n${i}@e.test`, via: "email" }] },
      }),
    );
    expect(applyRequests(buildPlan([set(creates)], []), NETWORK_CAPABILITIES)).toEqual({
      "kratos-admin-low": 1,
      "kratos-admin-medium": 1 + 2,
    });
  });
});

describe("waitSeconds and estimateApply", () => {
  const windows = [
    { limit: 10, window_seconds: 1 },
    { limit: 300, window_seconds: 60 },
  ];

  it("times n requests by the slowest window", () => {
    expect(waitSeconds(10, windows)).toBe(0);
    expect(waitSeconds(11, windows)).toBe(1);
    expect(waitSeconds(301, windows)).toBe(60);
    expect(waitSeconds(1000, windows)).toBe(180);
  });

  it("gives nothing without announced limits (self-hosted Kratos), and assumes medium's for a bucket not seen", () => {
    const plan = buildPlan([set([identity("a@e.test")])], []);
    expect(estimateApply(plan, NETWORK_CAPABILITIES, { "kratos-admin-medium": 1 }, {})).toBeUndefined();
    expect(
      estimateApply(
        plan,
        NETWORK_CAPABILITIES,
        { "kratos-admin-medium": 2, default: 1 },
        { "kratos-admin-medium": windows },
      ),
    ).toEqual({
      requests: { "kratos-admin-medium": 3, "kratos-admin-low": 1, default: 1 },
      limits: { "kratos-admin-medium": windows },
      assumed: ["kratos-admin-low"],
      seconds: 0,
    });
  });

  it("tallies answered requests per bucket, not the ones the limit refused, and keeps the announced windows", () => {
    const tally = new RequestTally();
    tally.record({ bucket: "kratos-admin-low", status: 201, rateLimit: "10, 10;w=1, 300;w=60" });
    tally.record({ bucket: "kratos-admin-low", status: 429, rateLimit: "10, 10;w=1, 300;w=60" });
    tally.record({ bucket: "default", status: 404 });
    tally.record({ bucket: "default" });
    expect(tally.requests).toEqual({ "kratos-admin-low": 1, default: 1 });
    expect(tally.limits).toEqual({ "kratos-admin-low": windows });
  });
});
