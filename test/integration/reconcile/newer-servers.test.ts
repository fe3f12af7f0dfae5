// The newer-server paths of the real engine: external_id keys and by-external lookups, organization_id, a PUT that
// must carry external_id, batch creates with per-item errors, pre-hashed passwords.
//
// 1. On the real servers (test/support/servers.ts, scope `newer`: Kratos v26.2.0 and master), behind the recording
//    proxy; results are read back from the server itself, and every request is checked against the Kratos v26.2.0
//    OpenAPI document (the newest published one; master has none of its own).
// 2. Ory Network mode: test/support/network-emulator.ts (Ory Network's rate-limit buckets and headers in both styles,
//    eventual reads, `/admin/version` 404) in front of a real v26.2.0, behind the proxy in Ory Network's mode (a
//    write to a path with a write in flight is answered 429). A full apply under a tight rate limit meets no 429,
//    eventual reads do not break create verification, and every request conforms to Ory Network's OpenAPI document.
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { loadManifests } from "../../../src/manifest";
import { createOryClient, OryClient } from "../../../src/ory";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import type { DesiredSet } from "../../../src/reconcile/core/types";
import { manifestDir, setYaml } from "../../support/cli";
import { admin, canLogIn } from "../../support/kratos-api";
import { Emulator, HeaderStyle, startEmulator } from "../../support/network-emulator";
import { conformance, KRATOS_V26_DOC, NETWORK_DOC, operationName, sentRequest } from "../../support/openapi";
import { kratosBehindProxy } from "../../support/fixture";
import { Proxy, Recorded, startProxy } from "../../support/proxy";
import { describeOn, describeServers } from "../../support/servers";

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

/** The server under test: the engine's client (through the proxy), the proxy, and the real server's URLs. */
interface Setup {
  kratos: Kratos;
  proxy: Proxy;
  client: OryClient;
}

const isBatch = (r: Recorded) => r.method === "PATCH" && r.path === "/admin/identities";
const listReads = (proxy: Proxy) =>
  proxy.requests.filter(
    (r) => r.method === "GET" && r.path.startsWith("/admin/identities?") && !r.path.includes("ids="),
  );
const idsReads = (proxy: Proxy) =>
  proxy.requests.filter(
    (r) => r.method === "GET" && r.path.startsWith("/admin/identities?") && r.path.includes("ids="),
  );

/** external_id keys: creates with external_id and organization_id, lookups instead of lists, a PUT that keeps external_id. */
async function externalIdScenario({ kratos, proxy, client }: Setup): Promise<void> {
  const direct = admin(kratos.adminUrl);
  const first = await reconcile(load("svc", services("SVC_PASSWORD", ORG_A, "reader")), client);
  expect(first.result.outcomes.map((o) => [o.subject, o.result])).toEqual([
    ["svc/svc-1", "created"],
    ["svc/svc-2", "created"],
    ["svc/svc-3", "created"],
  ]);
  // Read back from the server itself (not through the proxy or the emulator).
  const stored = async () =>
    Promise.all(
      ["svc-1", "svc-2", "svc-3"].map(async (id) =>
        (({ external_id, organization_id }) => ({ external_id, organization_id }))(
          (await direct.getIdentityByExternalId(id))!,
        ),
      ),
    );
  expect(await stored()).toEqual([
    { external_id: "svc-1", organization_id: ORG_A },
    { external_id: "svc-2", organization_id: null },
    { external_id: "svc-3", organization_id: null },
  ]);
  expect(await canLogIn(kratos.publicUrl, "svc-1@example.com", ENV.SVC_PASSWORD)).toBe(true);
  expect((await planSets(load("svc", services("SVC_PASSWORD", ORG_A, "reader")), client)).plan.summary).toMatchObject({
    noop: 3,
    create: 0,
    update: 0,
  });

  // A new password (PUT of the whole identity), a new organization (PATCH after the PUT), a metadata change.
  const second = await reconcile(load("svc", services("SVC_NEW_PASSWORD", ORG_B, "writer")), client);
  expect(second.result.outcomes.map((o) => [o.subject, o.result]).sort()).toEqual([
    ["svc/svc-1", "configured"],
    ["svc/svc-2", "configured"],
  ]);
  const svc1 = (await direct.getIdentityByExternalId("svc-1"))!;
  expect([svc1.external_id, svc1.organization_id, svc1.metadata_public]).toEqual(["svc-1", ORG_B, null]);
  expect((await direct.getIdentityByExternalId("svc-2"))!.metadata_public).toEqual({ role: "writer" });
  // The PUT carried external_id (the server clears it from a PUT without it) and no organization_id (not a PUT field).
  const put = proxy.requests.filter((r) => r.method === "PUT");
  expect(put).toHaveLength(1);
  expect(JSON.parse(put[0].body ?? "{}")).toMatchObject({ external_id: "svc-1" });
  expect(await canLogIn(kratos.publicUrl, "svc-1@example.com", ENV.SVC_NEW_PASSWORD)).toBe(true);
  expect(
    (await planSets(load("svc", services("SVC_NEW_PASSWORD", ORG_B, "writer")), client)).plan.summary,
  ).toMatchObject({ noop: 3, create: 0, update: 0 });
  expect(listReads(proxy)).toEqual([]);
}

/**
 * A batch whose every item clashes with a live identity (their emails belong to svc-1 and svc-2). Kratos v1.3.1
 * refuses such a batch whole (409); v26.2.0 and master (and Ory Network through the emulator) answer 200 with one
 * error per item, 409 each. The engine treats a batch in which every item failed alike: it sends each identity
 * alone (POST), and each is refused again with 409.
 */
async function clashScenario({ proxy, client }: Setup): Promise<void> {
  const before = proxy.requests.length;
  const clash =
    "key: external_id\nidentities:\n  - { external_id: clash-1, traits: { email: svc-1@example.com } }\n  - { external_id: clash-2, traits: { email: svc-2@example.com } }";
  const { result } = await reconcile(load("clash", clash), client);
  const outcomes = [...result.outcomes].sort((a, b) => a.subject.localeCompare(b.subject)); // in the order they settled
  expect(outcomes.map((o) => [o.subject, o.result])).toEqual([
    ["clash/clash-1", "failed"],
    ["clash/clash-2", "failed"],
  ]);
  const sent = proxy.requests.slice(before);
  expect(sent.filter(isBatch).map((r) => r.status)).toEqual([200]);
  // Never re-sent one by one: the conflicts are looked up by external_id (as the plan looked the keys up before),
  // no identity has these keys, and the failures say what the server refused.
  expect(sent.filter((r) => r.method === "POST")).toEqual([]);
  expect(sent.filter((r) => r.path.startsWith("/admin/identities/by/external/clash-")).map((r) => r.status)).toEqual([
    404, 404, 404, 404,
  ]);
  // Each failure names what clashed: the field, the value, the live identity and the set that manages it.
  expect(outcomes.map((o) => o.reason)).toEqual(
    [1, 2].map((n) =>
      expect.stringMatching(
        new RegExp(
          `traits\\.email "svc-${n}@example\\.com" is already held by live identity [0-9a-f-]{36} \\(managed by set svc\\)`,
        ),
      ),
    ),
  );
}

/** Identities created with passwords hashed locally: one batch carrying bcrypt hashes, never the password. */
async function prehashScenario({ kratos, proxy, client }: Setup, count: number): Promise<void> {
  const first = await reconcile(load("load", loadSet(count, "a")), client, { prehashPasswords: true, bcryptCost: 4 });
  expect(first.result.failed).toBe(0);
  expect(first.result.outcomes.filter((o) => o.result === "created")).toHaveLength(count);
  const batches = proxy.requests.filter((r) => isBatch(r) && r.body?.includes("load-0@"));
  expect(batches).toHaveLength(1);
  expect(batches[0].body).toMatch(/"hashed_password":"\$2b\$04\$/);
  expect(batches[0].body).not.toContain(ENV.LOAD_PASSWORD);
  expect(await canLogIn(kratos.publicUrl, `load-${count - 1}@example.com`, ENV.LOAD_PASSWORD)).toBe(true);
  // The verification read asked for strongly consistent data.
  expect(idsReads(proxy).length).toBeGreaterThan(0);
  expect(idsReads(proxy).every((r) => r.path.includes("consistency=strong"))).toBe(true);
}

function checkConformance(proxy: Proxy, file: string, operations: string[]): void {
  const requests = proxy.requests.map(sentRequest);
  expect(requests.flatMap((r) => conformance(file, r))).toEqual([]);
  expect(new Set(requests.map((r) => operationName(file, r)))).toEqual(new Set(operations));
  expect(listReads(proxy).every((r) => /[?&]page_size=500(&|$)/.test(r.path))).toBe(true);
}

const OPERATIONS = [
  "getIdentityByExternalID",
  "listIdentitySchemas",
  "listIdentities",
  "listIdentities?ids",
  "batchPatchIdentities",
  "getIdentity",
  "updateIdentity",
  "patchIdentity",
];

describeServers("newer", "external_id, organization_id and batch creates", (server) => {
  const setup = {} as Setup;
  const fixture = kratosBehindProxy(server);

  beforeAll(() => {
    ({ kratos: setup.kratos, proxy: setup.proxy } = fixture);
    setup.client = createOryClient({ endpoint: setup.proxy.url, retry: { minDelayMs: 0, maxDelayMs: 0 } });
  });

  it("external_id: creates with it, finds identities by lookups (never a list), and a PUT keeps it", () =>
    externalIdScenario(setup));

  it("a batch whose every item clashes: 200 with a 409 per item, looked up, reported, never re-sent alone", () =>
    clashScenario(setup));

  it("pre-hashed passwords: one batch of bcrypt hashes, read back with consistency=strong, and they log in", () =>
    prehashScenario(setup, 6));

  it("refuses a second identity with the same external_id (409), alone and in a batch", async () => {
    const direct = admin(setup.kratos.adminUrl);
    await expect(
      direct.createIdentity({ schema_id: "default", traits: { email: "dup@example.com" }, external_id: "svc-1" }),
    ).rejects.toMatchObject({ status: 409 });
    const [result] = await direct.batchCreate([
      { patchId: "dup", body: { schema_id: "default", traits: { email: "dup@example.com" }, external_id: "svc-1" } },
    ]);
    expect(result).toMatchObject({ ok: false, status: 409 });
  });

  it("every request the engine sent conforms to the Kratos v26.2.0 document", () => {
    checkConformance(setup.proxy, KRATOS_V26_DOC, ["getVersion", ...OPERATIONS]);
    expect(setup.proxy.requests.filter((r) => (r.status ?? 0) >= 500)).toEqual([]);
  });
});

const NETWORK_TITLE = "Ory Network mode: the emulator in front of a real Kratos";
/** Tight enough that an unpaced run meets 429s: a burst of 6 per second and 300 per minute, in every bucket. */
const LIMITS = [
  { limit: 6, windowMs: 1000 },
  { limit: 300, windowMs: 60000 },
];
/** Ory documents about 4.8 s; 3 s leave the stale plan below a wide margin on a busy machine. */
const LAG_MS = 3000;

describeOn("v26.2.0", NETWORK_TITLE, () => {
  describe.each<[HeaderStyle]>([["documented"], ["per-window"]])("with %s rate-limit headers", (headers) => {
    const setup = {} as Setup;
    let emulator: Emulator;

    beforeAll(async () => {
      setup.kratos = await startKratos({ server: "v26.2.0" });
      emulator = await startEmulator({
        target: setup.kratos.adminUrl,
        rateLimit: { windows: LIMITS, headers },
        eventualReads: { lagMs: LAG_MS },
      });
      setup.proxy = await startProxy({ target: emulator.url, concurrentWrites429: true });
      setup.client = createOryClient({ endpoint: setup.proxy.url, retry: { minDelayMs: 0, maxDelayMs: 0 } });
    });
    afterAll(async () => {
      await setup.proxy?.stop();
      await emulator?.stop();
      await setup.kratos?.stop();
    });

    it("external_id: creates with it, finds identities by lookups (never a list), and a PUT keeps it", () =>
      externalIdScenario(setup));

    it("a batch whose every item clashes: 200 with a 409 per item, looked up, reported, never re-sent alone", () =>
      clashScenario(setup));

    it("a full apply under 6 writes per second: creates verified despite eventual reads, then updates and deletes, no 429", async () => {
      await prehashScenario(setup, 24);
      const created = Date.now();
      // The list the plan reads lags behind the creates (the project's default is eventual here): a plan now does
      // not see them. The verification above read them with consistency=strong, so the creates were not doubted.
      const stale = (await planSets(load("load", loadSet(24, "a")), setup.client)).plan.summary;
      expect(stale).toMatchObject({ create: 24 });
      expect(emulator.staleReads).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, created + LAG_MS - Date.now())));

      // 20 updates and 4 deletes, 8 at a time, through a budget of 6 writes per second.
      const second = await reconcile(load("load", loadSet(20, "b")), setup.client, { concurrency: 8 });
      expect(second.result.outcomes.filter((o) => o.result === "configured")).toHaveLength(20);
      expect(second.result.outcomes.filter((o) => o.result === "deleted")).toHaveLength(4);
      expect(second.result.failed).toBe(0);
      const live = await admin(setup.kratos.adminUrl).listIdentities({ pageSize: 500 });
      expect(
        live
          .filter((i) => String((i.traits as { email: string }).email).startsWith("load-"))
          .map((i) => (i.metadata_admin as { team?: string }).team),
      ).toEqual(Array(20).fill("b"));
    });

    it("sent no request twice to a busy path, met no rate limit, and every request conforms to Ory Network's document", () => {
      expect(setup.proxy.requests.filter((r) => r.fault === "concurrent-429")).toEqual([]);
      expect(emulator.limited).toBe(0);
      expect(setup.proxy.requests.filter((r) => r.status === 429)).toEqual([]);
      // `/admin/version` answered 404: the client took the server for Ory Network.
      expect(setup.proxy.requests.filter((r) => r.path === "/admin/version").map((r) => r.status)).toEqual([404]);
      checkConformance(setup.proxy, NETWORK_DOC, ["getVersion", ...OPERATIONS, "deleteIdentity"]);
    });
  });
});
