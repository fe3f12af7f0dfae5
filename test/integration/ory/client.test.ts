// The Ory client against a real Kratos v1.3.1 (src/dev/kratos.ts), and through the fault-injecting proxy of
// test/support for what a healthy local server never does (429, lost connections).
import { inspect } from "node:util";
import { freePort, Kratos, startKratos } from "../../../src/dev/kratos";
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import {
  createOryClient,
  OryApiError,
  OryClient,
  RequestEvent,
  ServerUnreachableError,
  UncertainWriteError,
} from "../../../src/ory";
import type { JsonObject } from "../../../src/reconcile/core/types";
import { Proxy, startProxy } from "../../support/proxy";

const KEY = "ory_pat_integration_SECRET_42";
const NO_WAIT = { minDelayMs: 0, maxDelayMs: 0 };

let kratos: Kratos;
let ory: OryClient;
let events: RequestEvent[] = [];

const person = (email: string, extra: JsonObject = {}): JsonObject => ({
  schema_id: "default",
  traits: { email },
  ...extra,
});
const gets = () =>
  events.filter((event) => event.method === "GET" && new URL(event.url).pathname === "/admin/identities");

beforeAll(async () => {
  kratos = await startKratos();
  ory = createOryClient({
    endpoint: kratos.adminUrl,
    apiKey: KEY,
    retry: NO_WAIT,
    onRequest: (event) => events.push(event),
  });
});

afterAll(async () => {
  await kratos?.stop();
});

beforeEach(() => {
  events = [];
});

describe("reads (fresh server)", () => {
  const created: string[] = [];

  beforeAll(async () => {
    for (let i = 1; i <= 25; i++) created.push((await ory.createIdentity(person(`page-${i}@list.test`))).id);
  });

  it("lists all 25 identities exactly once with page_size 4, one GET per page, no trailing empty page", async () => {
    const listed = await ory.listIdentities({ pageSize: 4 });
    expect(listed.map((identity) => identity.id).sort()).toEqual([...created].sort());
    // Kratos fetches page_size + 1 rows to decide whether to send rel="next": 7 pages of 4,4,4,4,4,4,1.
    expect(gets()).toHaveLength(Math.ceil(25 / 4));
    expect(gets().map((event) => new URL(event.url).searchParams.has("page_token"))).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it("needs no extra request when the total is a multiple of the page size", async () => {
    expect(await ory.listIdentities({ pageSize: 5 })).toHaveLength(25);
    expect(gets()).toHaveLength(5);
  });

  it("returns identities exactly as the server sent them (snake_case, dates as strings)", async () => {
    const [first] = await ory.listIdentities({ pageSize: 25 });
    expect(first).toMatchObject({ schema_id: "default", state: "active", metadata_admin: null, organization_id: null });
    expect(typeof first.created_at).toBe("string");
    expect(typeof first.schema_url).toBe("string");
  });

  it("lists by ids and ignores unknown ones", async () => {
    const found = await ory.listIdentitiesByIds([created[3], created[7], "00000000-0000-4000-8000-000000000000"]);
    expect(found.map((identity) => identity.id).sort()).toEqual([created[3], created[7]].sort());
  });

  it("gets one identity, with credentials on request", async () => {
    const identity = await ory.getIdentity(created[0], ["password"]);
    expect(identity).toMatchObject({ id: created[0], traits: { email: "page-1@list.test" } });
    expect(Object.keys(identity.credentials ?? {})).toContain("password");
  });

  it("lists the identity schemas", async () => {
    expect(await ory.listSchemas()).toEqual([{ id: "default", schema: IDENTITY_SCHEMA }]);
  });
});

describe("capabilities", () => {
  it("reports Kratos v1.3.1 without external_id and organizations, with its batch and page limits", async () => {
    expect(await ory.capabilities()).toEqual({
      version: "v1.3.1",
      flavor: "kratos",
      externalId: false,
      organizationId: false,
      batchCreateLimit: 2000,
      batchCreateLimitWithPassword: 200,
      pageSizeMax: 1000,
      idsFilterMax: 500,
      identifierRules: "lower",
      hashCostLimits: false,
      passwordChanges: false,
    });
  });
});

describe("single writes", () => {
  it("creates, patches, puts and deletes one identity", async () => {
    const created = await ory.createIdentity(person("single@write.test", { metadata_admin: { team: "a" } }));
    expect(created).toMatchObject({
      traits: { email: "single@write.test" },
      metadata_admin: { team: "a" },
      state: "active",
    });

    const patched = await ory.patchIdentity(created.id, [
      { op: "replace", path: "/traits/email", value: "patched@write.test" },
      { op: "add", path: "/traits/name", value: { first: "Pat" } },
      { op: "replace", path: "/metadata_public", value: { role: "admin" } },
      { op: "remove", path: "/metadata_admin/team" },
    ]);
    expect(patched).toMatchObject({
      traits: { email: "patched@write.test", name: { first: "Pat" } },
      metadata_public: { role: "admin" },
      metadata_admin: {},
    });

    const put = await ory.putIdentity(created.id, {
      schema_id: "default",
      traits: { email: "put@write.test" },
      state: "inactive",
      metadata_public: null,
      metadata_admin: { owner: "x" },
      credentials: { password: { config: { password: "a-long-enough-passw0rd!" } } },
    });
    expect(put).toMatchObject({
      id: created.id,
      traits: { email: "put@write.test" },
      state: "inactive",
      metadata_public: null,
      metadata_admin: { owner: "x" },
    });
    expect((await ory.getIdentity(created.id, ["password"])).credentials?.password?.identifiers).toEqual([
      "put@write.test",
    ]);

    expect(await ory.deleteIdentity(created.id)).toBe("deleted");
    expect(await ory.deleteIdentity(created.id)).toBe("already-gone");
    await expect(ory.getIdentity(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it("answers a duplicate POST with 409 and the server's reason, without the API key", async () => {
    await ory.createIdentity(person("dup@write.test"));
    const error = await ory.createIdentity(person("dup@write.test")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OryApiError);
    expect(error).toMatchObject({
      status: 409,
      retriable: false,
      method: "POST",
      path: "/admin/identities",
      reason: "This identity conflicts with another identity that already exists.",
    });
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(events.filter((event) => event.method === "POST")).toHaveLength(2);
  });
});

describe("batch create (PATCH /admin/identities) on Kratos v1.3.1", () => {
  it("creates every item of a clean batch", async () => {
    const results = await ory.batchCreate(
      ["a", "b", "c"].map((key) => ({ patchId: key, body: person(`${key}@clean.batch.test`) })),
    );
    expect(results.map(({ patchId, ok }) => ({ patchId, ok }))).toEqual(
      ["a", "b", "c"].map((patchId) => ({ patchId, ok: true })),
    );
    const ids = results.flatMap((result) => (result.ok ? [result.id] : []));
    expect((await ory.listIdentitiesByIds(ids)).map((identity) => identity.id).sort()).toEqual([...ids].sort());
  });

  it("rolls the whole batch back on one conflict, yet reports ids for the other items", async () => {
    await ory.createIdentity(person("taken@conflict.batch.test"));
    const results = await ory.batchCreate([
      { patchId: "first", body: person("first@conflict.batch.test") },
      { patchId: "taken", body: person("taken@conflict.batch.test") },
      { patchId: "third", body: person("third@conflict.batch.test") },
    ]);
    expect(results).toEqual([
      { patchId: "first", ok: true, id: expect.any(String) },
      {
        patchId: "taken",
        ok: false,
        status: 409,
        reason: "Unable to insert or update resource because a resource with that value exists already",
      },
      { patchId: "third", ok: true, id: expect.any(String) },
    ]);
    // The reported ids do not exist: Kratos v1.3.1 returned the partial-conflict error from inside its
    // transaction, which rolled back every insert of the batch.
    const reported = results.flatMap((result) => (result.ok ? [result.id] : []));
    expect(await ory.listIdentitiesByIds(reported)).toEqual([]);
    await expect(ory.getIdentity(reported[0])).rejects.toMatchObject({ status: 404 });
    const emails = (await ory.listIdentities()).map((identity) => identity.traits?.email);
    expect(emails.filter((email) => String(email).endsWith("@conflict.batch.test"))).toEqual([
      "taken@conflict.batch.test",
    ]);
  });

  it("rolls back the same way for two conflicting items inside one batch", async () => {
    const results = await ory.batchCreate([
      { patchId: "one", body: person("twin@intra.batch.test") },
      { patchId: "two", body: person("twin@intra.batch.test") },
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, false]);
    expect(await ory.listIdentitiesByIds(results.flatMap((result) => (result.ok ? [result.id] : [])))).toEqual([]);
  });

  it("keeps the valid items when one fails schema validation (400 for that item only)", async () => {
    const results = await ory.batchCreate([
      { patchId: "valid", body: person("valid@invalid.batch.test") },
      { patchId: "invalid", body: { schema_id: "default", traits: { name: { first: "No email" } } } },
    ]);
    expect(results).toEqual([
      { patchId: "valid", ok: true, id: expect.any(String) },
      {
        patchId: "invalid",
        ok: false,
        status: 400,
        reason: "The request was malformed or contained invalid parameters",
      },
    ]);
    const [valid] = results;
    expect(
      (await ory.listIdentitiesByIds([(valid as { id: string }).id])).map((identity) => identity.traits?.email),
    ).toEqual(["valid@invalid.batch.test"]);
  });

  it("answers 409 for the whole request when every item conflicts: each item is reported failed", async () => {
    await ory.createIdentity(person("only@allfail.batch.test"));
    expect(await ory.batchCreate([{ patchId: "only", body: person("only@allfail.batch.test") }])).toEqual([
      {
        patchId: "only",
        ok: false,
        status: 409,
        reason: "Unable to insert or update resource because a resource with that value exists already",
        whole: true,
      },
    ]);
  });

  it("refuses a field the server does not know (external_id on v1.3.1) for the whole batch", async () => {
    const results = await ory.batchCreate([
      { patchId: "x", body: person("x@unknown.batch.test", { external_id: "x" }) },
    ]);
    expect(results).toEqual([
      { patchId: "x", ok: false, status: 400, reason: 'json: unknown field "external_id"', whole: true },
    ]);
  });

  it("refuses more than 2000 items", async () => {
    const items = Array.from({ length: 2001 }, (_, i) => ({
      patchId: String(i),
      body: person(`limit-${i}@limit.batch.test`),
    }));
    const results = await ory.batchCreate(items);
    expect(new Set(results.map((result) => JSON.stringify({ ...result, patchId: undefined })))).toEqual(
      new Set([
        JSON.stringify({
          ok: false,
          status: 400,
          reason: "The maximum number of identities that can be created or deleted at once is 2000.",
          whole: true,
        }),
      ]),
    );
  });

  it("creates 1005 identities in one batch, then lists them with page_size 1000 (v1.3.1 does not cap it at 500)", async () => {
    const items = Array.from({ length: 1005 }, (_, i) => ({
      patchId: String(i),
      body: person(`bulk-${i}@bulk.batch.test`),
    }));
    const results = await ory.batchCreate(items);
    expect(results.every((result) => result.ok)).toBe(true);
    const pages: number[] = [];
    events = [];
    const all = await ory.listIdentities({ pageSize: 1000, onPage: (fetched) => pages.push(fetched) });
    expect(pages[0]).toBe(1000);
    expect(gets()).toHaveLength(Math.ceil(all.length / 1000));
    expect(new Set(all.map((identity) => identity.id)).size).toBe(all.length);
  });
});

describe("through a faulty network (proxy in front of Kratos)", () => {
  let proxy: Proxy;
  let viaProxy: OryClient;

  beforeAll(async () => {
    proxy = await startProxy({ target: kratos.adminUrl });
    viaProxy = createOryClient({ endpoint: proxy.url, apiKey: KEY, retry: NO_WAIT });
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  beforeEach(() => {
    proxy.setFaults(undefined);
    proxy.clear();
  });

  const only = (method: string, path: string, times = 1) => {
    let left = times;
    return (m: string, p: string) => m === method && p === path && left-- > 0;
  };

  it("sends the API key as a bearer token", async () => {
    await viaProxy.listIdentitiesByIds(["00000000-0000-4000-8000-000000000000"]);
    expect(proxy.requests.map((r) => r.authorization)).toEqual([`Bearer ${KEY}`]);
  });

  it("retries a POST answered 429 and creates the identity once", async () => {
    proxy.setFaults({ rate429: 1, match: only("POST", "/admin/identities") });
    const created = await viaProxy.createIdentity(person("ratelimited@proxy.test"));
    expect(proxy.requests.map((r) => [r.method, r.status])).toEqual([
      ["POST", 429],
      ["POST", 201],
    ]);
    expect((await ory.listIdentitiesByIds([created.id])).map((identity) => identity.traits?.email)).toEqual([
      "ratelimited@proxy.test",
    ]);
  });

  it("does not repeat a POST whose answer was lost; the identity exists", async () => {
    proxy.setFaults({ resetAfter: 1, match: only("POST", "/admin/identities") });
    const error = await viaProxy.createIdentity(person("lost@proxy.test")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UncertainWriteError);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY);
    expect(proxy.count((r) => r.method === "POST")).toBe(1);
    const emails = (await ory.listIdentities()).map((identity) => identity.traits?.email);
    expect(emails.filter((email) => email === "lost@proxy.test")).toHaveLength(1);
  });

  it("does not repeat a batch PATCH whose answer was lost", async () => {
    proxy.setFaults({ resetAfter: 1, match: only("PATCH", "/admin/identities") });
    await expect(viaProxy.batchCreate([{ patchId: "a", body: person("lostbatch@proxy.test") }])).rejects.toThrow(
      UncertainWriteError,
    );
    expect(proxy.count((r) => r.method === "PATCH")).toBe(1);
  });

  it("repeats a GET whose connection was reset", async () => {
    proxy.setFaults({ resetBefore: 1, match: only("GET", "/admin/identities", 2) });
    const listed = await viaProxy.listIdentities({ pageSize: 1000 });
    expect(listed.length).toBeGreaterThan(0);
    expect(proxy.requests.slice(0, 3).map((r) => r.fault ?? r.status)).toEqual(["reset-before", "reset-before", 200]);
  });

  it("repeats a PATCH of one identity whose answer was lost", async () => {
    const created = await ory.createIdentity(person("repatch@proxy.test"));
    proxy.setFaults({ resetAfter: 1, match: only("PATCH", `/admin/identities/${created.id}`) });
    const patched = await viaProxy.patchIdentity(created.id, [
      { op: "replace", path: "/metadata_public", value: { n: 1 } },
    ]);
    expect(patched.metadata_public).toEqual({ n: 1 });
    expect(proxy.count((r) => r.method === "PATCH")).toBe(2);
  });
});

describe("an endpoint where nothing listens", () => {
  it("fails fast with 'server unreachable at <endpoint>'", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const attempts: RequestEvent[] = [];
    const down = createOryClient({ endpoint, retry: NO_WAIT, onRequest: (event) => attempts.push(event) });
    const error = await down.listIdentities().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      `server unreachable at ${endpoint}/admin/identities: connection refused (ECONNREFUSED) after 3 attempts; check the endpoint and that the server is running`,
    );
    expect(attempts.map((event) => event.error)).toEqual(["ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"]);
  });
});
