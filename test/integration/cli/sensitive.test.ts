// `${env:…}` / `${file:…}` values end to end: sent to the server, never shown by plan, plan file or apply;
// ory-reconcile's own credentials can never be read into a manifest; `${var:…}` and `--var`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kratos } from "../../../src/dev/kratos";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, liveByEmail } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { describeOn } from "../../support/servers";

const SECRET = "secret-thing-7f3a9c";
const FILE_SECRET = "file-secret-b41e07";
const NEW_NAME = "renamed-secret-5d2c8e";
const API_KEY = "ory_pat_api-key-never-shown-91c2";
// Values that text output escapes (a newline, a quote, a control character): hidden before and after escaping.
const ESCAPED = ["multi-line\nsecret-0e5a", 'quoted-"secret"-a7c3', "bell\u0007secret-55d1"];

describeOn("v26.2.0", "sensitive interpolated values (CLI)", () => {
  const fixture = kratosBehindProxy("v26.2.0");
  let kratos: Kratos;
  let proxy: Proxy;
  const planFiles: string[] = [];

  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });

  const manifest = setYaml(
    "staff",
    `key: traits.email
identities:
  - traits: { email: "\${env:SECRET_THING}@example.com", name: { first: "\${env:NAME_THING}" } }
    metadata_admin: { note: "\${file:note.txt}" }
    metadata_public: { domain: "\${var:domain}" }
    external_id: "ext-\${env:SECRET_THING}"
  - traits: { email: plain@example.com }`,
  );

  it("sends the values but shows them as (sensitive) in plans, the plan file and apply output", async () => {
    const dir = manifestDir({ "staff.yaml": manifest, "note.txt": `${FILE_SECRET}\n` });
    const env = {
      ORY_ADMIN_URL: kratos.adminUrl,
      SECRET_THING: SECRET,
      NAME_THING: "first-secret-name",
      ORY_RECONCILE_VAR_domain: "from-env.test",
    };
    const out = join(dir, "plan.json");
    planFiles.push(out);
    const text = await runCli(["plan", dir, "--out", out, "--var", "domain=example.org"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("+ create staff/(sensitive #1)\n");
    expect(text.stdout).toContain('+ /metadata_public: {"domain":"example.org"}');
    const json = await runCli(["plan", dir, "--output", "json", "--var", "domain=example.org"], env);
    expect(JSON.parse(json.stdout).sets[0].actions.map((a: { key: string }) => a.key)).toEqual([
      "(sensitive #1)",
      "plain@example.com",
    ]);
    const applied = await runCli(["apply", dir, "--plan", out, "--var", "domain=example.org", "--output", "json"], env);
    expect(applied.code).toBe(0);
    expect(
      JSON.parse(applied.stdout)
        .outcomes.map((o: { subject: string; result: string }) => `${o.subject} ${o.result}`)
        .sort(),
    ).toEqual(["staff/(sensitive #1) created", "staff/plain@example.com created"]);

    const live = (await liveByEmail(kratos.adminUrl)).get(`${SECRET}@example.com`)!;
    expect(live.traits).toEqual({ email: `${SECRET}@example.com`, name: { first: "first-secret-name" } });
    expect(live.external_id).toBe(`ext-${SECRET}`);
    expect(live.metadata_admin).toMatchObject({ note: FILE_SECRET });
    expect(live.metadata_public).toEqual({ domain: "example.org" });

    // An update: the old and the new value are both sensitive.
    const update = await runCli(["apply", dir, "--var", "domain=example.org"], { ...env, NAME_THING: NEW_NAME });
    expect(update.code).toBe(0);
    expect(update.stdout).toContain("~ update staff/(sensitive #1)");
    expect(update.stdout).toContain('~ /traits/name/first: "(sensitive)" -> "(sensitive)"');
    expect((await liveByEmail(kratos.adminUrl)).get(`${SECRET}@example.com`)!.traits).toMatchObject({
      name: { first: NEW_NAME },
    });
  });

  it("still refuses a saved plan whose live state changed", async () => {
    const dir = manifestDir({ "staff.yaml": manifest, "note.txt": FILE_SECRET });
    const env = {
      ORY_ADMIN_URL: kratos.adminUrl,
      SECRET_THING: SECRET,
      NAME_THING: "changed-again-secret",
      ORY_RECONCILE_VAR_domain: "example.org",
    };
    const out = join(dir, "plan.json");
    planFiles.push(out);
    expect((await runCli(["plan", dir, "--out", out], env)).code).toBe(0);
    const live = (await liveByEmail(kratos.adminUrl)).get(`${SECRET}@example.com`)!;
    await admin(kratos.adminUrl).patchIdentity(live.id, [
      { op: "replace", path: "/metadata_public", value: { domain: "elsewhere" } },
    ]);
    const stale = await runCli(["apply", dir, "--plan", out], env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("is stale; nothing was written");
  });

  it("refuses ${env:ORY_API_KEY} at file:line:col and sends nothing", async () => {
    const dir = manifestDir({
      "staff.yaml": setYaml(
        "leak",
        'key: traits.email\nidentities:\n  - traits: { email: a@example.com, k: "${env:ORY_API_KEY}" }',
      ),
    });
    proxy.clear();
    const result = await runCli(["plan", dir], { ORY_ADMIN_URL: proxy.url, ORY_API_KEY: API_KEY });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(dir, "staff.yaml")}:8:42: spec.identities[0].traits.k: \${env:ORY_API_KEY} is not allowed`,
    );
    expect(proxy.requests).toEqual([]);
  });

  it("refuses a malformed --var before reading anything", async () => {
    const dir = manifestDir({ "staff.yaml": manifest });
    const result = await runCli(["validate", dir, "--var", "no-equals-sign"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--var "no-equals-sign" has no "=": expected NAME=value');
  });

  it.each(ESCAPED.map((value, i) => [JSON.stringify(value), value, i] as const))(
    "hides %s where it reaches an error, escaped or not",
    async (_shown, value, i) => {
      // Another identity holds the external_id already: the plan error quotes the value (JSON-escaped) to name the clash.
      await admin(kratos.adminUrl).createIdentity({
        schema_id: "default",
        traits: { email: `holder-${i}@example.com` },
        external_id: value,
      });
      const dir = manifestDir({
        "bad.yaml": setYaml(
          `bad-${i}`,
          `key: traits.email\nidentities:\n  - traits: { email: esc-${i}@example.com, name: { first: "\${file:name.txt}" } }\n    external_id: "\${env:BAD_VALUE}"`,
        ),
        "name.txt": value,
      });
      const results = [
        await runCli(["apply", dir], { ORY_ADMIN_URL: kratos.adminUrl, BAD_VALUE: value }),
        await runCli(["plan", dir, "--output", "json"], { ORY_ADMIN_URL: kratos.adminUrl, BAD_VALUE: value }),
      ];
      for (const result of results) {
        expect(result.code).toBe(1);
        const text = result.stdout + result.stderr;
        expect(text).toContain("(sensitive)");
        for (const form of [
          value,
          JSON.stringify(value).slice(1, -1),
          value.replace(/\n/g, "\\n").replace(/\u0007/g, "\\u0007"),
        ])
          expect(text).not.toContain(form);
      }
    },
  );

  it("never shows a sensitive value or the API key in any output or plan file", () => {
    const texts = [...allOutputs, ...planFiles.map((file) => readFileSync(file, "utf8"))];
    expect(texts.length).toBeGreaterThan(10);
    for (const secret of [SECRET, FILE_SECRET, NEW_NAME, "first-secret-name", "changed-again-secret", API_KEY]) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
    // The escaped values, in every form output could give them (their distinctive tails suffice).
    for (const tail of ["secret-0e5a", 'secret\\"-a7c3', '"secret"-a7c3', "secret-55d1"]) {
      for (const text of texts) expect(text).not.toContain(tail);
    }
  });
});
