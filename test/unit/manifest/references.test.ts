// `${env:…}`, `${file:…}` and `$${` in strings, and secrets: wrapped as Secret, never serialized, never in issues.
import { inspect } from "node:util";
import { formatIssues, loadManifests, parseIdentityObject, parseManifests } from "../../../src/manifest";
import { DesiredIdentity, Secret } from "../../../src/reconcile/core/types";
import { brief, issuesOf, setsOf, setYaml, tempTree, removeTempTrees } from "./helpers";

afterAll(removeTempTrees);

function load(env: Record<string, string>, ...spec: string[]) {
  return parseManifests([{ file: "m/refs.yaml", text: setYaml("refs", "  key: traits.email", ...spec) }], {
    env,
    readFile: () => undefined,
  });
}

describe("references in strings", () => {
  it("resolves ${env:NAME} anywhere in a string, several times, and in any field", () => {
    const sets = setsOf(
      load(
        { DOMAIN: "example.com", TEAM: "platform", FIRST: "Alice" },
        "  identities:",
        '    - traits: { email: "alice@${env:DOMAIN}", name: { first: "${env:FIRST}", last: "${env:FIRST}-${env:TEAM}" } }',
        '      metadata_admin: { team: "${env:TEAM}" }',
        "      metadata_public:",
        "        team: ${env:TEAM}",
      ),
    );
    expect(sets[0].identities[0]).toMatchObject({
      key: "alice@example.com",
      body: {
        traits: { email: "alice@example.com", name: { first: "Alice", last: "Alice-platform" } },
        metadata_admin: { team: "platform" },
        metadata_public: { team: "platform" },
      },
    });
  });

  it("accepts an empty variable but reports a missing one at the string's position", () => {
    expect(
      setsOf(
        load(
          { TEAM: "" },
          "  identities:",
          "    - { traits: { email: a@x }, metadata_admin: { team: '${env:TEAM}' } }",
        ),
      )[0].identities[0].body.metadata_admin,
    ).toEqual({ team: "" });
    expect(issuesOf(load({}, "  identities:", "    - traits:", "        email: ${env:ALICE_EMAIL}"))).toEqual([
      {
        pos: { file: "m/refs.yaml", line: 9, col: 16 },
        path: "spec.identities[0].traits.email",
        message: "environment variable ALICE_EMAIL is not set",
        hint: "set ALICE_EMAIL before running, or write $${ for a literal ${",
      },
    ]);
  });

  it("reports every missing variable, also when other checks fail", () => {
    const issues = issuesOf(
      load(
        {},
        "  identities:",
        "    - traits: { email: '${env:A}', x: '${env:B} ${env:C}' }",
        "    - traits: { email: b@x }",
        "      state: gone",
      ),
    );
    expect(brief(issues)).toEqual([
      "8:24 spec.identities[0].traits.email environment variable A is not set",
      "8:39 spec.identities[0].traits.x environment variable B is not set",
      "8:39 spec.identities[0].traits.x environment variable C is not set",
      '10:14 spec.identities[1].state unexpected value "gone": expected one of active, inactive',
    ]);
  });

  it("takes $${ as a literal ${ and leaves other dollars alone", () => {
    const sets = setsOf(
      load(
        { X: "x" },
        "  identities:",
        "    - traits: { email: a@x, note: 'cost: $$5, literal $${env:X}, $$${env:X}, $${}, ${env:X}' }",
      ),
    );
    expect(sets[0].identities[0].body.traits.note).toBe("cost: $$5, literal ${env:X}, $${env:X}, ${}, x");
  });

  it("reports unknown and unterminated references", () => {
    expect(
      brief(issuesOf(load({}, "  identities:", "    - traits: { email: a@x, a: '${HOME}', b: '${env:X' }"))),
    ).toEqual([
      '8:32 spec.identities[0].traits.a unknown reference "${HOME}"',
      '8:46 spec.identities[0].traits.b unterminated "${"',
    ]);
  });

  it("reads ${file:…} relative to the manifest's directory, trimming one trailing newline", () => {
    const root = tempTree({
      "sets/staff.yaml": setYaml(
        "staff",
        "  key: traits.email",
        "  identities:",
        "    - traits: { email: '${file:emails/alice.txt}', bio: '${file:texts/../bio.txt}' }",
        "      credentials: { password: { password: '${file:secrets/alice}' } }",
      ),
      "sets/emails/alice.txt": "alice@example.com\n",
      "sets/secrets/alice": "pässword with space \n\n",
      "sets/bio.txt": "line 1\r\nline 2\r\n",
    });
    const [identity] = setsOf(loadManifests(["sets"], { cwd: root, env: {} }))[0].identities;
    expect(identity.body.traits).toEqual({ email: "alice@example.com", bio: "line 1\r\nline 2" });
    const password = identity.credentials?.password;
    expect(password?.kind === "password" && password.value.reveal()).toBe("pässword with space \n");
  });

  it("reports a missing file at the string's position", () => {
    const root = tempTree({
      "sets/staff.yaml": setYaml(
        "staff",
        "  key: traits.email",
        "  identities:",
        "    - traits: { email: '${file:nope.txt}' }",
      ),
    });
    expect(issuesOf(loadManifests(["sets"], { cwd: root, env: {} }))).toEqual([
      {
        pos: { file: "sets/staff.yaml", line: 8, col: 24 },
        path: "spec.identities[0].traits.email",
        message: "cannot read ${file:nope.txt}: no such file",
        hint: "create the file or fix the path; ${file:…} reads regular files below the manifest's directory",
      },
    ]);
  });

  it("uses process.env when no env is given", () => {
    process.env.ORY_RECONCILE_MANIFEST_TEST_DOMAIN = "from-process.test";
    try {
      const root = tempTree({
        "a.yaml": setYaml(
          "a",
          "  key: traits.email",
          "  identities:",
          "    - traits: { email: 'a@${env:ORY_RECONCILE_MANIFEST_TEST_DOMAIN}' }",
        ),
      });
      expect(setsOf(loadManifests(["a.yaml"], { cwd: root }))[0].identities[0].key).toBe("a@from-process.test");
    } finally {
      delete process.env.ORY_RECONCILE_MANIFEST_TEST_DOMAIN;
    }
  });
});

describe("secrets", () => {
  const spec = [
    "  defaults:",
    "    credentials: { password: { password: '${env:DEFAULT_PW}' } }",
    "  identities:",
    "    - traits: { email: a@x }",
    "    - traits: { email: b@x }",
    "      credentials: { password: { password: 'literal-b-secret', policy: enforce } }",
    "  generate:",
    "    - count: 2",
    "      template:",
    "        traits: { email: 'gen-{{i}}@x' }",
    "        credentials: { password: { password: 'gen-{{i}}-secret' } }",
  ];
  const env = { DEFAULT_PW: "default-pw-secret" };
  const revealed = (identity: DesiredIdentity) => {
    const password = identity.credentials?.password;
    return password && "value" in password ? password.value.reveal() : undefined;
  };

  it("wraps password and hashed_password values in Secret, wherever they come from", () => {
    const identities = setsOf(load(env, ...spec))[0].identities;
    expect(identities.map((i) => i.credentials?.password)).toEqual([
      { kind: "password", value: expect.any(Secret), policy: "initial" },
      { kind: "password", value: expect.any(Secret), policy: "enforce" },
      { kind: "password", value: expect.any(Secret), policy: "initial" },
      { kind: "password", value: expect.any(Secret), policy: "initial" },
    ]);
    expect(identities.map(revealed)).toEqual(["default-pw-secret", "literal-b-secret", "gen-1-secret", "gen-2-secret"]);
    const hashed = setsOf(
      load(
        { HASH: "$2a$04$hash" },
        "  identities:",
        "    - traits: { email: a@x }",
        "      credentials: { password: { hashed_password: '${env:HASH}' } }",
      ),
    );
    expect(hashed[0].identities[0].credentials?.password).toEqual({
      kind: "hashed_password",
      value: expect.any(Secret),
      policy: "initial",
    });
    expect(revealed(hashed[0].identities[0])).toBe("$2a$04$hash");
  });

  it("never shows a secret in JSON, inspect or string output", () => {
    const result = load(env, ...spec);
    const text =
      JSON.stringify(result) +
      inspect(result, { depth: null }) +
      setsOf(result)[0]
        .identities.map(
          (i) => `${i.credentials?.password && "value" in i.credentials.password ? i.credentials.password.value : ""}`,
        )
        .join();
    for (const secret of ["default-pw-secret", "literal-b-secret", "gen-1-secret", "secret"])
      expect(text).not.toContain(secret);
    expect(JSON.parse(JSON.stringify(setsOf(result)[0].identities[2].credentials))).toEqual({
      password: { kind: "password", value: "(sensitive)", policy: "initial" },
    });
  });

  it("never shows a secret in an issue about it", () => {
    const result = load(
      { PW: "env-secret-1" },
      "  identities:",
      "    - traits: { email: a@x }",
      "      credentials: { password: { password: 'lit-${PW}-secret-2', hashed_password: '${env:PW}' } }",
      "    - traits: { email: b@x }",
      "      credentials: { password: 'plain-secret-3' }",
      "    - traits: { email: c@x }",
      "      credentials: { password: { password: 12345678 } }",
    );
    const issues = issuesOf(result);
    expect(brief(issues)).toEqual([
      "9:44 spec.identities[0].credentials.password.password unknown reference (sensitive)",
      "11:32 spec.identities[1].credentials.password expected object, got string",
      "13:44 spec.identities[2].credentials.password.password expected string, got integer",
    ]);
    const text = formatIssues(issues) + JSON.stringify(issues);
    for (const secret of ["env-secret-1", "secret-2", "plain-secret-3", "12345678"]) expect(text).not.toContain(secret);
  });

  it("never shows source text from a YAML syntax error", () => {
    const text = ["- a", "hunter2-secret: x", ""].join("\n");
    const issues = issuesOf(parseManifests([{ file: "s.yaml", text }], { env: {}, readFile: () => undefined }));
    expect(brief(issues)).toEqual([
      "2:1 - YAML syntax error: Unexpected scalar at node end",
      "2:15 - YAML syntax error: Unexpected map-value-ind token in YAML stream",
      "2:17 - YAML syntax error: Unexpected scalar token in YAML stream",
    ]);
  });
});

describe("values from ${env:…} and ${file:…} in issues", () => {
  const env = { SEC: "s3cr3tvalue", S: "ab" };
  const shown = (issues: Array<{ message: string; hint?: string }>) =>
    issues.map((i) => `${i.message} | ${i.hint ?? ""}`).join("\n");

  it("are never quoted by a validation message, whatever the field", () => {
    const result = load(
      env,
      "  key: '${env:SEC}'",
      "  defaults: { state: '${env:SEC}' }",
      "  identities:",
      "    - traits: { email: a@x }",
      "      state: '${env:SEC}'",
      "      credentials: { password: { use_password_migration_hook: '${env:SEC}', policy: '${env:SEC}' } }",
      "      verifiable_addresses: [{ value: a@x, via: '${env:SEC}', status: '${env:S}' }]",
    );
    const text = shown(issuesOf(result));
    expect(text).toContain('unexpected value "(sensitive)": expected one of active, inactive');
    expect(text).toContain('expected true, got "(sensitive)"');
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain('"ab"');
  });

  it("are hidden from an issue's field path too (a spec.key made of one names the identity's field)", () => {
    const text = setYaml("refs", "  key: 'traits.${env:SEC}'", "  identities:", "    - traits: { email: a@x }");
    const result = parseManifests([{ file: "m/refs.yaml", text }], { env, readFile: () => undefined });
    const issues = issuesOf(result);
    expect(issues.map((i) => i.message)).toEqual(['missing key field "(sensitive)" (spec.key)']);
    expect(JSON.stringify(issues)).not.toContain("s3cr3t");
    expect(formatIssues(issues)).not.toContain("s3cr3t");
  });

  it("are hidden from the issues of a single identity object (the Pulumi Identity)", () => {
    const result = parseIdentityObject({ traits: { email: "a@x" }, state: "${env:SEC}" }, { env, key: "traits.email" });
    expect(result.ok).toBe(false);
    expect(shown(result.ok ? [] : result.issues)).not.toContain("s3cr3t");
  });

  it("are refused in a set name, which is public, without quoting the value", () => {
    const text = "apiVersion: ory-reconcile/v1\nkind: IdentitySet\nmetadata:\n  name: '${env:SEC}'\nspec: {}\n";
    const issues = issuesOf(parseManifests([{ file: "m/n.yaml", text }], { env, readFile: () => undefined }));
    expect(issues).toEqual([
      {
        pos: { file: "m/n.yaml", line: 4, col: 9 },
        path: "metadata.name",
        message: "a set name is public: use a literal or ${var:NAME}",
        hint: expect.any(String),
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain("s3cr3t");
    const fromFile = parseManifests([{ file: "m/n.yaml", text: text.replace("${env:SEC}", "${file:name.txt}") }], {
      env,
      readFile: () => "s3cr3tvalue",
    });
    expect(issuesOf(fromFile).map((i) => i.message)).toEqual(["a set name is public: use a literal or ${var:NAME}"]);
    expect(
      setsOf(
        parseManifests([{ file: "m/n.yaml", text: text.replace("${env:SEC}", "${var:team}") }], {
          env,
          vars: { team: "ops" },
          readFile: () => undefined,
        }),
      )[0].name,
    ).toBe("ops");
  });
});
