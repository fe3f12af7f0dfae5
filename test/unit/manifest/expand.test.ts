// spec.defaults merged under identities, generate templates expanded, password declarations and fingerprints.
import { parseManifests } from "../../../src/manifest";
import { fingerprintOf, passwordFingerprint } from "../../../src/reconcile/core/fingerprint";
import { brief, issuesOf, setsOf, setYaml } from "./helpers";

function load(name: string, ...spec: string[]) {
  return parseManifests([{ file: `${name}.yaml`, text: setYaml(name, ...spec) }], {
    env: { PW: "from-env" },
    readFile: () => undefined,
  });
}

describe("spec.defaults", () => {
  it("is deep-merged under every identity: identity wins, objects merge, arrays replace", () => {
    const [set] = setsOf(
      load(
        "staff",
        "  key: traits.email",
        "  defaults:",
        "    schema_id: default",
        "    state: active",
        "    traits: { groups: [staff], name: { last: Doe } }",
        "    metadata_public: { role: user, links: { wiki: w, home: h } }",
        "  identities:",
        "    - traits: { email: a@x }",
        "    - traits: { email: b@x, groups: [admins, staff], name: { first: Bo } }",
        "      state: inactive",
        "      metadata_public: { role: admin, links: { home: h2 } }",
      ),
    );
    expect(set.identities.map((i) => i.body)).toEqual([
      {
        schema_id: "default",
        state: "active",
        traits: { email: "a@x", groups: ["staff"], name: { last: "Doe" } },
        metadata_public: { role: "user", links: { wiki: "w", home: "h" } },
      },
      {
        schema_id: "default",
        state: "inactive",
        traits: { email: "b@x", groups: ["admins", "staff"], name: { first: "Bo", last: "Doe" } },
        metadata_public: { role: "admin", links: { wiki: "w", home: "h2" } },
      },
    ]);
  });

  it("lets an identity clear a default object with null", () => {
    const [set] = setsOf(
      load(
        "s",
        "  key: traits.email",
        "  defaults: { metadata_admin: { team: x } }",
        "  identities:",
        "    - { traits: { email: a@x }, metadata_admin: null }",
      ),
    );
    expect(set.identities[0].body).toEqual({ traits: { email: "a@x" }, metadata_admin: null });
  });

  it("can supply traits, and is itself validated once", () => {
    const [set] = setsOf(
      load(
        "s",
        "  defaults: { traits: { email: shared@x } }",
        "  identities:",
        "    - external_id: e1",
        "    - external_id: e2",
      ),
    );
    expect(set.identities.map((i) => [i.key, i.body.traits])).toEqual([
      ["e1", { email: "shared@x" }],
      ["e2", { email: "shared@x" }],
    ]);
    expect(
      brief(
        issuesOf(
          load(
            "s",
            "  defaults: { metadata_admin: { ory_reconcile: x } }",
            "  identities:",
            "    - { external_id: e1, traits: {} }",
            "    - { external_id: e2, traits: {} }",
          ),
        ),
      ),
    ).toEqual([
      '6:33 spec.defaults.metadata_admin.ory_reconcile "ory_reconcile" in metadata_admin is reserved for the ownership marker',
    ]);
  });

  it("is validated with the identity schema", () => {
    expect(brief(issuesOf(load("s", "  defaults: { stat: active, traits: [] }")))).toEqual([
      '6:15 spec.defaults.stat unknown field "stat"',
      "6:37 spec.defaults.traits expected object, got array",
    ]);
  });
});

describe("spec.generate", () => {
  it("makes count copies with {{i}} = 1..count in every string, after merging defaults", () => {
    const [set] = setsOf(
      load(
        "load",
        "  key: traits.email",
        "  defaults:",
        "    metadata_public: { batch: 'b-{{i}}', fixed: [x] }",
        "  identities:",
        "    - traits: { email: first@x, note: 'literal {{i}}' }",
        "  generate:",
        "    - count: 3",
        "      template:",
        "        traits: { email: 'load-{{i}}@x', name: { first: 'Load {{i}}', last: '{{i}}{{i}}' }, groups: ['g{{i}}', fixed] }",
        "        external_id: 'ext-{{i}}'",
        "    - count: 1",
        "      template: { traits: { email: 'single-{{i}}@x' } }",
      ),
    );
    expect(set.identities.map((i) => ({ key: i.key, body: i.body, source: i.source }))).toEqual([
      {
        key: "first@x",
        body: {
          traits: { email: "first@x", note: "literal {{i}}" },
          metadata_public: { batch: "b-{{i}}", fixed: ["x"] },
        },
        source: { file: "load.yaml", line: 10, col: 7 },
      },
      ...[1, 2, 3].map((i) => ({
        key: `load-${i}@x`,
        body: {
          traits: { email: `load-${i}@x`, name: { first: `Load ${i}`, last: `${i}${i}` }, groups: [`g${i}`, "fixed"] },
          external_id: `ext-${i}`,
          metadata_public: { batch: `b-${i}`, fixed: ["x"] },
        },
        source: { file: "load.yaml", line: 12, col: 7 },
      })),
      {
        key: "single-1@x",
        body: { traits: { email: "single-1@x" }, metadata_public: { batch: "b-1", fixed: ["x"] } },
        source: { file: "load.yaml", line: 16, col: 7 },
      },
    ]);
  });

  it("shares unchanged parts between copies and returns frozen values", () => {
    const [set] = setsOf(
      load(
        "load",
        "  key: traits.email",
        "  generate:",
        "    - count: 2",
        "      template: { traits: { email: 'u{{i}}@x' }, metadata_public: { big: [1, 2, 3] } }",
      ),
    );
    const [a, b] = set.identities;
    expect(a.body.metadata_public).toBe(b.body.metadata_public);
    expect(a.body.traits).not.toBe(b.body.traits);
    expect(Object.isFrozen(a.body.metadata_public)).toBe(true);
    expect(Object.isFrozen(b.body.traits)).toBe(true);
    expect(Object.isFrozen(b)).toBe(true);
  });

  it("checks a template once, not once per copy", () => {
    expect(
      brief(
        issuesOf(
          load(
            "load",
            "  key: traits.email",
            "  generate:",
            "    - count: 1000",
            "      template: { traits: { name: x } }",
          ),
        ),
      ),
    ).toEqual(['9:27 spec.generate[0].template.traits.email missing key field "traits.email" (spec.key)']);
    expect(
      brief(
        issuesOf(
          load(
            "load",
            "  key: traits.email",
            "  generate:",
            "    - count: 1000",
            "      template: { traits: { email: same@x } }",
          ),
        ),
      ),
    ).toEqual(['9:36 spec.generate[0].template.traits.email generated copies 1 and 2 have the same key "same@x"']);
  });

  it("reports a collision between two generate entries once", () => {
    const issues = issuesOf(
      load(
        "load",
        "  key: traits.email",
        "  generate:",
        "    - { count: 5, template: { traits: { email: 'u{{i}}@x' } } }",
        "    - { count: 9, template: { traits: { email: 'u{{i}}@x' } } }",
      ),
    );
    expect(brief(issues)).toEqual([
      '9:48 spec.generate[1].template.traits.email duplicate key "u1@x": also declared at load.yaml:8:48 (spec.generate[0], copy 1)',
    ]);
  });

  it("loads 100,000 generated identities", () => {
    const [set] = setsOf(
      load(
        "load",
        "  key: traits.email",
        "  defaults: { schema_id: default, metadata_public: { tier: load } }",
        "  generate:",
        "    - count: 100000",
        "      template:",
        "        traits: { email: 'load-{{i}}@example.test', name: { first: Load, last: '{{i}}' } }",
        "        credentials: { password: { password: '${env:PW}' } }",
      ),
    );
    expect(set.identities).toHaveLength(100000);
    expect(new Set(set.identities.map((i) => i.key)).size).toBe(100000);
    expect(set.identities[99999]).toEqual({
      key: "load-100000@example.test",
      body: {
        schema_id: "default",
        traits: { email: "load-100000@example.test", name: { first: "Load", last: "100000" } },
        metadata_public: { tier: "load" },
      },
      credentials: { password: { kind: "password", value: expect.anything(), policy: "initial" } },
      source: { file: "load.yaml", line: 9, col: 7 },
      generate: "spec.generate[0]",
    });
    expect(set.identities[41].body.traits).toEqual({
      email: "load-42@example.test",
      name: { first: "Load", last: "42" },
    });
  });
});

describe("password declarations", () => {
  const identity = (password: string) => [
    "  key: traits.email",
    "  identities:",
    `    - { traits: { email: a@x }, credentials: { password: ${password} } }`,
  ];
  const decl = (password: string) => setsOf(load("s", ...identity(password)))[0].identities[0].credentials?.password;

  it("defaults the policy to initial; the engine fingerprints enforce (the migration hook by a fixed word)", () => {
    expect(decl("{ password: '${env:PW}' }")).toEqual({
      kind: "password",
      value: expect.anything(),
      policy: "initial",
    });
    expect(decl("{ password: '${env:PW}', policy: enforce }")).toEqual({
      kind: "password",
      value: expect.anything(),
      policy: "enforce",
    });
    expect(fingerprintOf("a@x", decl("{ password: '${env:PW}', policy: enforce }")!)).toBe(
      passwordFingerprint("a@x", "from-env"),
    );
    expect(decl("{ hashed_password: '$2a$04$h', policy: enforce }")).toEqual({
      kind: "hashed_password",
      value: expect.anything(),
      policy: "enforce",
    });
  });

  it("supports the migration hook", () => {
    expect(decl("{ use_password_migration_hook: true }")).toEqual({ kind: "migration_hook", policy: "initial" });
    expect(decl("{ use_password_migration_hook: true, policy: enforce }")).toEqual({
      kind: "migration_hook",
      policy: "enforce",
    });
    expect(fingerprintOf("a@x", decl("{ use_password_migration_hook: true, policy: enforce }")!)).toBe(
      passwordFingerprint("a@x", "migration-hook"),
    );
  });

  it("rejects the hook together with a password", () => {
    expect(brief(issuesOf(load("s", ...identity("{ use_password_migration_hook: true, password: x }"))))).toEqual([
      "8:58 spec.identities[0].credentials.password conflicting password declarations: password and use_password_migration_hook",
    ]);
  });
});
