// The Identity provider's pure parts: validation (the manifest's own messages), the changed properties, pairing.
import { validateIdentityObject } from "../../../src/manifest";
import { fingerprintOf, passwordFingerprint } from "../../../src/reconcile/core/fingerprint";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import type { DesiredIdentity } from "../../../src/reconcile/core/types";
import type { IdentityInputs, IdentityOutputs } from "../../../src/resources/identity-fields";
import { changedProperties, pairById, validateIdentity } from "../../../src/resources/identity-plan";
import { live } from "../../support/builders";

const alice: IdentityInputs = { traits: { email: "alice@example.com", name: { first: "Alice" } } };
/** What the provider stores after creating `alice`: its properties as the server holds them, defaults filled. */
const stored: IdentityOutputs = { ...alice, set: "pulumi", key: "traits.email", adopt: false };

function identity(inputs: IdentityInputs): DesiredIdentity {
  const result = validateIdentity(inputs);
  if (!result.identity) throw new Error(JSON.stringify(result.issues));
  return result.identity;
}

const changed = (olds: IdentityOutputs, news: IdentityInputs) => changedProperties(olds, news, identity(news));

describe("validateIdentity", () => {
  it("accepts a minimal identity, with the defaults set pulumi and key traits.email", () => {
    const result = validateIdentity(alice);
    expect(result.issues).toEqual([]);
    expect(result.identity).toEqual({ key: "alice@example.com", body: { traits: alice.traits } });
  });

  it("reports the manifest validator's own issues, each with the Pulumi property it is about", () => {
    const inputs: IdentityInputs = { traits: { name: "no email" }, state: "actve" as never, passwordPolicy: "enforce" };
    expect(validateIdentity(inputs).issues).toEqual([
      {
        property: "state",
        issue: {
          path: "state",
          message: 'unexpected value "actve": expected one of active, inactive',
          hint: 'did you mean "active"?',
        },
      },
    ]);
    const fixed = { ...inputs, state: "active" as const };
    const same = validateIdentityObject(
      { traits: { name: "no email" }, state: "active", credentials: { password: { policy: "enforce" } } },
      { key: "traits.email", set: "pulumi", references: false },
    );
    expect(same.map((i) => i.message)).toEqual([
      "credentials.password needs one of password, hashed_password, use_password_migration_hook",
    ]);
    expect(validateIdentity(fixed).issues).toEqual([{ property: "password", issue: same[0] }]);
    expect(validateIdentity({ ...fixed, passwordPolicy: undefined }).issues).toEqual([
      {
        property: "traits",
        issue: {
          path: "traits.email",
          message: 'missing key field "traits.email" (spec.key)',
          hint: "add traits.email to this identity, or change spec.key",
        },
      },
    ]);
  });

  it("checks the set name like metadata.name, and the key like spec.key", () => {
    expect(validateIdentity({ ...alice, set: "Team_A" }).issues).toEqual([
      {
        property: "set",
        issue: {
          path: "metadata.name",
          message:
            'invalid value "Team_A": expected lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
          hint: "e.g. staff",
        },
      },
    ]);
    expect(validateIdentity({ ...alice, key: "email" }).issues).toEqual([
      {
        property: "key",
        issue: {
          message: 'invalid key "email": expected external_id or traits.<dotted.path>',
          hint: "e.g. traits.email",
        },
      },
    ]);
  });

  it("takes strings literally: a password may contain ${", () => {
    const result = validateIdentity({ ...alice, password: "a${env:NOPE}b" });
    const password = result.identity?.credentials?.password;
    expect(password && "value" in password ? password.value.reveal() : undefined).toBe("a${env:NOPE}b");
  });
});

describe("changedProperties", () => {
  it("is empty when nothing changed", () => {
    expect(changed(stored, alice)).toEqual([]);
  });

  it("names exactly the changed fields", () => {
    expect(changed(stored, { ...alice, traits: { email: "alice@example.com", name: { first: "Alicia" } } })).toEqual([
      "traits",
    ]);
    expect(changed(stored, { ...alice, state: "inactive", metadataPublic: { role: "admin" } })).toEqual([
      "metadataPublic",
      "state",
    ]);
  });

  it("treats declared defaults as no change (state active, metadata null)", () => {
    expect(changed(stored, { ...alice, state: "active", metadataPublic: null, metadataAdmin: null })).toEqual([]);
  });

  it("compares addresses as the server stores them (lower-cased, any order)", () => {
    const olds = { ...stored, verifiableAddresses: [{ value: "alice@example.com", via: "email", verified: true }] };
    expect(
      changed(olds, { ...alice, verifiableAddresses: [{ value: "ALICE@example.com", via: "email", verified: true }] }),
    ).toEqual([]);
    expect(
      changed(olds, { ...alice, verifiableAddresses: [{ value: "alice@example.com", via: "email", verified: false }] }),
    ).toEqual(["verifiableAddresses"]);
  });

  it("names a drifted field found by refresh (in the stored outputs, not declared)", () => {
    expect(changed({ ...stored, metadataPublic: { added: "out of band" } }, alice)).toEqual(["metadataPublic"]);
  });

  it("names the password only when its policy is enforce", () => {
    const initial = { ...stored, password: "one" };
    expect(changed(initial, { ...alice, password: "two" })).toEqual([]);
    const enforced = { ...stored, password: "one", passwordPolicy: "enforce" as const };
    expect(changed(enforced, { ...alice, password: "two", passwordPolicy: "enforce" })).toEqual(["password"]);
    expect(changed(enforced, { ...alice, password: "one", passwordPolicy: "enforce" })).toEqual([]);
    expect(changed(initial, { ...alice, password: "one", passwordPolicy: "enforce" })).toEqual(["passwordPolicy"]);
  });

  it("names the meta properties", () => {
    expect(changed(stored, { ...alice, adopt: true, key: "traits.name.first" })).toEqual(["adopt", "key"]);
    expect(changed(stored, { ...alice, set: "other" })).toEqual(["set"]);
  });
});

describe("pairById", () => {
  const byEmail = { kind: "trait" as const, path: ["email"] };

  it("pairs by the key when it did not change", () => {
    const current = live("alice@example.com");
    expect(pairById(identity(alice), current, byEmail)).toEqual({
      spec: byEmail,
      key: "alice@example.com",
      live: current,
    });
  });

  it("pairs by id when the key value changed (a new email is an update in place)", () => {
    const current = live("old@example.com");
    const paired = pairById(identity(alice), current, byEmail);
    expect(paired).toEqual({
      spec: { kind: "external_id" },
      key: current.id,
      live: { ...current, external_id: current.id },
    });
  });

  it("uses a declared, unchanged external_id", () => {
    const current = live("old@example.com", { external_id: "e-1" });
    const declared = identity({ ...alice, externalId: "e-1" });
    expect(pairById(declared, current, byEmail)).toEqual({ spec: { kind: "external_id" }, key: "e-1", live: current });
  });

  it("refuses when the key and external_id both changed", () => {
    const current = live("old@example.com", { external_id: "e-1" });
    expect(() => pairById(identity({ ...alice, externalId: "e-2" }), current, byEmail)).toThrow(
      /its key \(traits.email\) and external_id both changed/,
    );
  });

  it("keeps the engine's password fingerprint bound to the declared key", () => {
    const declared = identity({ ...alice, password: "pw", passwordPolicy: "enforce" });
    expect(fingerprintOf(declared.key, declared.credentials!.password!)).toBe(
      passwordFingerprint("alice@example.com", "pw"),
    );
    expect(MARKER_KEY).toBe("ory_reconcile");
  });
});
