// The corpus of realistic mistakes in test/fixtures/bad-manifests: for each, the exact issues (line:column, field
// path, message fragment), a hint on every issue, and no secret in any of them.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { formatIssues, loadManifests } from "../../../src/manifest";
import { issuesOf } from "./helpers";

const DIR = join(__dirname, "..", "..", "fixtures", "bad-manifests");
const ENV = { ALICE_PASSWORD: "s3cret-from-env" };
const SECRETS = ["s3cret-from-env", "correct-horse-battery-staple", "$2a$10$abcdefghijklmnopqrstuu"];

/** file -> [line:col, field path, message fragment] for every issue, in order. */
const CASES: Record<string, Array<[string, string | undefined, string]>> = {
  "yaml-bad-indentation.yaml": [
    ["9:1", undefined, "YAML syntax error: All mapping items must start at the same column"],
  ],
  "yaml-unclosed-flow-mapping.yaml": [
    [
      "9:5",
      undefined,
      "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }",
    ],
  ],
  "yaml-duplicate-key.yaml": [
    ["11:9", "spec.identities[0].traits.email", 'duplicate key "email" (first defined at line 9, column 9)'],
  ],
  "yaml-unknown-alias.yaml": [["9:24", "spec.identities[0].metadata_public", 'unknown alias "*admin"']],
  "not-a-mapping.yaml": [["1:1", undefined, "expected a mapping with apiVersion, kind, metadata and spec, got array"]],
  "wrong-api-version.yaml": [["1:13", "apiVersion", 'unsupported apiVersion "v1": expected "ory-reconcile/v1"']],
  "wrong-kind.yaml": [["2:7", "kind", 'unsupported kind "Identity": expected "IdentitySet"']],
  "missing-api-version.yaml": [["1:1", undefined, 'missing required field "apiVersion"']],
  "set-name-uppercase.yaml": [
    ["4:9", "metadata.name", 'invalid value "Staff_Users": expected lowercase letters, digits and "-"'],
  ],
  "set-name-missing.yaml": [
    ["4:3", "metadata.name", 'missing required field "name"'],
    ["4:3", "metadata.labels", 'unknown field "labels"'],
  ],
  "top-level-typo.yaml": [
    ["1:1", "spec", 'missing required field "spec"'],
    ["5:1", "specs", 'unknown field "specs"'],
  ],
  "identity-camelcase-field.yaml": [["9:7", "spec.identities[0].metadataPublic", 'unknown field "metadataPublic"']],
  "traits-not-object.yaml": [["8:15", "spec.identities[0].traits", "expected object, got string"]],
  "traits-missing.yaml": [["8:7", "spec.identities[0].traits", 'missing required field "traits"']],
  "state-typo.yaml": [
    ["9:14", "spec.identities[0].state", 'unexpected value "actve": expected one of active, inactive'],
  ],
  "identities-not-a-list.yaml": [["8:5", "spec.identities", "expected array, got object"]],
  "prune-yes.yaml": [["7:10", "spec.prune", "expected boolean, got string"]],
  "key-without-traits-prefix.yaml": [
    ["6:8", "spec.key", 'invalid value "email": expected external_id or traits.<dotted.path>'],
  ],
  "key-missing-in-identity.yaml": [["9:15", "spec.identities[1].traits.email", 'missing key field "traits.email"']],
  "external-id-missing.yaml": [
    ["9:7", "spec.identities[1].external_id", 'missing key field "external_id" (spec.key defaults to external_id)'],
  ],
  "key-not-a-string.yaml": [
    [
      "8:56",
      "spec.identities[0].traits.employee_id",
      'key field "traits.employee_id" must be a non-empty string, got integer',
    ],
  ],
  "duplicate-identity-key.yaml": [
    [
      "10:24",
      "spec.identities[2].traits.email",
      'duplicate key "alice@example.com": also declared at duplicate-identity-key.yaml:8:24 (spec.identities[0])',
    ],
  ],
  "duplicate-set-name-in-file.yaml": [
    ["11:9", "metadata.name", 'duplicate set name "staff": also declared at duplicate-set-name-in-file.yaml:4:9'],
  ],
  "marker-in-metadata-admin.yaml": [
    [
      "11:9",
      "spec.identities[0].metadata_admin.ory_reconcile",
      '"ory_reconcile" in metadata_admin is reserved for the ownership marker',
    ],
  ],
  "password-and-hash.yaml": [
    [
      "11:11",
      "spec.identities[0].credentials.password",
      "conflicting password declarations: password and hashed_password",
    ],
  ],
  "password-conflicts-with-defaults.yaml": [
    [
      "13:19",
      "spec.identities[0].credentials.password",
      "conflicting password declarations after merging spec.defaults: password and hashed_password",
    ],
  ],
  "password-policy-only.yaml": [
    [
      "11:11",
      "spec.identities[0].credentials.password",
      "credentials.password needs one of password, hashed_password, use_password_migration_hook",
    ],
  ],
  "password-not-object.yaml": [["10:19", "spec.identities[0].credentials.password", "expected object, got string"]],
  "password-policy-typo.yaml": [
    [
      "12:19",
      "spec.identities[0].credentials.password.policy",
      'unexpected value "enforced": expected one of initial, enforce',
    ],
  ],
  "migration-hook-false.yaml": [
    ["10:50", "spec.identities[0].credentials.password.use_password_migration_hook", "expected true, got false"],
  ],
  "oidc-subject-unquoted.yaml": [
    ["11:52", "spec.identities[0].credentials.oidc.providers[0].subject", "expected string, got integer"],
  ],
  "oidc-link-twice.yaml": [
    [
      "11:95",
      "spec.identities[0].credentials.oidc.providers[2]",
      "duplicate OIDC link google:1: also declared at providers[0]",
    ],
  ],
  "verifiable-address-bad-via.yaml": [
    ["10:44", "spec.identities[0].verifiable_addresses[0].via", 'unexpected value "mail": expected one of email, sms'],
  ],
  "generate-same-key.yaml": [
    [
      "10:26",
      "spec.generate[0].template.traits.email",
      'generated copies 1 and 2 have the same key "load@example.test"',
    ],
  ],
  "generate-count-zero.yaml": [["8:14", "spec.generate[0].count", "expected an integer from 1 to 1000000, got 0"]],
  "generate-template-typo.yaml": [
    ["8:7", "spec.generate[0].template", 'missing required field "template"'],
    ["9:7", "spec.generate[0].templates", 'unknown field "templates"'],
  ],
  "generate-collides-with-identity.yaml": [
    [
      "12:26",
      "spec.generate[0].template.traits.email",
      'duplicate key "load-7@example.test": also declared at generate-collides-with-identity.yaml:8:24 (spec.identities[0])',
    ],
  ],
  "env-reference-without-prefix.yaml": [
    ["10:31", "spec.identities[0].credentials.password.password", "unknown reference (sensitive)"],
  ],
  "env-variable-missing.yaml": [
    [
      "10:31",
      "spec.identities[0].credentials.password.password",
      "environment variable ORY_RECONCILE_TEST_UNSET_PASSWORD is not set",
    ],
  ],
  "number-beyond-2-53.yaml": [
    ["9:38", "spec.identities[0].metadata_public.discord_id", "this number cannot be kept exactly"],
  ],
  "hashed-password-unknown-format.yaml": [
    [
      "10:38",
      "spec.identities[0].credentials.password.hashed_password",
      "hashed_password is not in a hash format the server imports (the value is not shown)",
    ],
    [
      "16:38",
      "spec.identities[2].credentials.password.hashed_password",
      "hashed_password is not in a hash format the server imports (the value is not shown)",
    ],
  ],
  "file-reference-missing.yaml": [
    [
      "10:38",
      "spec.identities[0].credentials.password.hashed_password",
      "cannot read ${file:secrets/alice.hash}: no such file",
    ],
  ],
};

describe("bad manifests", () => {
  it("has a case for every fixture file (and at least 25 of them)", () => {
    const files = readdirSync(DIR).sort();
    expect(Object.keys(CASES).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(Object.entries(CASES))("%s", (file, expected) => {
    const issues = issuesOf(loadManifests([file], { cwd: DIR, env: ENV }));
    expect(issues.map((i) => [i.pos && `${i.pos.line}:${i.pos.col}`, i.path, i.message])).toEqual(
      expected.map(([at, path, fragment]) => [at, path, expect.stringContaining(fragment)]),
    );
    for (const issue of issues) {
      expect(issue.pos?.file).toBe(file);
      expect(issue.hint).toEqual(expect.stringMatching(/\S/));
    }
  });

  it("never puts a secret into an issue", () => {
    const issues = issuesOf(loadManifests(Object.keys(CASES), { cwd: DIR, env: ENV }));
    const text = formatIssues(issues) + JSON.stringify(issues);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it("gives the hints that fix the mistake", () => {
    const hint = (file: string) => issuesOf(loadManifests([file], { cwd: DIR, env: ENV }))[0].hint;
    expect(hint("identity-camelcase-field.yaml")).toBe('did you mean "metadata_public"?');
    expect(hint("state-typo.yaml")).toBe('did you mean "active"?');
    expect(hint("oidc-subject-unquoted.yaml")).toBe("quote the value so that YAML reads it as a string");
    expect(hint("prune-yes.yaml")).toBe("write true or false (YAML 1.2 reads yes, no, on and off as strings)");
    expect(hint("set-name-missing.yaml")).toBe("add name: to metadata");
    expect(hint("generate-same-key.yaml")).toBe(
      "put {{i}} in traits.email so that every copy gets its own key, e.g. user-{{i}}@example.test",
    );
    expect(hint("wrong-kind.yaml")).toBe("set kind: IdentitySet");
    expect(hint("number-beyond-2-53.yaml")).toBe('quote it to keep it as text ("…"), or use fewer digits');
  });
});
