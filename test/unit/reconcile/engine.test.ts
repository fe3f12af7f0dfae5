// The engine on newer servers (Ory Network, Kratos >= v25): capability checks, lookups by external_id, batch
// limits, local password hashing, the verify read and what a PUT carries.
import bcrypt from "bcryptjs";
import { NETWORK_CAPABILITIES } from "../../../src/ory/capabilities";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { UserError } from "../../../src/reconcile/core/errors";
import { createBody, putBody } from "../../../src/reconcile/core/bodies";
import { capabilityIssues, planSets, readStrategy, reconcile } from "../../../src/reconcile/engine/engine";
import { DesiredIdentity, DesiredSet, JsonObject, Secret } from "../../../src/reconcile/core/types";
import { desired, enforcedPassword, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const ORG = "7a7b3b48-4f8e-4a8c-9a4e-52f1a8f6d0c2";
const V1 = "v1.3.1";

function byExternalId(
  externalId: string,
  body: Partial<DesiredIdentity["body"]> = {},
  extra: Partial<DesiredIdentity> = {},
): DesiredIdentity {
  return {
    key: externalId,
    body: { traits: { email: `${externalId}@example.test` }, external_id: externalId, ...body },
    ...extra,
  };
}
function externalSet(name: string, identities: DesiredIdentity[], options: Partial<DesiredSet> = {}): DesiredSet {
  return set(name, identities, { key: { kind: "external_id" }, ...options });
}
const password = (value: string) => ({
  password: { kind: "password" as const, value: new Secret(value), policy: "initial" as const },
});
/** Calls other than the identity schemas (read to check traits). */
const reads = (server: { calls: string[] }) => server.calls.filter((call) => call !== "listSchemas");
const emails = (count: number, extra: Partial<DesiredIdentity> = {}) =>
  Array.from({ length: count }, (_, i) => desired(`user-${i}@example.test`, {}, extra));

describe("capabilityIssues", () => {
  it("refuses external_id and a set organization on Kratos v1.x, naming the identity", () => {
    const sets = [
      externalSet("svc", [byExternalId("svc-1")]),
      set("staff", [
        desired("ann@example.test", { external_id: "ann" }),
        desired("ben@example.test", { organization_id: ORG }, { source: { file: "staff.yaml", line: 7, col: 7 } }),
      ]),
    ];
    const caps = {
      ...NETWORK_CAPABILITIES,
      flavor: "kratos" as const,
      version: V1,
      externalId: false,
      organizationId: false,
    };
    expect(capabilityIssues(sets, caps)).toEqual([
      {
        pos: undefined,
        path: "spec.key",
        message: "set svc uses key: external_id but the server (kratos v1.3.1) does not support external_id",
        hint: "use a trait as the key, e.g. `key: traits.email`, or target Ory Network / Kratos >= v25",
      },
      {
        pos: undefined,
        path: "external_id",
        message:
          "staff/ann@example.test declares external_id but the server (kratos v1.3.1) does not support external_id",
        hint: "remove external_id, or target Ory Network / Kratos >= v25",
      },
      {
        pos: { file: "staff.yaml", line: 7, col: 7 },
        path: "organization_id",
        message:
          "staff/ben@example.test declares organization_id but the server (kratos v1.3.1) does not support organizations",
        hint: "remove organization_id, or target Ory Network / Kratos >= v25",
      },
    ]);
  });

  it("accepts organization_id: null everywhere, and everything on Ory Network", () => {
    const v1 = {
      ...NETWORK_CAPABILITIES,
      flavor: "kratos" as const,
      version: V1,
      externalId: false,
      organizationId: false,
    };
    expect(capabilityIssues([set("staff", [desired("ann@example.test", { organization_id: null })])], v1)).toEqual([]);
    expect(
      capabilityIssues([externalSet("svc", [byExternalId("svc-1", { organization_id: ORG })])], NETWORK_CAPABILITIES),
    ).toEqual([]);
  });

  it("stops planSets before any identity is read", async () => {
    const admin = memoryAdmin(V1);
    const { plan } = await planSets([set("staff", [desired("ann@example.test", { organization_id: ORG })])], admin);
    expect(plan.issues.map((issue) => issue.path)).toEqual(["organization_id"]);
    expect(admin.calls).toEqual([]);
  });
});

describe("reading live state: lookups by external_id or a full list", () => {
  const admin = memoryAdmin();
  const few = [externalSet("svc", [byExternalId("a"), byExternalId("b")]), externalSet("bots", [byExternalId("c")])];

  it.each([
    ["few identities keyed by external_id", few, NETWORK_CAPABILITIES, {}, "lookup"],
    [
      "exactly 5",
      [
        externalSet(
          "svc",
          ["a", "b", "c", "d", "e"].map((k) => byExternalId(k)),
        ),
      ],
      NETWORK_CAPABILITIES,
      {},
      "lookup",
    ],
    [
      "6 identities",
      [
        externalSet(
          "svc",
          ["a", "b", "c", "d", "e", "f"].map((k) => byExternalId(k)),
        ),
      ],
      NETWORK_CAPABILITIES,
      {},
      "list",
    ],
    ["a set keyed by a trait", [...few, set("staff", [desired("ann@example.test")])], NETWORK_CAPABILITIES, {}, "list"],
    ["a set that prunes", [externalSet("svc", [byExternalId("a")], { prune: true })], NETWORK_CAPABILITIES, {}, "list"],
    ["--prune", few, NETWORK_CAPABILITIES, { prune: true }, "list"],
    ["a server without external_id", few, { ...NETWORK_CAPABILITIES, externalId: false }, {}, "list"],
    ["an empty set", [externalSet("svc", [])], NETWORK_CAPABILITIES, {}, "list"],
  ])("%s: %s", (_name, sets, caps, options, expected) => {
    expect(readStrategy(sets, caps, admin, options)).toBe(expected);
  });

  it("lists when the admin cannot look up by external_id", () => {
    const { getIdentityByExternalId: _lookup, ...withoutLookup } = memoryAdmin();
    expect(readStrategy(few, NETWORK_CAPABILITIES, withoutLookup)).toBe("list");
  });

  it("plans from one lookup per declared identity, and lists nothing", async () => {
    const existing = managed(
      "svc",
      "a@example.test",
      { external_id: "a", traits: { email: "a@example.test" } },
      {},
      undefined,
      "a",
      { kind: "external_id" },
    );
    const unrelated = live("other@example.test", { external_id: "zzz" });
    const server = memoryAdmin("network", [existing, unrelated]);
    const { plan } = await planSets([externalSet("svc", [byExternalId("a"), byExternalId("b")])], server);
    expect(reads(server)).toEqual(["getIdentityByExternalId a", "getIdentityByExternalId b"]);
    expect(plan.sets[0].actions.map((a) => [a.action, a.key])).toEqual([
      ["noop", "a"],
      ["create", "b"],
    ]);
  });

  it("lists credential identifiers (never a config) only when a set may adopt, so that the plan shows what an adopted identity holds", async () => {
    const asked = async (sets: DesiredSet[], options: { adopt?: boolean }) => {
      const server = memoryAdmin(V1, [
        live("reg@example.test", {
          credentials: { password: { type: "password", identifiers: ["reg@example.test"] } },
        }),
      ]);
      const seen: Array<{ credentialIdentifiers?: boolean; includeCredential?: string[] }> = [];
      const list = server.listIdentities;
      server.listIdentities = async (options) => {
        seen.push({
          credentialIdentifiers: options?.credentialIdentifiers,
          includeCredential: options?.includeCredential,
        });
        return list(options);
      };
      const { plan } = await planSets(sets, server, options);
      return { seen, summary: plan.summary, issues: plan.issues.length };
    };
    const declared = () => set("staff", [desired("reg@example.test")]);
    expect(await asked([declared()], {})).toEqual({
      seen: [{ credentialIdentifiers: false, includeCredential: undefined }],
      summary: { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 },
      issues: 1,
    });
    for (const [sets, options] of [
      [[set("staff", [desired("reg@example.test")], { adopt: true })], {}],
      [[declared()], { adopt: true }],
    ] as const) {
      expect(await asked([...sets], options)).toEqual({
        seen: [{ credentialIdentifiers: true, includeCredential: undefined }],
        summary: { create: 0, update: 0, delete: 0, adopt: 1, noop: 0 },
        issues: 0,
      });
    }
  });

  it("lists with the server's page size otherwise", async () => {
    const server = memoryAdmin("network");
    await planSets([externalSet("svc", [byExternalId("a")], { prune: true })], server);
    expect(reads(server)).toEqual(["listIdentities 500"]);
  });
});

describe("creates", () => {
  const batchSizes = (server: ReturnType<typeof memoryAdmin>) => server.batches.map((batch) => batch.length);

  // As few batches as the limit allows, in equal sizes; with two in flight (the default) an even number of them, so
  // that no half-empty batch runs alone at the end.
  it("batches 200 when a plaintext password is sent, 1000 otherwise (Ory Network, Kratos >= v25)", async () => {
    const plain = memoryAdmin("network");
    await reconcile([set("load", emails(201, { credentials: password("same-Secret-1") }))], plain);
    expect(batchSizes(plain)).toEqual([101, 100]);
    const hashed = memoryAdmin("network");
    const identities = emails(1001, {
      credentials: { password: { kind: "hashed_password", value: new Secret("$2b$04$abc"), policy: "initial" } },
    });
    await reconcile([set("load", identities)], hashed);
    expect(batchSizes(hashed)).toEqual([501, 500]);
  });

  it("batches 2000 on Kratos v1.x", async () => {
    const server = memoryAdmin(V1);
    await reconcile([set("load", emails(4000))], server, { concurrency: 1 });
    expect(batchSizes(server)).toEqual([2000, 2000]);
  });

  it.each([
    [V1, 3000, 1, [1500, 1500]],
    [V1, 3000, 8, [1500, 1500]],
    ["v26.2.0", 3000, 8, [750, 750, 750, 750]],
    [V1, 10000, 8, [1667, 1667, 1667, 1667, 1666, 1666]],
    [V1, 10000, 1, [2000, 2000, 2000, 2000, 2000]],
    ["network", 1000, 8, [1000]],
  ] as const)("on %s, splits %i creates (concurrency %i) into %j", async (server, count, concurrency, sizes) => {
    const admin = memoryAdmin(server);
    await reconcile([set("load", emails(count))], admin, { concurrency });
    expect(batchSizes(admin)).toEqual(sizes);
    expect(admin.store.size).toBe(count);
  });

  it("with prehashPasswords, hashes locally and sends hashed_password, so the larger limit applies", async () => {
    const server = memoryAdmin("network");
    const identities = emails(201, { credentials: password("same-Secret-1") });
    identities[0] = desired("first@example.test", {}, { credentials: password("first-Secret-0") });
    await reconcile([set("load", identities)], server, { prehashPasswords: true, bcryptCost: 4 });
    expect(batchSizes(server)).toEqual([201]);
    const sent = server.batches[0].map(
      (body) => (body.credentials as { password: { config: JsonObject } }).password.config,
    );
    expect(
      sent.every(
        (config) =>
          Object.keys(config).join() === "hashed_password" && /^\$2b\$04\$/.test(String(config.hashed_password)),
      ),
    ).toBe(true);
    expect(bcrypt.compareSync("first-Secret-0", String(sent[0].hashed_password))).toBe(true);
    expect(bcrypt.compareSync("same-Secret-1", String(sent[1].hashed_password))).toBe(true);
    expect(JSON.stringify(server.batches)).not.toMatch(/Secret-[01]/);
  });

  it("leaves a password bcrypt cannot hold (over 72 bytes) to the server", async () => {
    const server = memoryAdmin("network");
    await reconcile(
      [set("load", [desired("long@example.test", {}, { credentials: password("x".repeat(73)) })])],
      server,
      { prehashPasswords: true, bcryptCost: 4 },
    );
    expect(server.batches[0][0].credentials).toEqual({ password: { config: { password: "x".repeat(73) } } });
  });

  it("refuses an impossible bcrypt cost before writing", async () => {
    const server = memoryAdmin("network");
    const { plan } = await planSets([set("load", emails(1, { credentials: password("a-Secret-1") }))], server);
    await expect(applyPlan(plan, server, { prehashPasswords: true, bcryptCost: 3 })).rejects.toThrow(UserError);
    expect(server.batches).toEqual([]);
  });

  it("verifies a batch with a strongly consistent read", async () => {
    const server = memoryAdmin("network");
    await reconcile([externalSet("svc", [byExternalId("a", { organization_id: ORG })])], server);
    expect(server.calls.filter((call) => call.startsWith("listIdentitiesByIds"))).toEqual([
      "listIdentitiesByIds strong",
    ]);
    expect(server.batches[0][0]).toMatchObject({ external_id: "a", organization_id: ORG });
  });
});

describe("updates that change credentials (PUT)", () => {
  it("keep external_id, send organization and address changes as a JSON Patch after the PUT, and pre-hash when asked", async () => {
    const fingerprintOf = (value: string) => enforcedPassword("svc", "a", value);
    const current = managed(
      "svc",
      "a@example.test",
      { external_id: "a", organization_id: null, traits: { email: "a@example.test" } },
      {},
      fingerprintOf("old-Secret-1").fingerprint,
      "a",
      { kind: "external_id" },
    );
    const server = memoryAdmin("network", [current]);
    const identity = byExternalId(
      "a",
      { organization_id: ORG },
      { credentials: { password: fingerprintOf("new-Secret-2") } },
    );
    const { result } = await reconcile([externalSet("svc", [identity])], server, {
      prehashPasswords: true,
      bcryptCost: 4,
    });

    expect(result.outcomes.map((o) => [o.subject, o.result])).toEqual([["svc/a", "configured"]]);
    expect(reads(server)).toEqual([
      "getIdentityByExternalId a",
      "getIdentity",
      "putIdentity",
      "patchIdentity /organization_id",
    ]);
    expect(server.puts[0]).toMatchObject({ external_id: "a", schema_id: "default", state: "active" });
    expect(server.puts[0]).not.toHaveProperty("organization_id");
    const hash = (server.puts[0].credentials as { password: { config: { hashed_password: string } } }).password.config
      .hashed_password;
    expect(bcrypt.compareSync("new-Secret-2", hash)).toBe(true);
    const after = server.store.get(current.id);
    expect([after?.external_id, after?.organization_id]).toEqual(["a", ORG]);
  });
});

describe("bodies", () => {
  const current = live("a@example.test", { external_id: "a", organization_id: ORG, metadata_public: { x: 1 } });

  it("a PUT body carries external_id (a PUT without it clears it) and never organization_id (not an update field)", () => {
    expect(
      putBody(
        current,
        [
          { op: "replace", path: "/organization_id", value: null },
          { op: "replace", path: "/traits/email", value: "b@example.test" },
        ],
        undefined,
      ),
    ).toEqual({
      schema_id: "default",
      traits: { email: "b@example.test" },
      state: "active",
      metadata_public: { x: 1 },
      metadata_admin: null,
      external_id: "a",
    });
  });

  it("a create body sends a set organization, and leaves out null (no organization, every server's default)", () => {
    expect(createBody({ traits: {}, organization_id: ORG }, undefined, "default")).toEqual({
      schema_id: "default",
      traits: {},
      state: "active",
      organization_id: ORG,
    });
    expect(createBody({ traits: {}, organization_id: null }, undefined, "default")).toEqual({
      schema_id: "default",
      traits: {},
      state: "active",
    });
  });
});
