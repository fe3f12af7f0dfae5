// Ory Network and Kratos >= v25, emulated in front of the real Kratos v1.3.1 (test/support/network-emulator.ts: a
// Kratos v25 could not be built from the Go module proxy, see scripts/install-tools.sh), behind the recording
// proxy in Ory Network's mode (a write to a path with a write in flight is answered 429). The real engine runs;
// every request it sent is checked against the Ory Network and Kratos v26.2.0 OpenAPI documents.
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { loadManifests } from "../../../src/manifest";
import { createOryClient, OryClient } from "../../../src/ory";
import { planSets, reconcile } from "../../../src/reconcile/engine";
import type { DesiredSet } from "../../../src/reconcile/types";
import { manifestDir, setYaml } from "../../support/cli";
import { canLogIn } from "../../support/kratos-api";
import { Emulator, startEmulator } from "../../support/network-emulator";
import { conformance, KRATOS_V26_DOC, NETWORK_DOC, operationName, sentRequest } from "../../support/openapi";
import { Proxy, startProxy } from "../../support/proxy";

const ENV = { SVC_PASSWORD: "svc-Secret-111", SVC_NEW_PASSWORD: "svc-Secret-222", LOAD_PASSWORD: "load-Secret-333" };
const ORG_A = "7a7b3b48-4f8e-4a8c-9a4e-52f1a8f6d0c2";
const ORG_B = "0d6c5f7e-1b2a-4c3d-8e9f-a0b1c2d3e4f5";

function load(name: string, spec: string): DesiredSet[] {
  const result = loadManifests([manifestDir({ [`${name}.yaml`]: setYaml(name, spec) })], { env: ENV });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.sets;
}

const services = (password: string, org: string, role: string) => `key: external_id
identities:
  - external_id: svc-1
    organization_id: ${org}
    traits: { email: svc-1@example.com }
    credentials: { password: { password: "\${env:${password}}", policy: enforce } }
  - external_id: svc-2
    traits: { email: svc-2@example.com }
    metadata_public: { role: ${role} }
  - external_id: svc-3
    traits: { email: svc-3@example.com }`;

const loadSet = (count: number, team: string) =>
  `key: traits.email\nprune: true\nidentities:\n${Array.from({ length: count }, (_, i) => `  - traits: { email: load-${i}@example.com }\n    metadata_admin: { team: ${team} }\n    credentials: { password: { password: "\${env:LOAD_PASSWORD}" } }`).join("\n")}`;

describe.each([
  ["Ory Network", undefined],
  ["Kratos v26.2.0", "v26.2.0"],
])("on %s (emulated)", (_name, version) => {
  let kratos: Kratos;
  let emulator: Emulator;
  let proxy: Proxy;
  let client: OryClient;

  beforeAll(async () => {
    kratos = await startKratos();
    emulator = await startEmulator({ target: kratos.adminUrl, version, rateLimit: { limit: 8, windowMs: 1000 } });
    proxy = await startProxy({ target: emulator.url, concurrentWrites429: true });
    client = createOryClient({ endpoint: proxy.url, retry: { minDelayMs: 0, maxDelayMs: 0 } });
  });
  afterAll(async () => {
    await proxy?.stop();
    await emulator?.stop();
    await kratos?.stop();
  });

  const listReads = () => proxy.requests.filter((r) => r.method === "GET" && r.path.startsWith("/admin/identities?") && !r.path.includes("ids="));

  it("external_id: creates with it, finds identities by lookups (never a list), and a PUT keeps it", async () => {
    const first = await reconcile(load("svc", services("SVC_PASSWORD", ORG_A, "reader")), client);
    expect(first.result.outcomes.map((o) => [o.subject, o.result])).toEqual([
      ["svc/svc-1", "created"],
      ["svc/svc-2", "created"],
      ["svc/svc-3", "created"],
    ]);
    expect([...emulator.fields.values()]).toEqual(
      expect.arrayContaining([{ external_id: "svc-1", organization_id: ORG_A }, { external_id: "svc-2" }, { external_id: "svc-3" }]),
    );
    expect(await canLogIn(kratos.publicUrl, "svc-1@example.com", ENV.SVC_PASSWORD)).toBe(true);
    expect((await planSets(load("svc", services("SVC_PASSWORD", ORG_A, "reader")), client)).plan.summary).toMatchObject({ noop: 3, create: 0, update: 0 });

    // A new password (PUT of the whole identity), a new organization (PATCH after the PUT), a metadata change.
    const second = await reconcile(load("svc", services("SVC_NEW_PASSWORD", ORG_B, "writer")), client);
    expect(second.result.outcomes.map((o) => [o.subject, o.result]).sort()).toEqual([
      ["svc/svc-1", "configured"],
      ["svc/svc-2", "configured"],
    ]);
    const svc1 = await client.getIdentityByExternalId("svc-1");
    expect([svc1?.external_id, svc1?.organization_id]).toEqual(["svc-1", ORG_B]);
    expect(await canLogIn(kratos.publicUrl, "svc-1@example.com", ENV.SVC_NEW_PASSWORD)).toBe(true);
    expect((await planSets(load("svc", services("SVC_NEW_PASSWORD", ORG_B, "writer")), client)).plan.summary).toMatchObject({ noop: 3, create: 0, update: 0 });
    expect(listReads()).toEqual([]);
  });

  it("falls back to single creates when a whole batch is refused", async () => {
    const clash = "key: external_id\nidentities:\n  - { external_id: clash-1, traits: { email: svc-1@example.com } }\n  - { external_id: clash-2, traits: { email: svc-2@example.com } }";
    const { result } = await reconcile(load("clash", clash), client);
    expect(result.outcomes.map((o) => [o.subject, o.result])).toEqual([
      ["clash/clash-1", "failed"],
      ["clash/clash-2", "failed"],
    ]);
    expect(proxy.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([409, 409]);
  });

  it("pre-hashed passwords log in; a full apply under a rate limit of 8 writes per second gets no 429", async () => {
    const first = await reconcile(load("load", loadSet(40, "a")), client, { prehashPasswords: true, bcryptCost: 4 });
    expect(first.result.failed).toBe(0);
    const batches = proxy.requests.filter((r) => r.method === "PATCH" && r.path === "/admin/identities" && r.body?.includes("load-0@"));
    expect(batches).toHaveLength(1);
    expect(batches[0].body).toMatch(/"hashed_password":"\$2b\$04\$/);
    expect(batches[0].body).not.toContain(ENV.LOAD_PASSWORD);
    expect(await canLogIn(kratos.publicUrl, "load-7@example.com", ENV.LOAD_PASSWORD)).toBe(true);

    // 35 updates and 5 deletes, 8 at a time, through a budget of 8 writes per second.
    const second = await reconcile(load("load", loadSet(35, "b")), client, { concurrency: 8 });
    expect(second.result.outcomes.filter((o) => o.result === "configured")).toHaveLength(35);
    expect(second.result.outcomes.filter((o) => o.result === "deleted")).toHaveLength(5);
    expect(second.result.failed).toBe(0);
    expect(listReads().every((r) => /[?&]page_size=500(&|$)/.test(r.path))).toBe(true);
  });

  it("sent no request twice to a busy path, met no rate limit, and every request conforms to both documents", () => {
    expect(proxy.requests.filter((r) => r.fault === "concurrent-429")).toEqual([]);
    expect(emulator.limited).toBe(0);
    expect(proxy.requests.filter((r) => r.status === 429)).toEqual([]);
    const requests = proxy.requests.map(sentRequest);
    for (const file of [NETWORK_DOC, KRATOS_V26_DOC]) {
      expect(requests.flatMap((r) => conformance(file, r))).toEqual([]);
      expect(new Set(requests.map((r) => operationName(file, r)))).toEqual(
        new Set([
          "getVersion",
          "getIdentityByExternalID",
          "listIdentitySchemas",
          "listIdentities",
          "listIdentities?ids",
          "batchPatchIdentities",
          "createIdentity",
          "getIdentity",
          "updateIdentity",
          "patchIdentity",
          "deleteIdentity",
        ]),
      );
    }
    expect(proxy.requests.filter((r) => r.path.startsWith("/admin/identities?") && r.path.includes("ids=")).every((r) => r.path.includes("consistency=strong"))).toBe(true);
  });
});
