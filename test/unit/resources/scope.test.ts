import { validateIdentity } from "../../../src/resources/identity-plan";
import { defaultSet, scopeOf } from "../../../src/resources/scope";

const urn = (stack: string, name: string, project = "shop") =>
  `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic/ory-reconcile:Identity::${name}`;

describe("defaultSet", () => {
  it("is readable, unique per stack and resource, and a valid set name", () => {
    expect(defaultSet("shop", "dev", "alice", urn("dev", "alice"))).toMatch(/^shop-dev-alice-[0-9a-f]{8}$/);
    const names = [
      defaultSet("shop", "dev", "alice", urn("dev", "alice")),
      defaultSet("shop", "prod", "alice", urn("prod", "alice")),
      defaultSet("shop", "dev", "bob", urn("dev", "bob")),
      defaultSet("shop", "dev", "Alice", urn("dev", "Alice")), // same readable part, another resource
    ];
    expect(new Set(names).size).toBe(4);
    const long = "x".repeat(80);
    for (const name of [
      ...names,
      defaultSet(long, "Dev_Stack", "a.b", urn("Dev_Stack", "a.b", long)),
      defaultSet("--", "_", "!", urn("_", "!", "--")),
    ]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(validateIdentity({ traits: { email: "a@example.com" }, set: name }).issues).toEqual([]);
    }
  });
});

describe("scopeOf", () => {
  it("takes the declared set, else keeps the default an existing resource uses, else the unique default", () => {
    expect(scopeOf({}, { set: "staff", defaultSet: "u-1" })).toBe("staff");
    expect(scopeOf({}, { defaultSet: "u-1" })).toBe("u-1"); // a new resource
    expect(scopeOf({ set: "pulumi" }, { defaultSet: "u-1" })).toBe("pulumi"); // created by an earlier version
    expect(scopeOf({ set: "pulumi", defaultSet: "u-1" }, { defaultSet: "u-1" })).toBe("pulumi"); // and after its first up
    expect(scopeOf({ set: "u-0", defaultSet: "u-0" }, { defaultSet: "u-1" })).toBe("u-0"); // a default stays
    expect(scopeOf({ set: "staff", defaultSet: "u-1" }, { defaultSet: "u-1" })).toBe("u-1"); // a declared set removed
    expect(scopeOf({ set: "staff" }, { defaultSet: "u-1" })).toBe("u-1");
  });
});
