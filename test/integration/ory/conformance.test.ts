// The real traffic conforms: the real engine (CLI and in-process) runs against the real Kratos v1.3.1 through the
// recording proxy, and every request it sent is checked against Kratos v1.3.1's OpenAPI document: operation,
// parameters, body schema (strict: no undeclared property, required fields present). Newer servers' traffic is
// checked the same way in test/integration/reconcile/newer-servers.test.ts.
import { defaultServer, Kratos } from "../../../src/dev/kratos";
import { loadManifests } from "../../../src/manifest";
import { createOryClient } from "../../../src/ory";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import type { DesiredSet } from "../../../src/reconcile/core/types";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, canLogIn } from "../../support/kratos-api";
import { conformance, KRATOS_V1_DOC, operationName, sentRequest } from "../../support/openapi";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";

const ENV = { ANN_PASSWORD: "ann-Secret-111", BEN_PASSWORD: "ben-Secret-222", BEN_NEW_PASSWORD: "ben-Secret-333" };

function load(files: Record<string, string>): DesiredSet[] {
  const result = loadManifests([manifestDir(files)], { env: ENV });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.sets;
}

describe("every request sent to a real Kratos v1.3.1 conforms to its OpenAPI document", () => {
  const fixture = kratosBehindProxy(defaultServer());
  let kratos: Kratos;
  let proxy: Proxy;
  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });

  it("creates, updates, re-sets a password, prunes and resolves a late conflict by looking the identity up", async () => {
    const staff = (ben: string, extra = "") =>
      setYaml(
        "staff",
        `key: traits.email
prune: true
identities:
  - traits: { email: ann@example.com, name: { first: Ann${extra} } }
    metadata_public: { role: admin }
    metadata_admin: { team: core }
    credentials: { password: { password: "\${env:ANN_PASSWORD}" } }
    verifiable_addresses: [{ value: ann@example.com, via: email, verified: true }]
    recovery_addresses: [{ value: ann@example.com, via: email }]
  - traits: { email: ben@example.com }
    credentials: { password: { password: "\${env:${ben}}", policy: enforce }, oidc: { providers: [{ provider: google, subject: "1098" }] } }
${extra ? "" : "  - traits: { email: cat@example.com }\n    state: inactive\n"}`,
      );
    // 1. The CLI, with passwords hashed locally: version, schemas, list, batch create, verify read.
    const first = await runCli(
      ["apply", manifestDir({ "staff.yaml": staff("BEN_PASSWORD") }), "--prehash-passwords", "--bcrypt-cost", "5"],
      { ...ENV, ORY_ADMIN_URL: proxy.url },
    );
    expect([first.code, first.stderr]).toEqual([0, ""]);
    expect(first.stdout).toContain("Apply complete: 3 created");
    expect(await canLogIn(kratos.publicUrl, "ann@example.com", ENV.ANN_PASSWORD)).toBe(true);
    const batch = proxy.requests.find((r) => r.method === "PATCH" && r.path === "/admin/identities");
    expect(batch?.body).toMatch(/"hashed_password":"\$2b\$05\$/);
    expect(batch?.body).not.toContain(ENV.ANN_PASSWORD);

    // 2. The engine: a trait change (PATCH), a re-set password (GET, PUT, PATCH of addresses), a prune (DELETE).
    const client = createOryClient({ endpoint: proxy.url, retry: { minDelayMs: 0, maxDelayMs: 0 } });
    const second = await reconcile(load({ "staff.yaml": staff("BEN_NEW_PASSWORD", "na") }), client);
    // Updates run in parallel: their outcomes come in the order they finish.
    const outcomes = second.result.outcomes
      .map((o) => [o.subject, o.result, o.reason ?? "no reason"])
      .sort((a, b) => a[0].localeCompare(b[0]));
    expect(outcomes).toEqual([
      ["staff/ann@example.com", "configured", "no reason"],
      ["staff/ben@example.com", "configured", "no reason"],
      ["staff/cat@example.com", "deleted", "no reason"],
    ]);
    expect(await canLogIn(kratos.publicUrl, "ben@example.com", ENV.BEN_NEW_PASSWORD)).toBe(true);

    // 3. An identity created after the plan read the live state (an earlier run, finished late): the batch answers
    // 409 for it; it is looked up by its credential identifier, found managed by the set, and recorded as present.
    const { plan } = await planSets(
      load({ "late.yaml": setYaml("late", "key: traits.email\nidentities:\n  - traits: { email: dan@example.com }") }),
      client,
    );
    const dan = await admin(kratos.adminUrl).createIdentity({
      schema_id: "default",
      traits: { email: "dan@example.com" },
      metadata_admin: { [MARKER_KEY]: { set: "late" } },
    });
    const third = await applyPlan(plan, client);
    // Created by someone else meanwhile, found as declared: "present", nothing written for it.
    expect(third.outcomes.map((o) => [o.subject, o.result, o.id])).toEqual([
      ["late/dan@example.com", "present", dan.id],
    ]);
    expect(proxy.requests.filter((r) => r.path.includes("credentials_identifier=")).length).toBe(1);

    // Kratos serves the identity schemas on its public port only: its admin port answers `GET /schemas` with 307 to
    // `/admin/schemas`, which answers 307 to the public URL. Those hops are the server's, not requests the tool chose.
    const hops = proxy.requests.filter(
      (r, i) =>
        r.path.startsWith("/admin/schemas") &&
        proxy.requests[i - 1]?.path.startsWith("/schemas") &&
        proxy.requests[i - 1].status === 307,
    );
    expect(hops.every((r) => r.status === 307)).toBe(true);
    const requests = proxy.requests.filter((r) => !hops.includes(r)).map(sentRequest);
    expect(requests.flatMap((r) => conformance(KRATOS_V1_DOC, r))).toEqual([]);
    expect(new Set(requests.map((r) => operationName(KRATOS_V1_DOC, r)))).toEqual(
      new Set([
        "getVersion",
        "listIdentitySchemas",
        "listIdentities",
        "listIdentities?ids",
        "batchPatchIdentities",
        "listIdentities?credentials_identifier",
        "patchIdentity",
        "getIdentity",
        "updateIdentity",
        "deleteIdentity",
      ]),
    );
    expect(
      proxy.requests
        .filter((r) => r.path.startsWith("/admin/identities?ids="))
        .every((r) => r.path.includes("consistency=strong")),
    ).toBe(true);
  });
});
