// Writes that would clash over a value only one identity may hold (credential identifier, address, external_id)
// are plan errors naming the live identity; a create that clashes only with an identity its set prunes is that
// identity renamed, updated in place; apply never deletes in a set whose create failed.
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { applyPlan, resetSchemaCache } from "../../../src/reconcile/engine/apply";
import { UniqueValues } from "../../../src/reconcile/core/clashes";
import { planSets } from "../../../src/reconcile/engine/engine";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { Action, DesiredSet, LiveIdentity } from "../../../src/reconcile/core/types";
import { desired, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const SCHEMAS = [{ id: "default", schema: IDENTITY_SCHEMA }];
const at = (line: number) => ({ file: "users.yaml", line, col: 5 });
const person = (username: string, email: string, line = 7) => ({
  ...desired(email, { traits: { email, username } }),
  key: username,
  source: at(line),
});
const users = (identities: ReturnType<typeof person>[], prune = true): DesiredSet =>
  set("users", identities, { key: { kind: "trait", path: ["username"] }, prune });
const USERNAME_KEY = { kind: "trait" as const, path: ["username"] };
const withUsername = (identity: LiveIdentity, username: string): LiveIdentity => ({
  ...identity,
  traits: { ...(identity.traits ?? {}), username },
});
const strip = (a: Action) => {
  const { live_digest: _d, changes: _c, ...rest } = a as Action & { live_digest?: string; changes?: unknown };
  return rest;
};

describe("UniqueValues: what Kratos lets one identity hold, normalized as Kratos stores it", () => {
  it("reads identifier and address marks (through $refs and array items) and external_id", () => {
    const schema = {
      definitions: {
        mail: {
          type: "string",
          format: "email",
          "ory.sh/kratos": { credentials: { password: { identifier: true } }, recovery: { via: "email" } },
        },
      },
      properties: {
        traits: {
          properties: {
            email: { $ref: "#/definitions/mail" },
            phones: {
              type: "array",
              items: {
                type: "string",
                "ory.sh/kratos": {
                  credentials: { code: { identifier: true, via: "sms" } },
                  verification: { via: "sms" },
                },
              },
            },
            name: { type: "string" },
          },
        },
      },
    };
    const values = new UniqueValues([{ id: "s", schema }]).of(
      "s",
      { email: " Ann@Example.com", phones: ["+49 1 ", "+492"], name: "Ann" },
      "ext-1",
    );
    expect(values.map((v) => [v.kind, v.field, v.compared.split("\u0000")[1]])).toEqual([
      ["password identifier", "traits.email", " ann@example.com"],
      ["recovery address (email)", "traits.email", "ann@example.com"],
      // Code identifiers via sms are stored in E.164 by every server; addresses via sms as written before v26.2.0.
      ["code identifier", "traits.phones[0]", "+491"],
      ["verifiable address (sms)", "traits.phones[0]", "+49 1"],
      ["code identifier", "traits.phones[1]", "+492"],
      ["verifiable address (sms)", "traits.phones[1]", "+492"],
      ["external_id", "external_id", "ext-1"],
    ]);
  });

  it("sees only external_id without the schemas", () => {
    expect(new UniqueValues().of(undefined, { email: "a@example.com" }, null)).toEqual([]);
  });
});

describe("buildPlan: writes that would clash over unique values", () => {
  it("updates a pruned identity in place, keeping its id, when only it holds the renamed identity's values", () => {
    const old = withUsername(managed("users", "ann@example.com", {}, {}, undefined, "ann", USERNAME_KEY), "ann");
    const plan = buildPlan([users([person("ann-m", "ann@example.com")])], [old], { schemas: SCHEMAS });
    expect(plan.issues).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "update",
        set: "users",
        key: "ann-m",
        id: old.id,
        // The marker records the new key, so that the rename is not taken for a change made outside the tool.
        patch: [
          { op: "replace", path: "/traits/username", value: "ann-m" },
          { op: "replace", path: "/metadata_admin/ory_reconcile/key", value: keyDigest("ann-m", USERNAME_KEY) },
        ],
        credentials: undefined,
      },
    ]);
  });

  it("refuses the create when the identity holding the e-mail is not pruned, naming its id, set, field and value", () => {
    const old = withUsername(managed("users", "ann@example.com", {}, {}, undefined, "ann", USERNAME_KEY), "ann");
    const plan = buildPlan(
      [users([person("ann", "ann@example.com", 7), person("ann-m", "ann@example.com", 9)], false)],
      [old],
      { schemas: SCHEMAS },
    );
    expect(plan.issues).toEqual([
      {
        pos: at(9),
        path: "traits.email",
        message: `users/ann-m: traits.email "ann@example.com" is already held by live identity ${old.id} (managed by set users) in traits.email, as its password identifier, code identifier, verifiable address (email) and recovery address (email); the server would refuse this create`,
        hint: `each of these values can belong to one identity only: change the declared value, or remove it from ${old.id} (or delete that identity) first`,
      },
    ]);
  });

  it("refuses a create that clashes with an unmanaged identity, and one whose values another identity of the set also holds", () => {
    const stranger = live("Bea@Example.com");
    const plan = buildPlan([users([person("bea", "bea@example.com")])], [stranger], { schemas: SCHEMAS });
    expect(plan.issues.map((i) => i.message)).toEqual([
      expect.stringContaining(
        `users/bea: traits.email "bea@example.com" is already held by live identity ${stranger.id} (not managed by ory-reconcile)`,
      ),
    ]);

    // A second managed identity also holds it: not a rename of either.
    const a = withUsername(managed("users", "cai@example.com", {}, {}, undefined, "cai", USERNAME_KEY), "cai");
    const b = {
      ...withUsername(managed("users", "dan@example.com", {}, {}, undefined, "dan", USERNAME_KEY), "dan"),
      recovery_addresses: [{ value: "cai@example.com", via: "email" }],
    };
    const both = buildPlan([users([person("cai-2", "cai@example.com")])], [a, b], { schemas: SCHEMAS });
    expect(both.summary.create).toBe(1);
    expect(both.issues.map((i) => i.message)).toEqual([expect.stringContaining(a.id), expect.stringContaining(b.id)]);
  });

  it("refuses two declared identities that would hold the same e-mail, at the second one's position", () => {
    const plan = buildPlan([users([person("eve", "eve@example.com", 7), person("eve2", "Eve@Example.com", 9)])], [], {
      schemas: SCHEMAS,
    });
    expect(plan.issues).toEqual([
      expect.objectContaining({
        pos: at(9),
        path: "traits.email",
        message:
          'users/eve2: traits.email "Eve@Example.com" would also be the password identifier, code identifier, verifiable address (email) and recovery address (email) of users.yaml:7:5 (users/eve) (traits.email)',
      }),
    ]);
  });

  it("refuses an update to a value another live identity holds, even one this plan prunes (deletes run last)", () => {
    const fay = withUsername(managed("users", "fay@example.com", {}, {}, undefined, "fay", USERNAME_KEY), "fay");
    const gus = withUsername(managed("users", "gus@example.com", {}, {}, undefined, "gus", USERNAME_KEY), "gus");
    const plan = buildPlan([users([person("fay", "gus@example.com")])], [fay, gus], { schemas: SCHEMAS });
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 1, adopt: 0, noop: 0 });
    expect(plan.issues).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          `users/fay: traits.email "gus@example.com" is already held by live identity ${gus.id} (managed by set users)`,
        ),
        hint: `${gus.id} is deleted by this plan, but only after its writes: declare it under its old key to update it in place, or remove it first and run again`,
      }),
    ]);
  });

  it("sees external_id clashes without the schemas, and leaves an identity's own values alone", () => {
    const holder = live("hal@example.com", { external_id: "hal" });
    const plan = buildPlan(
      [
        set(
          "staff",
          [desired("ida@example.com", { external_id: "hal" }), desired("hal@example.com", { external_id: "hal" })],
          { prune: false, adopt: true },
        ),
      ],
      [holder],
    );
    expect(plan.issues.map((i) => i.message)).toEqual([
      `staff/ida@example.com: external_id "hal" is already held by live identity ${holder.id} (not managed by ory-reconcile) in external_id, as its external_id; the server would refuse this create`,
    ]);
  });
});

describe("planSets and applyPlan: renames and failed replacements", () => {
  beforeEach(() => resetSchemaCache());

  it("plans a changed username as an update of the same identity, and the next plan is a no-op", async () => {
    const old = withUsername(managed("users", "ann@example.com", {}, {}, undefined, "ann", USERNAME_KEY), "ann");
    const admin = memoryAdmin("network", [old]);
    admin.listSchemas = async () => SCHEMAS;
    const { plan } = await planSets([users([person("ann-m", "ann@example.com")])], admin);
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 0 });
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.map((o) => [o.subject, o.result, o.id])).toEqual([["users/ann-m", "configured", old.id]]);
    expect(admin.calls.filter((c) => !c.startsWith("list"))).toEqual([
      "patchIdentity /traits/username,/metadata_admin/ory_reconcile/key",
    ]);
    expect((await planSets([users([person("ann-m", "ann@example.com")])], admin)).plan.summary.noop).toBe(1);
  });

  it("does not delete in a set where a create failed", async () => {
    const old = withUsername(managed("users", "old@example.com", {}, {}, undefined, "old", USERNAME_KEY), "old");
    const admin = memoryAdmin("network", [old]);
    admin.listSchemas = async () => SCHEMAS;
    admin.batchCreate = async (items) =>
      items.map((item) => ({ patchId: item.patchId, ok: false as const, reason: "409 Conflict" }));
    admin.createIdentity = async () => {
      throw new Error("409 Conflict");
    };
    const { plan } = await planSets([users([person("new", "new@example.com")])], admin);
    expect(plan.sets[0].actions.map((a) => a.action)).toEqual(["create", "delete"]);
    const result = await applyPlan(plan, admin);
    expect(result.outcomes.map((o) => [o.subject, o.result, o.reason])).toEqual([
      ["users/new", "failed", "409 Conflict"],
      [
        "users/old",
        "failed",
        "not deleted: a create in set users failed, and it may be meant to replace this identity; fix it and run again",
      ],
    ]);
    expect(admin.store.has(old.id)).toBe(true);
  });
});
