// A corpus of bad input — manifests (test/fixtures/bad-inputs) and flags — run through the CLI against a real Kratos
// behind the recording proxy. Each exits 1 with a precise message (for manifests: file:line:col), and sends ZERO
// write requests; where the check is offline (YAML, schema, references, keys, flags) it sends no request at all.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort, startKratos, Kratos } from "../../../src/dev/kratos";
import { allOutputs, runCli } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { startProxy, Proxy } from "../../support/proxy";
import { API_KEY } from "../../support/reliability";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "bad-inputs");
const PASSWORD = "Bad-Input-Secret-5150";
const BAD_TOKEN = "ory_pat_WRONG-token-for-this-project-0000";
const URL_SECRET = "Url-Embedded-Secret-77";
const SECRETS = [API_KEY, PASSWORD, BAD_TOKEN, URL_SECRET];

/** `offline`: the manifest is rejected before any request (validate rejects it too); `server`: rejected after
 * reading from the server (validate, which is offline, accepts it), with zero writes. */
type Manifest = { file: string; at: string; says: string; check: "offline" | "server" };

const MANIFESTS: Manifest[] = [
  // YAML syntax
  { file: "yaml-tab-indentation.yaml", at: "9:1", says: "YAML syntax error: Tabs are not allowed as indentation", check: "offline" },
  { file: "yaml-unterminated-quote.yaml", at: "10:1", says: 'YAML syntax error: Missing closing "quote', check: "offline" },
  { file: "yaml-unclosed-flow-sequence.yaml", at: "8:66", says: "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]", check: "offline" },
  { file: "yaml-duplicate-field.yaml", at: "10:7", says: 'spec.identities[0].state: duplicate key "state" (first defined at line 9, column 7)', check: "offline" },
  { file: "yaml-second-document-broken.yaml", at: "18:5", says: "YAML syntax error: Flow map in block collection must be sufficiently indented", check: "offline" },
  { file: "yaml-document-is-text.yaml", at: "1:1", says: 'missing required field "apiVersion"', check: "offline" },
  // types
  { file: "type-set-name-number.yaml", at: "4:9", says: "metadata.name: expected string, got integer", check: "offline" },
  { file: "type-identities-string.yaml", at: "7:15", says: "spec.identities: expected array, got string", check: "offline" },
  { file: "type-generate-count-string.yaml", at: "8:14", says: "spec.generate[0].count: expected integer, got string", check: "offline" },
  { file: "type-verified-string.yaml", at: "9:80", says: "spec.identities[0].verifiable_addresses[0].verified: expected boolean, got string", check: "offline" },
  { file: "type-state-number.yaml", at: "9:14", says: "spec.identities[0].state: unexpected value 1: expected one of active, inactive", check: "offline" },
  { file: "type-defaults-list.yaml", at: "7:13", says: "spec.defaults: expected object, got array", check: "offline" },
  { file: "type-metadata-public-string.yaml", at: "9:24", says: "spec.identities[0].metadata_public: expected object or null, got string", check: "offline" },
  // unknown fields
  { file: "unknown-field-spec.yaml", at: "7:3", says: 'spec.identites: unknown field "identites"\n    hint: did you mean "identities"?', check: "offline" },
  { file: "unknown-field-identity.yaml", at: "9:7", says: 'spec.identities[0].metdata_public: unknown field "metdata_public"\n    hint: did you mean "metadata_public"?', check: "offline" },
  { file: "unknown-field-credentials.yaml", at: "10:9", says: 'spec.identities[0].credentials.passwd: unknown field "passwd"\n    hint: did you mean "password"?', check: "offline" },
  { file: "unknown-field-address.yaml", at: "9:70", says: 'unknown field "verifed"\n    hint: did you mean "verified"?', check: "offline" },
  { file: "unknown-field-metadata.yaml", at: "5:3", says: 'metadata.namespace: unknown field "namespace"', check: "offline" },
  // duplicate keys and set names
  { file: "duplicate-identity-key.yaml", at: "10:24", says: 'duplicate key "alice@example.com": also declared at duplicate-identity-key.yaml:8:24 (spec.identities[0])', check: "offline" },
  { file: "duplicate-generated-and-declared.yaml", at: "11:36", says: 'duplicate key "load-3@example.test": also declared at duplicate-generated-and-declared.yaml:8:24', check: "offline" },
  { file: "duplicate-set-across-files", at: "4:9", says: 'duplicate set name "team": also declared at duplicate-set-across-files/a.yaml:4:9', check: "offline" },
  // ${env:} / ${file:} references
  { file: "env-missing-password.yaml", at: "9:44", says: "environment variable RELIABILITY_UNSET_VARIABLE is not set", check: "offline" },
  { file: "env-missing-trait.yaml", at: "8:58", says: "spec.identities[0].traits.name.first: environment variable RELIABILITY_UNSET_NAME is not set", check: "offline" },
  { file: "file-missing.yaml", at: "9:51", says: "cannot read ${file:secrets/alice.hash}: no such file", check: "offline" },
  { file: "reference-unknown-kind.yaml", at: "9:44", says: "unknown reference (sensitive)", check: "offline" },
  { file: "reference-unterminated.yaml", at: "8:58", says: 'unterminated "${"', check: "offline" },
  // key paths
  { file: "key-trailing-dot.yaml", at: "6:8", says: 'spec.key: invalid value "traits.": expected external_id or traits.<dotted.path>', check: "offline" },
  { file: "key-double-dot.yaml", at: "6:8", says: 'spec.key: invalid value "traits..email"', check: "offline" },
  { file: "key-metadata-path.yaml", at: "6:8", says: 'spec.key: invalid value "metadata_public.employee_id"', check: "offline" },
  { file: "key-points-to-object.yaml", at: "8:49", says: 'key field "traits.name" must be a non-empty string, got object', check: "offline" },
  { file: "key-external-id-missing.yaml", at: "10:7", says: 'spec.identities[1].external_id: missing key field "external_id"', check: "offline" },
  // what only the server knows: its identity schema and its features
  { file: "schema-unknown-trait.yaml", at: "8:7", says: 'team/alice@example.com: traits.nickname is not allowed by identity schema "default"', check: "server" },
  { file: "schema-bad-email.yaml", at: "8:7", says: 'team/alice: traits.email must be a valid email (identity schema "default")', check: "server" },
  { file: "schema-wrong-type.yaml", at: "8:7", says: "traits.name.first must be string, got integer", check: "server" },
  { file: "schema-missing-required.yaml", at: "8:7", says: 'team/alice: traits.email is required by identity schema "default"', check: "server" },
  { file: "schema-unknown-schema-id.yaml", at: "8:7", says: 'identity schema "corporate" does not exist on the server (it has: default)', check: "server" },
  { file: "schema-generated-copies.yaml", at: "8:7", says: "load/load-1@example.test (and 49 more from the same declaration): traits.nickname is not allowed", check: "server" },
  { file: "external-id-unsupported.yaml", at: "8:7", says: "declares external_id but the server (kratos v1.3.1) does not support external_id", check: "server" },
];

/** Flags and environment. `requests`: what may reach the proxy (`none`, or `reads`: GETs only). */
type FlagCase = { name: string; args: string[]; env?: Record<string, string | undefined>; says: string; requests: "none" | "reads" };

function flagCases(proxyUrl: string, unreachable: string): FlagCase[] {
  const team = "valid/team.yaml";
  const cases: FlagCase[] = [
    { name: "endpoint not a URL", args: ["apply", team, "--endpoint", "kratos admin"], says: '--endpoint "kratos admin" is not a URL', requests: "none" },
    { name: "ORY_ADMIN_URL not a URL", args: ["plan", team], env: { ORY_ADMIN_URL: "localhost-4434" }, says: 'ORY_ADMIN_URL "localhost-4434" is not a URL', requests: "none" },
    { name: "endpoint scheme", args: ["apply", team, "--endpoint", "ftp://127.0.0.1:4434"], says: "--endpoint: invalid endpoint: the scheme ftp: is not supported, use http or https", requests: "none" },
    { name: "credentials in the endpoint", args: ["plan", team, "--endpoint", `http://admin:${URL_SECRET}@127.0.0.1:4434`], says: "the endpoint URL must not contain credentials", requests: "none" },
    { name: "no endpoint at all", args: ["apply", team], env: { ORY_ADMIN_URL: undefined }, says: "Error: no server given\n  hint: pass --endpoint", requests: "none" },
    { name: "unreachable endpoint", args: ["apply", team, "--endpoint", unreachable], says: `server unreachable at ${unreachable}/admin/version: connection refused (ECONNREFUSED) after 3 attempts`, requests: "none" },
    { name: "wrong API key (401)", args: ["apply", team], env: { ORY_API_KEY: BAD_TOKEN }, says: "failed with 401: the API key (sensitive) is not valid for this project", requests: "reads" },
    { name: "--max-deletes negative", args: ["apply", team, "--max-deletes=-1"], says: '--max-deletes must be a whole number >= 0 or "all", got "-1"', requests: "none" },
    { name: "--max-deletes word", args: ["apply", team, "--prune", "--max-deletes", "many"], says: '--max-deletes must be a whole number >= 0 or "all", got "many"', requests: "none" },
    { name: "--max-deletes empty", args: ["apply", team, "--max-deletes="], says: '--max-deletes must be a whole number >= 0 or "all", got ""', requests: "none" },
    { name: "--max-deletes exponent", args: ["apply", team, "--max-deletes", "1e3"], says: '--max-deletes must be a whole number >= 0 or "all", got "1e3"', requests: "none" },
    { name: "--concurrency 0", args: ["apply", team, "--concurrency", "0"], says: '--concurrency must be a whole number >= 1, got "0"', requests: "none" },
    { name: "--concurrency fraction", args: ["apply", team, "--concurrency", "2.5"], says: '--concurrency must be a whole number >= 1, got "2.5"', requests: "none" },
    { name: "unknown flag", args: ["apply", team, "--prunee"], says: "Unknown argument: prunee", requests: "none" },
    { name: "flag of another command", args: ["apply", team, "--detailed-exitcode"], says: "Unknown arguments: detailed-exitcode", requests: "none" },
    { name: "bad --output", args: ["plan", team, "--output", "xml"], says: 'Argument: output, Given: "xml", Choices: "text", "json"', requests: "none" },
    { name: "unknown command", args: ["aply", team], says: "Unknown arguments: aply", requests: "none" },
    { name: "no command", args: [], says: "name a command: validate, plan, apply, export or destroy", requests: "none" },
    { name: "plan without paths", args: ["plan"], says: "Not enough non-option arguments: got 0, need at least 1", requests: "none" },
    { name: "apply of a missing path", args: ["apply", "does-not-exist.yaml"], says: 'no such file or directory: "does-not-exist.yaml"', requests: "none" },
    { name: "validate of a missing path", args: ["validate", "missing/"], says: 'no such file or directory: "missing/"', requests: "none" },
    { name: "--plan file missing", args: ["apply", team, "--plan", "no-such-plan.json"], says: "cannot read the saved plan no-such-plan.json", requests: "none" },
    { name: "--plan not JSON", args: ["apply", team, "--plan", "plan-not-json.json"], says: "the saved plan plan-not-json.json is not JSON", requests: "none" },
    { name: "--plan of another format", args: ["apply", team, "--plan", "plan-future-format.json"], says: "is not a plan to apply: format_version 99, expected 1; nothing was sent", requests: "none" },
  ];
  return cases.map((c) => ({ ...c, env: { ORY_ADMIN_URL: proxyUrl, ...c.env } }));
}

describe("bad input: exit 1, a precise message, and no write (no request at all when the check is offline)", () => {
  let kratos: Kratos;
  let proxy: Proxy;
  let unreachable: string;
  const tried: string[] = [];
  const env = (extra: Record<string, string | undefined> = {}) => ({ ORY_ADMIN_URL: proxy.url, ORY_API_KEY: API_KEY, RELIABILITY_PASSWORD: PASSWORD, ...extra });
  const run = (args: string[], extra?: Record<string, string | undefined>) => runCli(args, env(extra), { cwd: FIXTURES });
  const writes = () => proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    kratos = await startKratos();
    proxy = await startProxy({ target: kratos.adminUrl, rejectTokens: [BAD_TOKEN] });
    unreachable = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await proxy?.stop();
    await kratos?.stop();
  });

  it("covers every fixture, and at least 40 bad inputs in all", () => {
    const files = readdirSync(FIXTURES).filter((f) => f !== "valid" && (f.endsWith(".yaml") || statSync(join(FIXTURES, f)).isDirectory()));
    expect(files.sort()).toEqual([...MANIFESTS.map((m) => m.file), "schema-three-bad.yaml"].sort());
    expect(MANIFESTS.length + flagCases("", "").length).toBeGreaterThanOrEqual(40);
  });

  it.each(MANIFESTS.map((m) => [m.file, m] as const))("manifest %s", async (_file, m) => {
    tried.push(m.file);
    const where = `${m.file.endsWith(".yaml") ? m.file : `${m.file}/b.yaml`}:${m.at}: `;
    proxy.clear();
    const validate = await run(["validate", m.file]);
    if (m.check === "offline") {
      expect({ code: validate.code, stdout: validate.stdout }).toEqual({ code: 1, stdout: "" });
      expect(validate.stderr).toContain(where);
      expect(validate.stderr).toContain(m.says);
      expect(validate.stderr).toMatch(/^Error: \d+ problems? in the manifests; nothing was sent to the server\n/);
    } else {
      expect(validate.code).toBe(0);
    }
    // `plan` and `apply` load manifests alike: an offline problem is checked with apply, a server one with both.
    for (const command of m.check === "offline" ? ["apply"] : ["plan", "apply"]) {
      const result = await run([command, m.file]);
      expect({ command, code: result.code }).toEqual({ command, code: 1 });
      expect(result.stderr).toContain(where);
      expect(result.stderr).toContain(m.says);
    }
    if (m.check === "offline") expect(proxy.requests).toEqual([]);
    else expect(writes()).toEqual([]);
  });

  it("flags and environment", async () => {
    for (const c of flagCases(proxy.url, unreachable)) {
      tried.push(c.name);
      proxy.clear();
      const result = await run(c.args, c.env);
      expect({ case: c.name, code: result.code, stderr: result.stderr }).toEqual({ case: c.name, code: 1, stderr: expect.stringContaining(c.says) });
      expect({ case: c.name, internal: result.stderr.includes("internal error") }).toEqual({ case: c.name, internal: false });
      if (c.requests === "none") expect({ case: c.name, requests: proxy.requests.length }).toEqual({ case: c.name, requests: 0 });
      else expect({ case: c.name, writes: writes() }).toEqual({ case: c.name, writes: [] });
      // The wrong key did reach the proxy, which answered 401 (and echoed the key: the CLI did not repeat it).
      if (c.env?.ORY_API_KEY === BAD_TOKEN) expect(proxy.requests.length).toBeGreaterThan(0);
    }
  });

  it("a plan with 3 identities that break the server's identity schema reports all 3, with positions, and writes nothing", async () => {
    proxy.clear();
    const plan = await run(["plan", "schema-three-bad.yaml", "--output", "json"]);
    expect(plan.code).toBe(1);
    expect(JSON.parse(plan.stdout).issues).toEqual([
      {
        file: "schema-three-bad.yaml",
        line: 9,
        col: 7,
        message: 'team/bad-1@example.com: traits.name.first must be string, got integer (identity schema "default")',
        hint: `change the traits to match the server's identity schema "default", or choose another schema_id`,
      },
      { file: "schema-three-bad.yaml", line: 11, col: 7, message: 'team/bad-2@example.com: traits.nickname is not allowed by identity schema "default"', hint: "remove it; allowed here: email, name, username, groups" },
      {
        file: "schema-three-bad.yaml",
        line: 12,
        col: 7,
        message: 'team/bad-3@example.com: identity schema "service" does not exist on the server (it has: default)',
        hint: "use one of: default; or add the schema to the server's configuration",
      },
    ]);
    expect(plan.stderr).toContain("Error: the plan has 3 error(s)");
    const apply = await run(["apply", "schema-three-bad.yaml"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("Error: the plan has 3 error(s); nothing was written");
    // Reads only: per run the version, one list of identities, and the schemas once.
    expect(writes()).toEqual([]);
    const paths = proxy.requests.map((r) => r.path.split("?")[0]);
    expect([paths.filter((p) => p === "/admin/identities").length, paths.filter((p) => p === "/schemas").length]).toEqual([2, 2]);
    expect(await admin(kratos.adminUrl).listIdentities()).toEqual([]);
  });

  it("figures; no secret in any output", () => {
    // eslint-disable-next-line no-console
    console.log(`bad inputs tried: ${tried.length} (${MANIFESTS.length} manifests, ${tried.length - MANIFESTS.length} flag/environment cases)`);
    expect(tried.length).toBeGreaterThanOrEqual(40);
    const text = allOutputs.join("\n");
    expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
  });
});
