// The corpus of bad input (manifests in test/fixtures/bad-inputs, flags and environment) with what the CLI says
// about each. The offline cases run in-process in test/unit/cli/bad-input.test.ts; those that need a server (the
// server's identity schema and features, a wrong API key) run against a real Kratos in
// test/integration/reliability/bad-input.test.ts.
import { join } from "node:path";

export const BAD_INPUTS = join(__dirname, "..", "fixtures", "bad-inputs");
export const PASSWORD = "Bad-Input-Secret-5150";
export const BAD_TOKEN = "ory_pat_WRONG-token-for-this-project-0000";
export const URL_SECRET = "Url-Embedded-Secret-77";

/** `offline`: the manifest is rejected before any request (validate rejects it too); `server`: rejected after
 * reading from the server (validate, which is offline, accepts it), with zero writes. */
export type Manifest = { file: string; at: string; says: string; check: "offline" | "server" };

export const MANIFESTS: Manifest[] = [
  // YAML syntax
  {
    file: "yaml-tab-indentation.yaml",
    at: "9:1",
    says: "YAML syntax error: Tabs are not allowed as indentation",
    check: "offline",
  },
  {
    file: "yaml-unterminated-quote.yaml",
    at: "10:1",
    says: 'YAML syntax error: Missing closing "quote',
    check: "offline",
  },
  {
    file: "yaml-unclosed-flow-sequence.yaml",
    at: "8:66",
    says: "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    check: "offline",
  },
  {
    file: "yaml-duplicate-field.yaml",
    at: "10:7",
    says: 'spec.identities[0].state: duplicate key "state" (first defined at line 9, column 7)',
    check: "offline",
  },
  {
    file: "yaml-second-document-broken.yaml",
    at: "18:5",
    says: "YAML syntax error: Flow map in block collection must be sufficiently indented",
    check: "offline",
  },
  { file: "yaml-document-is-text.yaml", at: "1:1", says: 'missing required field "apiVersion"', check: "offline" },
  // types
  {
    file: "type-set-name-number.yaml",
    at: "4:9",
    says: "metadata.name: expected string, got integer",
    check: "offline",
  },
  {
    file: "type-identities-string.yaml",
    at: "7:15",
    says: "spec.identities: expected array, got string",
    check: "offline",
  },
  {
    file: "type-generate-count-string.yaml",
    at: "8:14",
    says: "spec.generate[0].count: expected integer, got string",
    check: "offline",
  },
  {
    file: "type-verified-string.yaml",
    at: "9:80",
    says: "spec.identities[0].verifiable_addresses[0].verified: expected boolean, got string",
    check: "offline",
  },
  {
    file: "type-state-number.yaml",
    at: "9:14",
    says: "spec.identities[0].state: unexpected value 1: expected one of active, inactive",
    check: "offline",
  },
  { file: "type-defaults-list.yaml", at: "7:13", says: "spec.defaults: expected object, got array", check: "offline" },
  {
    file: "type-metadata-public-string.yaml",
    at: "9:24",
    says: "spec.identities[0].metadata_public: expected object or null, got string",
    check: "offline",
  },
  // unknown fields
  {
    file: "unknown-field-spec.yaml",
    at: "7:3",
    says: 'spec.identites: unknown field "identites"\n    hint: did you mean "identities"?',
    check: "offline",
  },
  {
    file: "unknown-field-identity.yaml",
    at: "9:7",
    says: 'spec.identities[0].metdata_public: unknown field "metdata_public"\n    hint: did you mean "metadata_public"?',
    check: "offline",
  },
  {
    file: "unknown-field-credentials.yaml",
    at: "10:9",
    says: 'spec.identities[0].credentials.passwd: unknown field "passwd"\n    hint: did you mean "password"?',
    check: "offline",
  },
  {
    file: "unknown-field-address.yaml",
    at: "9:70",
    says: 'unknown field "verifed"\n    hint: did you mean "verified"?',
    check: "offline",
  },
  {
    file: "unknown-field-metadata.yaml",
    at: "5:3",
    says: 'metadata.namespace: unknown field "namespace"',
    check: "offline",
  },
  // duplicate keys and set names
  {
    file: "duplicate-identity-key.yaml",
    at: "10:24",
    says: 'duplicate key "alice@example.com": also declared at duplicate-identity-key.yaml:8:24 (spec.identities[0])',
    check: "offline",
  },
  {
    file: "duplicate-generated-and-declared.yaml",
    at: "11:36",
    says: 'duplicate key "load-3@example.test": also declared at duplicate-generated-and-declared.yaml:8:24',
    check: "offline",
  },
  {
    file: "duplicate-set-across-files",
    at: "4:9",
    says: 'duplicate set name "team": also declared at duplicate-set-across-files/a.yaml:4:9',
    check: "offline",
  },
  // ${env:} / ${file:} references
  {
    file: "env-missing-password.yaml",
    at: "9:44",
    says: "environment variable RELIABILITY_UNSET_VARIABLE is not set",
    check: "offline",
  },
  {
    file: "env-missing-trait.yaml",
    at: "8:58",
    says: "spec.identities[0].traits.name.first: environment variable RELIABILITY_UNSET_NAME is not set",
    check: "offline",
  },
  {
    file: "file-missing.yaml",
    at: "9:51",
    says: "cannot read ${file:secrets/alice.hash}: no such file",
    check: "offline",
  },
  { file: "reference-unknown-kind.yaml", at: "9:44", says: "unknown reference (sensitive)", check: "offline" },
  { file: "reference-unterminated.yaml", at: "8:58", says: 'unterminated "${"', check: "offline" },
  // key paths
  {
    file: "key-trailing-dot.yaml",
    at: "6:8",
    says: 'spec.key: invalid value "traits.": expected external_id or traits.<dotted.path>',
    check: "offline",
  },
  { file: "key-double-dot.yaml", at: "6:8", says: 'spec.key: invalid value "traits..email"', check: "offline" },
  {
    file: "key-metadata-path.yaml",
    at: "6:8",
    says: 'spec.key: invalid value "metadata_public.employee_id"',
    check: "offline",
  },
  {
    file: "key-points-to-object.yaml",
    at: "8:49",
    says: 'key field "traits.name" must be a non-empty string, got object',
    check: "offline",
  },
  {
    file: "key-external-id-missing.yaml",
    at: "10:7",
    says: 'spec.identities[1].external_id: missing key field "external_id"',
    check: "offline",
  },
  // what only the server knows: its identity schema and its features
  {
    file: "schema-unknown-trait.yaml",
    at: "8:7",
    says: 'team/alice@example.com: traits.nickname is not allowed by identity schema "default"',
    check: "server",
  },
  {
    file: "schema-bad-email.yaml",
    at: "8:7",
    says: 'team/alice: traits.email must be a valid email (identity schema "default")',
    check: "server",
  },
  { file: "schema-wrong-type.yaml", at: "8:7", says: "traits.name.first must be string, got integer", check: "server" },
  {
    file: "schema-missing-required.yaml",
    at: "8:7",
    says: 'team/alice: traits.email is required by identity schema "default"',
    check: "server",
  },
  {
    file: "schema-unknown-schema-id.yaml",
    at: "8:7",
    says: 'identity schema "corporate" does not exist on the server (it has: default)',
    check: "server",
  },
  {
    file: "schema-generated-copies.yaml",
    at: "8:7",
    says: "load/load-1@example.test (and 49 more from the same declaration): traits.nickname is not allowed",
    check: "server",
  },
  {
    file: "external-id-unsupported.yaml",
    at: "8:7",
    says: "declares external_id but the server (kratos v1.3.1) does not support external_id",
    check: "server",
  },
];

/** Flags and environment. `requests`: what may reach the proxy (`none`, or `reads`: GETs only). */
export type FlagCase = {
  name: string;
  args: string[];
  env?: Record<string, string | undefined>;
  says: string;
  requests: "none" | "reads";
};

export function flagCases(proxyUrl: string, unreachable: string): FlagCase[] {
  const team = "valid/team.yaml";
  const cases: FlagCase[] = [
    {
      name: "endpoint not a URL",
      args: ["apply", team, "--endpoint", "kratos admin"],
      says: '--endpoint "kratos admin" is not a URL',
      requests: "none",
    },
    {
      name: "ORY_ADMIN_URL not a URL",
      args: ["plan", team],
      env: { ORY_ADMIN_URL: "localhost-4434" },
      says: 'ORY_ADMIN_URL "localhost-4434" is not a URL',
      requests: "none",
    },
    {
      name: "endpoint scheme",
      args: ["apply", team, "--endpoint", "ftp://127.0.0.1:4434"],
      says: "--endpoint: invalid endpoint: the scheme ftp: is not supported, use http or https",
      requests: "none",
    },
    {
      name: "credentials in the endpoint",
      args: ["plan", team, "--endpoint", `http://admin:${URL_SECRET}@127.0.0.1:4434`],
      says: "the endpoint URL must not contain credentials",
      requests: "none",
    },
    {
      name: "no endpoint at all",
      args: ["apply", team],
      env: { ORY_ADMIN_URL: undefined },
      says: "Error: no server given\n  hint: pass --endpoint",
      requests: "none",
    },
    {
      name: "unreachable endpoint",
      args: ["apply", team, "--endpoint", unreachable],
      says: `server unreachable at ${unreachable}/admin/version: connection refused (ECONNREFUSED) after 3 attempts`,
      requests: "none",
    },
    {
      name: "wrong API key (401)",
      args: ["apply", team],
      env: { ORY_API_KEY: BAD_TOKEN },
      says: "failed with 401: the API key (sensitive) is not valid for this project",
      requests: "reads",
    },
    {
      name: "--max-deletes negative",
      args: ["apply", team, "--max-deletes=-1"],
      says: '--max-deletes must be a whole number >= 0 or "all", got "-1"',
      requests: "none",
    },
    {
      name: "--max-deletes word",
      args: ["apply", team, "--prune", "--max-deletes", "many"],
      says: '--max-deletes must be a whole number >= 0 or "all", got "many"',
      requests: "none",
    },
    {
      name: "--max-deletes empty",
      args: ["apply", team, "--max-deletes="],
      says: '--max-deletes must be a whole number >= 0 or "all", got ""',
      requests: "none",
    },
    {
      name: "--max-deletes exponent",
      args: ["apply", team, "--max-deletes", "1e3"],
      says: '--max-deletes must be a whole number >= 0 or "all", got "1e3"',
      requests: "none",
    },
    {
      name: "--concurrency 0",
      args: ["apply", team, "--concurrency", "0"],
      says: '--concurrency must be a whole number >= 1, got "0"',
      requests: "none",
    },
    {
      name: "--concurrency fraction",
      args: ["apply", team, "--concurrency", "2.5"],
      says: '--concurrency must be a whole number >= 1, got "2.5"',
      requests: "none",
    },
    { name: "unknown flag", args: ["apply", team, "--prunee"], says: "Unknown argument: prunee", requests: "none" },
    {
      name: "flag of another command",
      args: ["apply", team, "--detailed-exitcode"],
      says: "Unknown arguments: detailed-exitcode",
      requests: "none",
    },
    {
      name: "bad --output",
      args: ["plan", team, "--output", "xml"],
      says: 'Argument: output, Given: "xml", Choices: "text", "json"',
      requests: "none",
    },
    { name: "unknown command", args: ["aply", team], says: "Unknown arguments: aply", requests: "none" },
    {
      name: "no command",
      args: [],
      says: "name a command: validate, plan, apply, export or destroy",
      requests: "none",
    },
    {
      name: "plan without paths",
      args: ["plan"],
      says: "Not enough non-option arguments: got 0, need at least 1",
      requests: "none",
    },
    {
      name: "apply of a missing path",
      args: ["apply", "does-not-exist.yaml"],
      says: 'no such file or directory: "does-not-exist.yaml"',
      requests: "none",
    },
    {
      name: "validate of a missing path",
      args: ["validate", "missing/"],
      says: 'no such file or directory: "missing/"',
      requests: "none",
    },
    {
      name: "--plan file missing",
      args: ["apply", team, "--plan", "no-such-plan.json"],
      says: "cannot read the saved plan no-such-plan.json",
      requests: "none",
    },
    {
      name: "--plan not JSON",
      args: ["apply", team, "--plan", "plan-not-json.json"],
      says: "the saved plan plan-not-json.json is not JSON",
      requests: "none",
    },
    {
      name: "--plan of another format",
      args: ["apply", team, "--plan", "plan-future-format.json"],
      says: "is not a plan to apply: format_version 99, expected 1; nothing was sent",
      requests: "none",
    },
  ];
  return cases.map((c) => ({ ...c, env: { ORY_ADMIN_URL: proxyUrl, ...c.env } }));
}

/** Where the CLI reports a manifest case: `file:line:col: ` (a directory's second file for a directory case). */
export function whereOf(m: Manifest): string {
  return `${m.file.endsWith(".yaml") ? m.file : `${m.file}/b.yaml`}:${m.at}: `;
}
