// Where an IdentitySet's declaration comes from, and the digest that makes content changes visible to Pulumi.
import { loadSet, setDigest } from "../../../src/resources/set-source";
import { removeTempTrees, setYaml, tempTree } from "../manifest/helpers";

afterAll(removeTempTrees);

const staff = (first = "Alice", password = "pw-1", policy = "enforce") =>
  setYaml(
    "staff",
    "  key: traits.email",
    "  identities:",
    `    - traits: { email: alice@example.com, name: { first: ${first} } }`,
    `      credentials: { password: { password: "${password}", policy: ${policy} } }`,
  );
const other = setYaml("other", "  key: traits.email", "  identities:", "    - traits: { email: bob@example.com }");

function digestOf(text: string): string {
  const root = tempTree({ "set.yaml": text });
  const loaded = loadSet({ manifest: "set.yaml" }, { cwd: root });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return setDigest(loaded.set);
}

describe("loadSet", () => {
  it("loads the one set of a file or directory", () => {
    const root = tempTree({ "m/staff.yaml": staff() });
    const loaded = loadSet({ manifest: "m" }, { cwd: root });
    expect(loaded.ok && loaded.set.name).toBe("staff");
  });

  it("picks a set by name, and says which sets exist when the name is wrong or missing", () => {
    const root = tempTree({ "all.yaml": `${staff()}---\n${other}` });
    const picked = loadSet({ manifest: "all.yaml", setName: "other" }, { cwd: root });
    expect(picked.ok && picked.set.identities.map((i) => i.key)).toEqual(["bob@example.com"]);
    expect(loadSet({ manifest: "all.yaml" }, { cwd: root })).toEqual({
      ok: false,
      issues: [
        {
          message: "all.yaml holds 2 sets (staff, other); an IdentitySet is one set",
          hint: "pass setName to pick one",
        },
      ],
    });
    expect(loadSet({ manifest: "all.yaml", setName: "nope" }, { cwd: root })).toEqual({
      ok: false,
      issues: [{ message: 'no set named "nope" in all.yaml (found: staff, other)', hint: "fix setName or the path" }],
    });
  });

  it("takes an inline set in manifest format, with ${env:…}", () => {
    const set = {
      apiVersion: "ory-reconcile/v1",
      kind: "IdentitySet",
      metadata: { name: "inline" },
      spec: { key: "traits.email", identities: [{ traits: { email: "${env:WHO}" } }] },
    };
    const loaded = loadSet({ set }, { env: { WHO: "who@example.com" } });
    expect(loaded.ok && loaded.set.identities.map((i) => i.key)).toEqual(["who@example.com"]);
  });

  it("wants exactly one of manifest and set, and passes the loader's issues on", () => {
    expect(loadSet({})).toMatchObject({
      ok: false,
      issues: [{ message: "give exactly one of manifest (a path) or set (an inline set)" }],
    });
    expect(loadSet({ manifest: "x", set: {} })).toMatchObject({ ok: false });
    const root = tempTree({});
    expect(loadSet({ manifest: "missing.yaml" }, { cwd: root })).toMatchObject({
      ok: false,
      issues: [{ message: 'no such file or directory: "missing.yaml"' }],
    });
  });
});

describe("setDigest", () => {
  it("changes when the content changes", () => {
    expect(digestOf(staff("Alicia"))).not.toBe(digestOf(staff()));
  });

  it("ignores positions and comments", () => {
    expect(digestOf(`# a comment\n\n${staff()}`)).toBe(digestOf(staff()));
  });

  it("sees a new enforced password only through the engine's fingerprint, never the value", () => {
    expect(digestOf(staff("Alice", "pw-2"))).not.toBe(digestOf(staff()));
    // `initial` passwords are never re-applied: changing one changes nothing.
    expect(digestOf(staff("Alice", "pw-2", "initial"))).toBe(digestOf(staff("Alice", "pw-1", "initial")));
  });
});
