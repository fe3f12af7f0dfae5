import { addressesNotKept, addressFold, addressIssues, schemaAddresses } from "../../../src/reconcile/core/addresses";
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import type { TraitsCheck } from "../../../src/reconcile/core/schema-check";
import type { LiveIdentity } from "../../../src/reconcile/core/types";

const schemas = [{ id: "default", schema: IDENTITY_SCHEMA }];
const pos = { file: "a.yaml", line: 3, col: 5 };
const check = (addresses: TraitsCheck["addresses"], traits = { email: "ann@example.com" }): TraitsCheck => ({
  subject: "s/ann",
  traits,
  addresses,
  source: pos,
});

describe("schemaAddresses", () => {
  it("derives one address per marked trait value, through properties, items and local $refs", () => {
    const schema = {
      definitions: {
        mail: { type: "string", "ory.sh/kratos": { verification: { via: "email" }, recovery: { via: "email" } } },
      },
      properties: {
        traits: {
          properties: {
            emails: { type: "array", items: { $ref: "#/definitions/mail" } },
            phone: { type: "string", "ory.sh/kratos": { verification: { via: "sms" } } },
          },
        },
      },
    };
    expect(schemaAddresses(schema, { emails: ["a@x.test", "b@x.test"], phone: "+15550100" })).toEqual({
      verification: [
        { path: "traits.emails[0]", via: "email", value: "a@x.test" },
        { path: "traits.emails[1]", via: "email", value: "b@x.test" },
        { path: "traits.phone", via: "sms", value: "+15550100" },
      ],
      recovery: [
        { path: "traits.emails[0]", via: "email", value: "a@x.test" },
        { path: "traits.emails[1]", via: "email", value: "b@x.test" },
      ],
    });
  });

  it("gives up (the server decides) when a mark sits where properties and items do not lead", () => {
    const schema = {
      properties: {
        traits: { properties: { email: { allOf: [{ "ory.sh/kratos": { verification: { via: "email" } } }] } } },
      },
    };
    expect(schemaAddresses(schema, { email: "a@x.test" })).toBeUndefined();
  });
});

describe("addressIssues", () => {
  it("accepts the addresses the schema derives, folded as the server folds them", () => {
    expect(addressFold(" ANN@Example.com\u200b")).toBe("ann@example.com");
    const ok = check({
      verifiable_addresses: [{ value: "Ann@Example.COM", via: "email", verified: true }],
      recovery_addresses: [{ value: "ann@example.com", via: "email" }],
    });
    expect(addressIssues([ok, check(undefined)], schemas)).toEqual([]);
  });

  it("refuses an address that is no marked trait value, a repeated one, and a list that leaves a derived one out", () => {
    const issues = addressIssues(
      [
        check({
          verifiable_addresses: [
            { value: "ann@example.com", via: "email" },
            { value: "ANN@example.com", via: "email" },
          ],
        }),
        check({ recovery_addresses: [{ value: "ann@example.com", via: "sms" }] }),
      ],
      schemas,
    );
    expect(issues).toEqual([
      {
        pos,
        path: "verifiable_addresses[1]",
        message:
          "s/ann: verifiable_addresses[1] repeats verifiable_addresses[0] (the server keeps one address per value and via)",
        hint: "remove verifiable_addresses[1]",
      },
      {
        pos,
        path: "recovery_addresses[0]",
        message:
          's/ann: recovery_addresses[0] (via sms) is not the value of a trait that identity schema "default" marks for recovery via sms: none; the server keeps only addresses it derives from those traits and would drop this one',
        hint: 'declare only the values of those traits in recovery_addresses, mark the trait that holds this address with "ory.sh/kratos": {recovery: {via: sms}} in the identity schema, or leave recovery_addresses out',
      },
      {
        pos,
        path: "recovery_addresses",
        message:
          's/ann: recovery_addresses leaves out the address of traits.email (via email), which identity schema "default" marks for recovery; the server adds it',
        hint: "add { value: <the value of traits.email>, via: email } to recovery_addresses, or leave recovery_addresses out",
      },
    ]);
  });
});

describe("addressesNotKept", () => {
  const answered = (addresses: Partial<LiveIdentity>): LiveIdentity => ({
    id: "1",
    schema_id: "default",
    traits: {},
    ...addresses,
  });
  it("names what the server dropped or added, and nothing when it kept the declaration", () => {
    const expected = {
      verifiable_addresses: [
        { status: "completed", value: "a@x.test", verified: true, via: "email" },
        { status: "completed", value: "b@x.test", verified: true, via: "email" },
      ],
    };
    const live = answered({
      verifiable_addresses: [{ value: "a@x.test", via: "email", verified: true, status: "completed" }],
    });
    expect(addressesNotKept(expected, live)).toBe(
      "verifiable_addresses: b@x.test (via email, verified, status completed)",
    );
    expect(addressesNotKept({ verifiable_addresses: expected.verifiable_addresses.slice(0, 1) }, live)).toBeUndefined();
    expect(
      addressesNotKept(
        { recovery_addresses: [] },
        answered({ recovery_addresses: [{ value: "a@x.test", via: "email" }] }),
      ),
    ).toBe("recovery_addresses holds undeclared a@x.test (via email)");
  });
});
