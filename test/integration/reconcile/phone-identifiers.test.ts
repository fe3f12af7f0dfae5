// Phone-number traits (issue 13, break-test item 1: phone numbers to E.164), on every real server, with an identity
// schema whose `phone` trait is a code identifier via sms and verified via sms. Every server stores the code
// identifier in E.164 (`+1 415-555-2671` and `+14155552671` are one login); Kratos after v26.2.0 also rewrites the
// trait itself to E.164. A declared `+1 415-555-2671` converges on each, keys pair by the number, and a number
// another identity holds in another form is a plan error naming it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kratos } from "../../../src/dev/kratos";
import { createOryClient } from "../../../src/ory";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import type { DesiredIdentity } from "../../../src/reconcile/core/types";
import { set } from "../../support/builders";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { describeServers } from "../../support/servers";

const SCHEMA = {
  $id: "https://ory-reconcile.local/phone.schema.json",
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: {
        email: {
          type: "string",
          format: "email",
          "ory.sh/kratos": { credentials: { password: { identifier: true } } },
        },
        phone: {
          type: "string",
          format: "tel",
          "ory.sh/kratos": { credentials: { code: { identifier: true, via: "sms" } }, verification: { via: "sms" } },
        },
      },
      required: ["email"],
      additionalProperties: false,
    },
  },
};

const person = (email: string, phone: string, key = email): DesiredIdentity => ({
  key,
  body: { traits: { email, phone } },
});

describeServers("all", "phone-number traits", (server) => {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-phone-"));
  writeFileSync(join(dir, "phone.schema.json"), JSON.stringify(SCHEMA));
  const fixture = kratosBehindProxy(server, undefined, {
    kratos: {
      config: {
        identity: {
          default_schema_id: "default",
          schemas: [{ id: "default", url: `file://${join(dir, "phone.schema.json")}` }],
        },
      },
    },
  });
  let kratos: Kratos;
  let proxy: Proxy;
  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });
  const engine = () => createOryClient({ endpoint: proxy.url });
  const direct = () => admin(kratos.adminUrl);

  it("a formatted number converges: created, then a no-op, whether the server rewrites the trait or not", async () => {
    const sets = [set("phones", [person("formatted@phones.test", "+1 415-555-2671")])];
    const { result } = await reconcile(sets, engine());
    expect(result.outcomes.map((o) => [o.result, o.reason])).toEqual([["created", undefined]]);
    const stored = (await direct().getIdentity(result.outcomes[0].id!)).traits as { phone: string };
    expect(stored.phone).toBe(server === "master" ? "+14155552671" : "+1 415-555-2671");
    const again = await planSets(sets, engine());
    expect([again.plan.issues, again.plan.summary]).toEqual([
      [],
      { create: 0, update: 0, delete: 0, adopt: 0, noop: 1 },
    ]);
  });

  it("a set keyed by the phone pairs a registered +14155552672 with a declared +1 (415) 555-2672", async () => {
    const registered = await direct().createIdentity({
      schema_id: "default",
      traits: { email: "registered@phones.test", phone: "+14155552672" },
    });
    const sets = [
      set("by-phone", [person("registered@phones.test", "+1 (415) 555-2672", "+1 (415) 555-2672")], {
        key: { kind: "trait", path: ["phone"] },
        adopt: true,
      }),
    ];
    const { plan } = await planSets(sets, engine());
    expect([plan.issues, plan.sets[0].actions.map((a) => [a.action, "id" in a ? a.id : undefined])]).toEqual([
      [],
      [["adopt", registered.id]],
    ]);
    const { result } = await reconcile(sets, engine());
    expect(result.failed).toBe(0);
    expect((await planSets(sets, engine())).plan.summary).toMatchObject({ create: 0, update: 0, adopt: 0, noop: 1 });
  });

  it("a number another set's identity holds in another form is a plan error naming it", async () => {
    const theirs = await direct().createIdentity({
      schema_id: "default",
      traits: { email: "theirs@phones.test", phone: "+14155552673" },
      metadata_admin: { [MARKER_KEY]: { set: "theirs" } },
    });
    const { plan } = await planSets([set("ours", [person("ours@phones.test", "+1 415 555 2673")])], engine());
    expect(plan.issues.map((i) => i.message)).toEqual([
      expect.stringContaining(`already held by live identity ${theirs.id} (managed by set theirs)`),
    ]);
  });
});
