// Values from `${env:…}` / `${file:…}` in a plan: `(sensitive)` in field changes, JSON Patch ops, the text plan and
// the JSON plan; a sensitive key shown as its label; the real values kept only where the write needs them.
import { parseManifests } from "../../../src/manifest";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { hideIn, hidingOrder } from "../../../src/reconcile/core/sensitive";
import { renderPlan } from "../../../src/reconcile/core/render";
import { renderMarkdownPlan } from "../../../src/reconcile/core/markdown";
import { unmanagedReport } from "../../../src/reconcile/core/unmanaged";
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { planSets } from "../../../src/reconcile/engine/engine";
import { live, managed } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";
import { setsOf, setYaml } from "../manifest/helpers";

const env = { NEW_NAME: "new-secret-name", USER_NAME: "dana-secret" };

function declared() {
  const text = setYaml(
    "staff",
    "  key: traits.email",
    "  identities:",
    "    - traits: { email: alice@example.com, name: '${env:NEW_NAME}' }",
    "      metadata_admin: { team: '${var:team}' }",
    "    - traits: { email: '${env:USER_NAME}@example.com', name: Dana }",
    "      external_id: 'ext-${env:USER_NAME}'",
    "      verifiable_addresses: [{ value: '${env:USER_NAME}@example.com', via: email }]",
  );
  return setsOf(
    parseManifests([{ file: "staff.yaml", text }], { env, vars: { team: "ops" }, readFile: () => undefined }),
  );
}

describe("a plan with sensitive values", () => {
  const current = managed("staff", "alice@example.com", {
    traits: { email: "alice@example.com", name: "old-secret-name" },
  });
  const plan = buildPlan(declared(), [current]);
  const json = toJsonPlan(plan);
  const outputs = { json: JSON.stringify(json), text: renderPlan(json) };

  it("shows every sensitive value, before and after, as (sensitive) and a sensitive key as its label", () => {
    expect(
      json.sets[0].actions.map((a) => ({
        action: a.action,
        key: a.key,
        patch: "patch" in a ? a.patch : undefined,
        changes: "changes" in a ? a.changes : undefined,
      })),
    ).toEqual([
      {
        action: "update",
        key: "alice@example.com",
        patch: [
          { op: "replace", path: "/traits/name", value: "(sensitive)" },
          { op: "add", path: "/metadata_admin/team", value: "ops" },
        ],
        changes: [
          { path: "/traits/name", before: "(sensitive)", after: "(sensitive)" },
          { path: "/metadata_admin", before: null, after: { team: "ops" } },
        ],
      },
      {
        action: "create",
        key: "(sensitive #2)",
        patch: undefined,
        changes: [
          { path: "/traits", after: { email: "(sensitive)", name: "Dana" } },
          { path: "/external_id", after: "(sensitive)" },
          { path: "/verifiable_addresses", after: [{ value: "(sensitive)", via: "email" }] },
        ],
      },
    ]);
    expect(outputs.text).toContain("+ create staff/(sensitive #2)\n");
  });

  it("keeps the real values in the actions that are sent", () => {
    const [update, create] = plan.sets[0].actions;
    expect(update.action === "update" && update.patch[0]).toEqual({
      op: "replace",
      path: "/traits/name",
      value: "new-secret-name",
    });
    expect(create.action === "create" && [create.key, create.body.traits.email, create.body.external_id]).toEqual([
      "dana-secret@example.com",
      "dana-secret@example.com",
      "ext-dana-secret",
    ]);
  });

  it.each(Object.keys({ json: 0, text: 0 }))("never shows a sensitive value in the %s plan", (name) => {
    const output = outputs[name as keyof typeof outputs];
    for (const secret of ["new-secret-name", "old-secret-name", "dana-secret"]) expect(output).not.toContain(secret);
  });

  it("plans the same labels again (stable per identity)", () => {
    expect(toJsonPlan(buildPlan(declared(), [current]))).toEqual(json);
  });
});

describe("plan issues about an identity with sensitive values", () => {
  const SEC = "s3cr3tvalue";
  const sets = () =>
    setsOf(
      parseManifests(
        [
          {
            file: "users.yaml",
            text: setYaml(
              "users",
              "  key: traits.username",
              "  identities:",
              "    - traits: { username: '${env:SEC}', email: one@example.com }",
              "      schema_id: '${env:SCHEMA}'",
              "    - traits: { username: two, email: '${env:SEC}@example.com' }",
            ),
          },
        ],
        { env: { SEC, SCHEMA: "sch3ma-secret" }, readFile: () => undefined },
      ),
    );

  it("hide the values and show a sensitive key as its label, in every output (schema check, clash check)", async () => {
    const holder = live(`${SEC}@example.com`, { traits: { email: `${SEC}@example.com`, username: "other" } });
    const { plan } = await planSets(sets(), memoryAdmin("network", [holder]));
    const json = toJsonPlan(plan);
    const messages = plan.issues.map((i) => `${i.message} ${i.hint ?? ""}`).join("\n");
    expect(messages).toContain('identity schema "(sensitive)" does not exist');
    expect(messages).toContain("users/(sensitive #1)");
    const clash = buildPlan(sets(), [holder], { schemas: [{ id: "default", schema: IDENTITY_SCHEMA }] });
    expect(clash.issues.map((i) => i.message).join("\n")).toContain('traits.email "(sensitive)" is already held by');
    for (const output of [messages, JSON.stringify(json), renderPlan(json), JSON.stringify(toJsonPlan(clash))])
      expect(output).not.toMatch(/s3cr3tvalue|sch3ma-secret/);
  });
});

describe("hidingOrder", () => {
  it("keeps each value once (a secret if any entry is), longest first, so a key holding a shorter value stays whole", () => {
    const order = hidingOrder([
      { value: "pw-1234", shown: "(sensitive)" },
      { value: "staff/user-pw-1234@example.com", shown: "staff/(sensitive #1)" },
      { value: "pw-1234", shown: "(sensitive)", secret: true },
      { value: "", shown: "(sensitive)" },
    ]);
    expect(order).toEqual([
      { value: "staff/user-pw-1234@example.com", shown: "staff/(sensitive #1)" },
      { value: "pw-1234", shown: "(sensitive)", secret: true },
    ]);
    expect(hideIn("created staff/user-pw-1234@example.com with pw-1234", order)).toBe(
      "created staff/(sensitive #1) with (sensitive)",
    );
  });
});

describe("sensitive values in the forms the server stores them (lower case)", () => {
  const SCHEMAS = { keyFolds: { execs: { lower: true, trimEmail: true } } };
  const sets = (value: string, adopt: boolean) =>
    setsOf(
      parseManifests(
        [
          {
            file: "execs.yaml",
            text: setYaml(
              "execs",
              "  key: traits.email",
              `  adopt: ${adopt}`,
              "  identities:",
              "    - traits: { email: '${env:CFO}' }",
            ),
          },
        ],
        { env: { CFO: value }, readFile: () => undefined },
      ),
    );
  const registered = () =>
    live("cfo.hidden@corp.example", {
      verifiable_addresses: [
        {
          id: "va-cfo",
          value: "cfo.hidden@corp.example",
          via: "email",
          verified: true,
          status: "completed",
          created_at: "2026-11-22T10:00:00Z",
        },
      ],
      credentials: {
        oidc: { type: "oidc", identifiers: ["google:cfo.hidden@corp.example"] },
        password: { type: "password", identifiers: ["cfo.hidden@corp.example"] },
      },
    });

  it.each(["cfo.hidden@corp.example", "CFO.Hidden@Corp.Example"])(
    "hides a sensitive key %s in what an adopted identity holds (text, JSON, Markdown)",
    (value) => {
      const json = toJsonPlan(buildPlan(sets(value, true), [registered()], SCHEMAS));
      expect(json.sets[0].actions[0]).toMatchObject({
        action: "adopt",
        holds: {
          credentials: ["oidc", "password"],
          providers: ["google:(sensitive)"],
          verified_addresses: ["(sensitive)"],
        },
      });
      for (const output of [JSON.stringify(json), renderPlan(json), renderMarkdownPlan(json)])
        expect(output.toLowerCase()).not.toContain("cfo.hidden");
    },
  );

  it("hides a sensitive key in the unmanaged report whatever its case", () => {
    const declared = sets("CFO.Hidden@Corp.Example", false);
    const identities = [registered()];
    const report = unmanagedReport(declared, identities, buildPlan(declared, identities, SCHEMAS));
    expect(report.first).toEqual([{ id: identities[0].id, schema_id: "default", identifier: "(sensitive #1)" }]);
  });
});
