// Sets and identities given as objects (e.g. from a Pulumi program): the same checks and messages, no positions.
import { parseIdentityObject, parseSetObject, validateIdentityObject } from "../../../src/manifest";
import { Secret } from "../../../src/reconcile/core/types";
import { tempTree, removeTempTrees } from "./helpers";

afterAll(removeTempTrees);

const header = { apiVersion: "ory-reconcile/v1", kind: "IdentitySet", metadata: { name: "inline" } };

describe("parseSetObject", () => {
  it("builds the same set as YAML would, without positions", () => {
    const result = parseSetObject(
      {
        ...header,
        spec: {
          key: "traits.email",
          identities: [{ traits: { email: "a@x" }, credentials: { password: { password: "${env:PW}" } } }],
        },
      },
      "Pulumi.ts",
      { env: { PW: "pw" } },
    );
    expect(result).toEqual({
      ok: true,
      sets: [
        {
          name: "inline",
          key: { kind: "trait", path: ["email"] },
          prune: false,
          identities: [
            {
              key: "a@x",
              body: { traits: { email: "a@x" } },
              credentials: { password: { kind: "password", value: expect.any(Secret), policy: "initial" } },
            },
          ],
        },
      ],
    });
  });

  it("reports issues with their field paths", () => {
    const result = parseSetObject(
      {
        ...header,
        spec: {
          key: "traits.email",
          identities: [{ traits: { email: "a@x" }, stat: "active" }, { traits: { email: 5 } }],
          extra: 1,
        },
      },
      "inline",
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: "spec.extra",
          message: 'unknown field "extra"',
          hint: "allowed fields here: key, prune, adopt, sessions, ignore, defaults, identities, generate",
        },
        { path: "spec.identities[0].stat", message: 'unknown field "stat"', hint: 'did you mean "state"?' },
      ],
    });
  });

  it("resolves ${file:…} relative to the given file name, or takes strings literally on request", () => {
    const root = tempTree({ "infra/pw.txt": "file-pw\n" });
    const doc = {
      ...header,
      spec: {
        identities: [{ external_id: "e", traits: {}, credentials: { password: { password: "${file:pw.txt}" } } }],
      },
    };
    const reveal = (result: ReturnType<typeof parseSetObject>) => {
      const password = result.ok ? result.sets[0].identities[0].credentials?.password : undefined;
      return password && "value" in password ? password.value.reveal() : undefined;
    };
    expect(reveal(parseSetObject(doc, "infra/index.ts", { cwd: root }))).toBe("file-pw");
    expect(reveal(parseSetObject(doc, "infra/index.ts", { cwd: root, references: false }))).toBe("${file:pw.txt}");
  });

  it("never throws on garbage", () => {
    for (const doc of [
      undefined,
      null,
      42,
      "text",
      [],
      { apiVersion: 1 },
      { ...header, spec: { identities: [null, 1, "x"] } },
    ]) {
      const result = parseSetObject(doc, "x");
      expect(result.ok).toBe(false);
    }
  });
});

describe("validateIdentityObject / parseIdentityObject", () => {
  it("accepts a valid identity and builds it", () => {
    expect(validateIdentityObject({ traits: { email: "a@x" }, external_id: "a" })).toEqual([]);
    expect(
      parseIdentityObject(
        {
          traits: { email: "a@x" },
          state: "inactive",
          credentials: { password: { password: "pw", policy: "enforce" } },
        },
        { key: "traits.email", set: "s" },
      ),
    ).toEqual({
      ok: true,
      identity: {
        key: "a@x",
        body: { traits: { email: "a@x" }, state: "inactive" },
        credentials: { password: { kind: "password", value: expect.any(Secret), policy: "enforce" } },
      },
    });
  });

  it("gives the CLI's messages, with paths relative to the identity (or a given base)", () => {
    expect(
      validateIdentityObject({ traits: { email: "a@x" }, metadataPublic: {}, state: "actve" }, { key: "traits.email" }),
    ).toEqual([
      { path: "metadataPublic", message: 'unknown field "metadataPublic"', hint: 'did you mean "metadata_public"?' },
      {
        path: "state",
        message: 'unexpected value "actve": expected one of active, inactive',
        hint: 'did you mean "active"?',
      },
    ]);
    expect(
      validateIdentityObject(
        { traits: {}, metadata_admin: { ory_reconcile: {} } },
        { key: "traits.email", base: ["identities", 3] },
      ),
    ).toEqual([
      {
        path: "identities[3].metadata_admin.ory_reconcile",
        message: '"ory_reconcile" in metadata_admin is reserved for the ownership marker',
        hint: "rename this key: ory-reconcile writes the marker itself",
      },
      {
        path: "identities[3].traits.email",
        message: 'missing key field "traits.email" (spec.key)',
        hint: "add traits.email to this identity, or change spec.key",
      },
    ]);
  });

  it("reports a missing traits, a missing external_id key and a bad key option", () => {
    expect(validateIdentityObject({ state: "active" }).map((i) => i.message)).toEqual([
      'missing required field "traits"',
    ]);
    expect(validateIdentityObject({ traits: {} }).map((i) => i.message)).toEqual([
      'missing key field "external_id" (spec.key defaults to external_id)',
    ]);
    expect(validateIdentityObject({ traits: {} }, { key: "email" }).map((i) => i.message)).toEqual([
      'invalid key "email": expected external_id or traits.<dotted.path>',
    ]);
  });

  it("keeps secrets out of issues", () => {
    const issues = validateIdentityObject(
      {
        traits: { email: "a@x" },
        credentials: { password: { password: "top-secret", hashed_password: "also-secret" } },
      },
      { key: "traits.email" },
    );
    expect(issues).toEqual([
      {
        path: "credentials.password",
        message: "conflicting password declarations: password and hashed_password",
        hint: "keep exactly one of password, hashed_password, use_password_migration_hook",
      },
    ]);
  });
});
