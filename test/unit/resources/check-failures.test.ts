// Check failures never name a property: the Pulumi CLI would print that input's whole value (secrets included).
import { identityMethods } from "../../../src/resources/identity-provider";
import { identitySetMethods } from "../../../src/resources/identity-set-provider";

const password = "LiteralPw-InlineSet-7";

describe("check failures", () => {
  it("of an inline IdentitySet name no property, and their reasons never hold a password", async () => {
    const set = {
      apiVersion: "ory-reconcile/v1",
      kind: "IdentitySet",
      metadata: { name: "eight" },
      spec: {
        key: "traits.email",
        identities: [{ traits: { email: "a@x.test" }, state: "bogus", credentials: { password: { password } } }],
      },
    };
    const { failures } = await identitySetMethods.check!({}, { set } as never);
    expect(failures?.length).toBeGreaterThan(0);
    for (const failure of failures ?? []) {
      expect(failure.property).toBe("");
      expect(failure.reason).toContain("state");
      expect(failure.reason).not.toContain(password);
    }
  });

  it("of an Identity name no property either", async () => {
    const { failures } = await identityMethods.check!({}, {
      set: "s",
      key: "traits.email",
      traits: { email: "a@x.test" },
      state: "bogus",
      password,
    } as never);
    expect(failures?.length).toBeGreaterThan(0);
    for (const failure of failures ?? []) {
      expect(failure.property).toBe("");
      expect(failure.reason).not.toContain(password);
    }
  });
});
