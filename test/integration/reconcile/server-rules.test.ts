// What Kratos accepts, the CLI writes: the pre-write check (traits against the server's identity schemas) may never
// refuse a value the server takes. Each value below is one that ajv (with ajv-formats) refused and Kratos, which
// validates with github.com/ory/jsonschema/v3 (Go format checkers, RE2 patterns, big.Float multipleOf), accepts.
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { describeServers } from "../../support/servers";

/** A second identity schema using the formats, patterns and keywords whose rules differ between ajv and Kratos. */
const RULES_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: {
        name: { type: "string" },
        ip: { type: "string", format: "ipv4" },
        at: { type: "string", format: "date-time" },
        clock: { type: "string", format: "time" },
        site: { type: "string", format: "uri" },
        ref: { type: "string", format: "uri-reference" },
        id: { type: "string", format: "uuid" },
        code: { type: "string", pattern: "^\\S+$" },
        line: { type: "string", pattern: "^.+$" },
        ratio: { type: "number", multipleOf: 0.1 },
        big: { type: "number", multipleOf: 1 },
        login: { type: "string", oneOf: [{ format: "email" }, { format: "tel" }] },
      },
      required: ["name"],
      additionalProperties: false,
    },
  },
};

const base64 = (schema: object) => `base64://${Buffer.from(JSON.stringify(schema)).toString("base64")}`;

describeServers("all", "what Kratos accepts, the CLI creates", (server) => {
  let kratos: Kratos;
  let env: Record<string, string>;

  beforeAll(async () => {
    const schemas = [
      { id: "default", url: base64(IDENTITY_SCHEMA) },
      { id: "rules", url: base64(RULES_SCHEMA) },
    ];
    kratos = await startKratos({ server, config: { identity: { default_schema_id: "default", schemas } } });
    env = { ORY_ADMIN_URL: kratos.adminUrl };
  });
  afterAll(async () => {
    await kratos?.stop();
  });

  it("creates e-mails that Kratos' email format takes (non-ASCII, no dot in the domain, a quoted local part)", async () => {
    const emails = ["zoë@example.com", "用户@example.com", "admin@localhost", '"john doe"@example.com'];
    const identities = emails.map((email) => `  - traits: { email: ${JSON.stringify(email)} }`).join("\n");
    const dir = manifestDir({ "people.yaml": setYaml("people", `key: traits.email\nidentities:\n${identities}`) });

    const applied = await runCli(["apply", dir], env);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain(
      `Apply complete: ${emails.length} created, 0 updated, 0 adopted, 0 deleted, 0 failed.`,
    );
    expect(applied.code).toBe(0);
    const live = await admin(kratos.adminUrl).listIdentities();
    expect(live.map((i) => (i.traits as { email: string }).email).sort()).toEqual([...emails].sort());
    expect((await runCli(["plan", dir, "--detailed-exitcode"], env)).code).toBe(0);
  });

  it("creates traits that only Kratos' own formats, RE2 patterns and multipleOf accept", async () => {
    const variants: Array<[string, string | number]> = [
      ["ip", "01.2.3.4"],
      ["at", "2024-01-02T3:04:05Z"],
      ["at", "2024-01-02T03:04:05,5Z"],
      ["clock", "1:02:03Z"],
      ["site", "mailto:zoë@example.com"],
      ["ref", "ä b"],
      ["id", "not-a-uuid"],
      ["code", "a\u00a0b"],
      ["line", "a\rb"],
      ["ratio", 0.3],
      ["big", 1e21],
      ["login", "alice@example.com"],
    ];
    const identities = variants
      .map(
        ([field, value], i) => `  - { schema_id: rules, traits: { name: v${i}, ${field}: ${JSON.stringify(value)} } }`,
      )
      .join("\n");
    const dir = manifestDir({ "rules.yaml": setYaml("rules", `key: traits.name\nidentities:\n${identities}`) });

    const applied = await runCli(["apply", dir], env);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain(
      `Apply complete: ${variants.length} created, 0 updated, 0 adopted, 0 deleted, 0 failed.`,
    );
    expect(applied.code).toBe(0);
    expect((await runCli(["plan", dir, "--detailed-exitcode"], env)).code).toBe(0);
  });
});
