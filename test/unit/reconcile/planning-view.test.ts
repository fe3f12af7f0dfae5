import { digest } from "../../../src/reconcile/core/json";
import { liveFingerprintSource, planningView } from "../../../src/reconcile/core/normalize";
import { buildPlan } from "../../../src/reconcile/core/plan";
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { desired, enforcedPassword, live, managed, set } from "../../support/builders";

/** An identity as Kratos v1.3.1 lists it with `include_credential=oidc`: every server-generated field present. */
function full(email: string, fields: Partial<LiveIdentity> = {}): LiveIdentity {
  return managed("staff", email, {
    state_changed_at: "2026-11-22T10:00:00.123456Z",
    organization_id: null,
    external_id: null,
    credentials: {
      password: { type: "password", identifiers: [email], version: 0 },
      oidc: {
        type: "oidc",
        identifiers: ["google:123"],
        config: { providers: [{ provider: "google", subject: "123" }] },
        version: 0,
      },
    },
    ...fields,
  });
}

describe("planningView", () => {
  const identities = [
    full("alice@example.com"),
    full("bob@example.com", {
      traits: { email: "bob@example.com", name: { first: "Bob" } },
      metadata_public: { role: "admin" },
    }),
    full("carol@example.com", {
      state: "inactive",
      verifiable_addresses: [
        {
          id: "x",
          value: "carol@example.com",
          via: "email",
          verified: true,
          status: "completed",
          verified_at: "2026-01-01T00:00:00Z",
        },
      ],
    }),
    live("dave@example.com", { recovery_addresses: [] }),
    full("erin@example.com", { credentials: { password: { type: "password" } } }),
    { id: "00000000-0000-4000-8000-00000000ffff", schema_id: "default", traits: null },
  ];

  it("drops what planning does not read", () => {
    expect(planningView(identities[0])).toEqual({
      id: identities[0].id,
      schema_id: "default",
      state: "active",
      traits: { email: "alice@example.com" },
      metadata_public: null,
      metadata_admin: identities[0].metadata_admin,
      organization_id: null,
      external_id: null,
      credentials: { password: { identifiers: ["alice@example.com"] }, oidc: { identifiers: ["google:123"] } },
      verifiable_addresses: [{ value: "alice@example.com", via: "email", verified: false, status: "pending" }],
      recovery_addresses: [{ value: "alice@example.com", via: "email" }],
    });
  });

  it("keeps every live digest the same", () => {
    for (const identity of identities)
      expect(digest(liveFingerprintSource(planningView(identity)))).toBe(digest(liveFingerprintSource(identity)));
  });

  it("gives the same plan as the full identities", () => {
    const sets = [
      set(
        "staff",
        [
          desired("alice@example.com"),
          desired("bob@example.com", { traits: { email: "bob@example.com", name: { first: "Robert" } } }),
          desired("carol@example.com", {
            verifiable_addresses: [{ value: "carol@example.com", via: "email", verified: false }],
          }),
          desired("dave@example.com"),
          desired(
            "erin@example.com",
            {},
            {
              credentials: {
                password: enforcedPassword("staff", "erin@example.com", "Secret-Erin-1"),
                oidc: { providers: [{ provider: "google", subject: "9" }] },
              },
            },
          ),
          desired("frank@example.com"),
        ],
        { prune: true },
      ),
    ];
    const pruned = full("gone@example.com");
    expect(buildPlan(sets, [...identities, pruned].map(planningView))).toEqual(
      buildPlan(sets, [...identities, pruned]),
    );
  });
});
