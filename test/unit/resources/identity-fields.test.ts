// Pulumi camelCase properties <-> the engine's snake_case documents.
import { liveDoc } from "../../../src/reconcile/core/normalize";
import {
  declaredFields,
  docOf,
  fieldsOf,
  manifestIdentity,
  metaOf,
  propertyOf,
} from "../../../src/resources/identity-fields";
import { live } from "../../support/builders";

describe("manifestIdentity", () => {
  it("maps every property to its admin API name, and the password into credentials", () => {
    expect(
      manifestIdentity({
        schemaId: "default",
        traits: { email: "a@x" },
        metadataPublic: { p: 1 },
        metadataAdmin: { a: 2 },
        state: "inactive",
        externalId: "e",
        verifiableAddresses: [{ value: "a@x", via: "email" }],
        password: "pw",
        passwordPolicy: "enforce",
        adopt: true,
        set: "s",
        key: "traits.email",
      }),
    ).toEqual({
      schema_id: "default",
      traits: { email: "a@x" },
      metadata_public: { p: 1 },
      metadata_admin: { a: 2 },
      state: "inactive",
      external_id: "e",
      verifiable_addresses: [{ value: "a@x", via: "email" }],
      credentials: { password: { password: "pw", policy: "enforce" } },
    });
  });

  it("leaves out what is not given", () => {
    expect(manifestIdentity({ traits: { email: "a@x" } })).toEqual({ traits: { email: "a@x" } });
  });
});

describe("propertyOf", () => {
  it("names the Pulumi property of an issue path", () => {
    expect(propertyOf({ message: "", path: "metadata_public.x" })).toBe("metadataPublic");
    expect(propertyOf({ message: "", path: "verifiable_addresses[0].via" })).toBe("verifiableAddresses");
    expect(propertyOf({ message: "", path: "credentials.password.policy" })).toBe("passwordPolicy");
    expect(propertyOf({ message: "", path: "credentials.password" })).toBe("password");
    expect(propertyOf({ message: "", path: "traits.email" })).toBe("traits");
  });
});

describe("fieldsOf (outputs from the live identity)", () => {
  const declared = { traits: { email: "a@x" }, schemaId: "default" };

  it("projects the live identity onto the declared properties, marker removed", () => {
    const current = live("a@x", { metadata_admin: { ory_reconcile: { set: "pulumi" } } });
    expect(fieldsOf(liveDoc(current, docOf(declared)), declaredFields(declared))).toEqual({
      traits: { email: "a@x" },
      schemaId: "default",
    });
  });

  it("adds undeclared always-compared fields only when they drifted from 'not set'", () => {
    const current = live("a@x", {
      metadata_public: { added: true },
      state: "inactive",
      metadata_admin: { ory_reconcile: { set: "pulumi" }, note: 1 },
    });
    expect(fieldsOf(liveDoc(current, docOf(declared)), declaredFields(declared))).toEqual({
      traits: { email: "a@x" },
      schemaId: "default",
      metadataPublic: { added: true },
      metadataAdmin: { note: 1 },
      state: "inactive",
    });
  });
});

describe("metaOf", () => {
  it("fills the defaults and keeps the password properties only when given", () => {
    expect(metaOf({ traits: {} })).toEqual({ set: "pulumi", key: "traits.email", adopt: false });
    expect(metaOf({ traits: {}, defaultSet: "shop-dev-alice-0a1b2c3d" })).toEqual({
      set: "shop-dev-alice-0a1b2c3d",
      defaultSet: "shop-dev-alice-0a1b2c3d",
      key: "traits.email",
      adopt: false,
    });
    expect(
      metaOf({ traits: {}, password: "pw", passwordPolicy: "enforce", set: "s", key: "external_id", adopt: true }),
    ).toEqual({
      set: "s",
      key: "external_id",
      adopt: true,
      password: "pw",
      passwordPolicy: "enforce",
    });
  });
});
