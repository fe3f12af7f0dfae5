import { inspect } from "node:util";
import { createOryClient, normalizeEndpoint } from "../../../src/ory/client";
import { OryApiError, ServerUnreachableError, UncertainWriteError } from "../../../src/ory/errors";
import type { RequestEvent } from "../../../src/ory/fetch";
import type { JsonObject, PatchOp } from "../../../src/reconcile/core/types";
import { fakeFetch, Handler, instantPolicy, json, kratosError, networkError, sequence } from "./fake";
import { conformance, KRATOS_V1_DOC, KRATOS_V26_DOC, NETWORK_DOC, operationName } from "../../support/openapi";

const ENDPOINT = "http://kratos.test:4434";
const KEY = "ory_pat_TOPSECRET_0123456789";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** An identity as Kratos sends it: snake_case, dates as strings, fields the SDK does not model. */
function live(n: number): JsonObject {
  return {
    id: uuid(n),
    schema_id: "default",
    schema_url: "http://kratos.test/schemas/ZGVmYXVsdA",
    state: "active",
    traits: { email: `user${n}@example.test` },
    metadata_public: null,
    metadata_admin: null,
    created_at: "2026-11-22T19:20:45.453632Z",
    organization_id: null,
    x_future_field: { kept: true },
  };
}

function client(handler: Handler, options: { apiKey?: string } = {}) {
  const fake = fakeFetch(handler);
  const events: RequestEvent[] = [];
  const ory = createOryClient({
    endpoint: `${ENDPOINT}/`,
    apiKey: options.apiKey,
    fetch: fake.fetch,
    retry: instantPolicy(),
    onRequest: (event) => events.push(event),
  });
  return { ory, calls: fake.calls, events };
}

/** A keyset-paginated identity list over `total` identities, with Link headers as Kratos v1.3.1 writes them. */
function identityList(total: number, lastPageHasNext = false): Handler {
  const all = Array.from({ length: total }, (_, i) => live(i + 1));
  return (call) => {
    if (call.url.pathname === "/admin/version") return json(200, { version: "v1.3.1" });
    const size = Number(call.url.searchParams.get("page_size") ?? 250);
    const token = call.url.searchParams.get("page_token") ?? uuid(0);
    const page = all.filter((identity) => String(identity.id) > token).slice(0, size);
    const links = [`</admin/identities?page_size=${size}&page_token=${uuid(0)}>; rel="first"`];
    const more = all.length > 0 && page.length > 0 && page[page.length - 1].id !== all[all.length - 1].id;
    if (more || (lastPageHasNext && page.length > 0))
      links.push(`</admin/identities?page_size=${size}&page_token=${page[page.length - 1].id}>; rel="next"`);
    return json(200, page, { link: links.join(",") });
  };
}

describe("createOryClient: endpoint and credentials", () => {
  it("normalizes the endpoint", () => {
    expect(normalizeEndpoint("http://kratos.test:4434/")).toBe("http://kratos.test:4434");
    expect(normalizeEndpoint(" https://proxy.test/kratos/?x=1#y ")).toBe("https://proxy.test/kratos");
  });

  it("takes an admin URL copied with /admin or /admin/identities as the server's base URL", () => {
    for (const suffix of ["/admin", "/admin/", "/admin/identities", "/admin/identities/", "/admin//"]) {
      expect(normalizeEndpoint(`http://kratos.test:4434${suffix}`)).toBe("http://kratos.test:4434");
    }
    expect(normalizeEndpoint("https://p.projects.oryapis.com/admin")).toBe("https://p.projects.oryapis.com");
    expect(normalizeEndpoint("https://proxy.test/kratos/admin")).toBe("https://proxy.test/kratos");
    expect(normalizeEndpoint("https://proxy.test/administration")).toBe("https://proxy.test/administration");
  });

  it("refuses credentials in the endpoint without repeating them", () => {
    expect(() => normalizeEndpoint(`https://user:${KEY}@p.projects.oryapis.com`)).toThrow(
      /must not contain credentials/,
    );
    try {
      normalizeEndpoint(`https://user:${KEY}@p.projects.oryapis.com`);
    } catch (error) {
      expect(inspect(error)).not.toContain(KEY);
    }
    expect(() => normalizeEndpoint(`not a url ${KEY}`)).toThrow(/^invalid endpoint: expected a URL/);
    expect(() => normalizeEndpoint("ftp://h.test")).toThrow(
      "invalid endpoint: the scheme ftp: is not supported, use http or https",
    );
    expect(() => normalizeEndpoint("http://127.0.0.1:0")).toThrow(
      "invalid endpoint: port 0 cannot be connected to, use the port the server listens on",
    );
  });

  it("sends the API key as a bearer token and a user agent", async () => {
    const { ory, calls } = client(identityList(1), { apiKey: KEY });
    await ory.listIdentities();
    expect(calls[0].headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      "user-agent": "ory-reconcile",
      accept: "application/json",
    });
  });

  it("keeps the API key out of every error and event", async () => {
    const echo: Handler = (call) => kratosError(401, `bad token ${call.headers.authorization}`);
    const { ory, events } = client(echo, { apiKey: KEY });
    const apiError = await ory.listIdentities().catch((e: unknown) => e);
    expect(apiError).toBeInstanceOf(OryApiError);
    expect((apiError as OryApiError).reason).toBe("bad token Bearer (sensitive)");

    const reset = client(sequence(networkError("ECONNRESET")), { apiKey: KEY });
    const uncertain = await reset.ory.createIdentity({ traits: { email: "a@example.test" } }).catch((e: unknown) => e);
    expect(uncertain).toBeInstanceOf(UncertainWriteError);

    for (const error of [apiError, uncertain]) {
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY);
      expect(JSON.stringify(error)).not.toContain(KEY);
      expect(String(error)).not.toContain(KEY);
    }
    expect(JSON.stringify([...events, ...reset.events])).not.toContain(KEY);
  });
});

describe("listIdentities", () => {
  it("follows rel=next until there is none and returns the server's JSON untouched", async () => {
    const { ory, calls } = client(identityList(10));
    const identities = await ory.listIdentities({ pageSize: 4 });
    expect(identities).toEqual(Array.from({ length: 10 }, (_, i) => live(i + 1)));
    expect(calls.map((call) => call.url.search)).toEqual([
      "?page_size=4",
      `?page_size=4&page_token=${uuid(4)}`,
      `?page_size=4&page_token=${uuid(8)}`,
    ]);
  });

  it("keeps going after a short page that has a next link, and stops only without one", async () => {
    const pages = [
      json(200, [live(1)], { link: '</admin/identities?page_size=3&page_token=t1>; rel="next"' }),
      json(200, [], { link: '</admin/identities?page_size=3&page_token=t2>; rel="next"' }),
      json(200, [live(2)]),
    ];
    const { ory, calls } = client(sequence(...pages));
    expect((await ory.listIdentities({ pageSize: 3 })).map((identity) => identity.id)).toEqual([uuid(1), uuid(2)]);
    expect(calls).toHaveLength(3);
  });

  it("asks for the next page as soon as a page's headers arrive, before its body is read", async () => {
    let secondAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (secondAsked = resolve));
    // The first page's body arrives only once the second page has been asked for: without read-ahead, this hangs.
    const firstBody = new ReadableStream<Uint8Array>({
      async start(controller) {
        await asked;
        controller.enqueue(new TextEncoder().encode(JSON.stringify([live(1)])));
        controller.close();
      },
    });
    const { ory, calls } = client((_call, index) => {
      if (index === 0)
        return new Response(firstBody, {
          status: 200,
          headers: {
            "content-type": "application/json",
            link: '</admin/identities?page_size=1&page_token=t1>; rel="next"',
          },
        });
      secondAsked();
      return json(200, [live(2)]);
    });
    expect((await ory.listIdentities({ pageSize: 1 })).map((identity) => identity.id)).toEqual([uuid(1), uuid(2)]);
    expect(calls).toHaveLength(2);
  });

  it("cancels the page read ahead when the current page turns out bad", async () => {
    const { ory, calls } = client((_call, index) =>
      index === 0
        ? json(200, { not: "a list" }, { link: '</admin/identities?page_size=1&page_token=t1>; rel="next"' })
        : new Promise<Response>(() => undefined),
    );
    await expect(ory.listIdentities({ pageSize: 1 })).rejects.toThrow(/expected a JSON array/);
    expect(calls).toHaveLength(2);
    expect(calls[1].signal?.aborted).toBe(true);
  });

  it("reports progress per page", async () => {
    const seen: number[] = [];
    const { ory } = client(identityList(5));
    await ory.listIdentities({ pageSize: 2, onPage: (fetched) => seen.push(fetched) });
    expect(seen).toEqual([2, 4, 5]);
  });

  it("uses 500 per page by default and the server's maximum once capabilities are known", async () => {
    const { ory, calls } = client(identityList(1));
    await ory.listIdentities();
    await ory.capabilities();
    await ory.listIdentities();
    expect(calls.map((call) => `${call.url.pathname}${call.url.search}`)).toEqual([
      "/admin/identities?page_size=500",
      "/admin/version",
      "/admin/identities?page_size=1000",
    ]);
  });

  it("refuses a next link that repeats a page (a server bug would loop forever)", async () => {
    const same = () => json(200, [live(1)], { link: '</admin/identities?page_size=1&page_token=t>; rel="next"' });
    const { ory, calls } = client(sequence(same, same, same));
    await expect(ory.listIdentities({ pageSize: 1 })).rejects.toThrow(/repeats an earlier page/);
    expect(calls).toHaveLength(2);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled by user"));
    const { ory } = client(identityList(3));
    await expect(ory.listIdentities({ signal: controller.signal })).rejects.toThrow("cancelled by user");
  });

  it("says when the server is unreachable", async () => {
    const { ory, calls } = client(sequence(networkError("ECONNREFUSED")));
    const error = await ory.listIdentities().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      `server unreachable at ${ENDPOINT}/admin/identities: connection refused (ECONNREFUSED) after 3 attempts; check the endpoint and that the server is running`,
    );
    expect(calls).toHaveLength(3);
  });
});

describe("listIdentitiesByIds", () => {
  it("sends nothing for no ids (an empty filter would list everything)", async () => {
    const { ory, calls } = client(identityList(3));
    expect(await ory.listIdentitiesByIds([])).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it("filters by ids in chunks of at most 100 distinct ids (Kratos echoes the filter in its Link headers)", async () => {
    const ids = Array.from({ length: 250 }, (_, i) => uuid(i));
    const { ory, calls } = client((call) =>
      json(
        200,
        call.url.searchParams
          .getAll("ids")
          .slice(0, 1)
          .map((id) => ({ ...live(0), id })),
      ),
    );
    const found = await ory.listIdentitiesByIds([...ids, ids[0]]);
    expect(found.map((identity) => identity.id)).toEqual([uuid(0), uuid(100), uuid(200)]);
    expect(calls.map((call) => call.url.searchParams.getAll("ids").length)).toEqual([100, 100, 50]);
    expect(calls.map((call) => call.url.searchParams.get("page_size"))).toEqual(["100", "100", "50"]);
  });
});

describe("getIdentity and listSchemas", () => {
  it("asks for credentials when told to", async () => {
    const { ory, calls } = client(() => json(200, live(1)));
    expect(await ory.getIdentity(uuid(1), ["password", "oidc"])).toEqual(live(1));
    expect(calls[0].url.search).toBe("?include_credential=password&include_credential=oidc");
  });

  it("throws a 404 for an unknown id", async () => {
    const { ory } = client(() => kratosError(404, "Unable to locate the resource"));
    await expect(ory.getIdentity(uuid(9))).rejects.toMatchObject({
      status: 404,
      method: "GET",
      path: `/admin/identities/${uuid(9)}`,
    });
  });

  it("lists schemas as {id, schema}", async () => {
    const schema = { type: "object", properties: { traits: { type: "object" } } };
    const { ory } = client(() => json(200, [{ id: "default", schema, url: "http://x" }]));
    expect(await ory.listSchemas()).toEqual([{ id: "default", schema }]);
  });
});

describe("capabilities", () => {
  it("knows Ory Network project URLs without asking", async () => {
    const fake = fakeFetch(() => json(500, {}));
    const ory = createOryClient({ endpoint: "https://happy-cat-123.projects.oryapis.com", fetch: fake.fetch });
    expect(await ory.capabilities()).toEqual({
      version: undefined,
      flavor: "network",
      externalId: true,
      organizationId: true,
      batchCreateLimit: 1000,
      batchCreateLimitWithPassword: 200,
      pageSizeMax: 500,
      idsFilterMax: 500,
      identifierRules: "lower",
      hashCostLimits: false,
      passwordChanges: true,
    });
    expect(fake.calls).toHaveLength(0);
  });

  it("reads the Kratos version once per client", async () => {
    const { ory, calls } = client(() => json(200, { version: "v1.3.1" }));
    const expected = {
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
    };
    expect(await ory.capabilities()).toEqual(expected);
    expect(await ory.capabilities()).toEqual(expected);
    expect(calls.map((call) => call.url.pathname)).toEqual(["/admin/version"]);
  });

  it("gives newer Kratos external_id and the newer limits", async () => {
    const { ory } = client(() => json(200, { version: "v26.2.0" }));
    expect(await ory.capabilities()).toMatchObject({
      version: "v26.2.0",
      flavor: "kratos",
      externalId: true,
      organizationId: true,
      batchCreateLimit: 1000,
      batchCreateLimitWithPassword: 200,
      pageSizeMax: 500,
      idsFilterMax: 500,
    });
  });

  it("treats a server without /admin/version as Ory Network", async () => {
    const { ory } = client(() => json(404, { error: { message: "Not Found" } }));
    expect(await ory.capabilities()).toMatchObject({ flavor: "network", externalId: true });
  });

  it("does not cache a failure", async () => {
    const { ory, calls } = client(
      sequence(
        networkError("ECONNREFUSED"),
        networkError("ECONNREFUSED"),
        networkError("ECONNREFUSED"),
        json(200, { version: "v1.3.1" }),
      ),
    );
    await expect(ory.capabilities()).rejects.toThrow(ServerUnreachableError);
    expect(await ory.capabilities()).toMatchObject({ version: "v1.3.1" });
    expect(calls).toHaveLength(4);
  });
});

describe("batchCreate", () => {
  const body = (email: string): JsonObject => ({
    schema_id: "default",
    traits: { email },
    state: "active",
    metadata_public: { role: "admin" },
    metadata_admin: { "ory-reconcile": { set: "staff" } },
    credentials: { password: { config: { password: "s3cret-Passw0rd" } } },
    verifiable_addresses: [{ value: email, via: "email", verified: true, status: "completed" }],
  });

  function batchServer(answer: (patchIds: string[]) => unknown): Handler {
    return (call) => {
      const identities = (call.body as { identities: Array<{ patch_id: string }> }).identities;
      return json(200, answer(identities.map((item) => item.patch_id)));
    };
  }

  it("sends one PATCH with the bodies as given and a UUID patch_id per item", async () => {
    const { ory, calls } = client(
      batchServer((ids) => ({
        identities: ids.map((patch_id, i) => ({ action: "create", identity: uuid(i), patch_id })),
      })),
    );
    await ory.batchCreate([
      { patchId: "staff/a", body: body("a@example.test") },
      { patchId: "staff/b", body: body("b@example.test") },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].method).toBe("PATCH");
    const sent = (calls[0].body as { identities: Array<{ patch_id: string; create: unknown }> }).identities;
    expect(sent.map((item) => item.create)).toEqual([body("a@example.test"), body("b@example.test")]);
    sent.forEach((item) =>
      expect(item.patch_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    );
  });

  it("maps results back by the echoed patch_id, whatever their order", async () => {
    const { ory } = client(
      batchServer(([first, second, third]) => ({
        identities: [
          {
            action: "error",
            patch_id: second,
            error: {
              code: 409,
              status: "Conflict",
              message: "Unable to insert or update resource because a resource with that value exists already",
            },
          },
          { action: "create", identity: uuid(3), patch_id: third },
          { action: "create", identity: uuid(1), patch_id: first },
        ],
      })),
    );
    const results = await ory.batchCreate(
      ["a", "b", "c"].map((key) => ({ patchId: key, body: body(`${key}@example.test`) })),
    );
    expect(results).toEqual([
      { patchId: "a", ok: true, id: uuid(1) },
      {
        patchId: "b",
        ok: false,
        status: 409,
        reason: "Unable to insert or update resource because a resource with that value exists already",
      },
      { patchId: "c", ok: true, id: uuid(3) },
    ]);
  });

  it("maps by position when the server echoes no patch_id", async () => {
    const { ory } = client(
      batchServer(() => ({
        identities: [
          { action: "create", identity: uuid(1) },
          { action: "error", error: { code: 400, reason: "invalid traits" } },
        ],
      })),
    );
    const results = await ory.batchCreate(
      ["a", "b"].map((key) => ({ patchId: key, body: body(`${key}@example.test`) })),
    );
    expect(results).toEqual([
      { patchId: "a", ok: true, id: uuid(1) },
      { patchId: "b", ok: false, status: 400, reason: "invalid traits" },
    ]);
  });

  it("reports a missing result as a failure of that item", async () => {
    const { ory } = client(
      batchServer(([first]) => ({ identities: [{ action: "create", identity: uuid(1), patch_id: first }] })),
    );
    const results = await ory.batchCreate(
      ["a", "b"].map((key) => ({ patchId: key, body: body(`${key}@example.test`) })),
    );
    expect(results[1]).toEqual({ patchId: "b", ok: false, reason: "the server's answer has no result for this item" });
  });

  it("turns a whole-batch 409 (every item failed) into a failure per item", async () => {
    const { ory } = client(() =>
      json(409, {
        error: {
          code: 409,
          status: "Conflict",
          message: "Unable to insert or update resource because a resource with that value exists already",
        },
      }),
    );
    const results = await ory.batchCreate(
      ["a", "b"].map((key) => ({ patchId: key, body: body(`${key}@example.test`) })),
    );
    expect(results).toEqual(
      ["a", "b"].map((patchId) => ({
        patchId,
        ok: false,
        status: 409,
        reason: "Unable to insert or update resource because a resource with that value exists already",
        whole: true,
      })),
    );
  });

  it("throws for other failures and never repeats after a lost connection", async () => {
    const down = client(sequence(json(500, {})));
    await expect(down.ory.batchCreate([{ patchId: "a", body: body("a@example.test") }])).rejects.toMatchObject({
      status: 500,
      retriable: true,
    });
    expect(down.calls).toHaveLength(1);
    const reset = client(sequence(networkError("ECONNRESET")));
    await expect(reset.ory.batchCreate([{ patchId: "a", body: body("a@example.test") }])).rejects.toThrow(
      UncertainWriteError,
    );
    expect(reset.calls).toHaveLength(1);
  });

  it("sends nothing for no items", async () => {
    const { ory, calls } = client(() => json(200, {}));
    expect(await ory.batchCreate([])).toEqual([]);
    expect(calls).toHaveLength(0);
  });
});

describe("single writes", () => {
  it("creates with POST and returns the server's identity", async () => {
    const { ory, calls } = client(sequence(json(503, {}), json(201, live(1))));
    const created = await ory.createIdentity({ schema_id: "default", traits: { email: "user1@example.test" } });
    expect(created).toEqual(live(1));
    expect(calls.map((call) => [call.method, call.url.pathname, call.body])).toEqual([
      ["POST", "/admin/identities", { schema_id: "default", traits: { email: "user1@example.test" } }],
      ["POST", "/admin/identities", { schema_id: "default", traits: { email: "user1@example.test" } }],
    ]);
  });

  it("patches with the JSON Patch as given, null values included", async () => {
    const ops: PatchOp[] = [
      { op: "replace", path: "/traits/email", value: "new@example.test" },
      { op: "replace", path: "/metadata_public", value: null },
      { op: "remove", path: "/metadata_admin/team" },
    ];
    const { ory, calls } = client(() => json(200, live(1)));
    await ory.patchIdentity(uuid(1), ops);
    expect([calls[0].method, calls[0].url.pathname, calls[0].body]).toEqual([
      "PATCH",
      `/admin/identities/${uuid(1)}`,
      ops,
    ]);
  });

  it("puts the full body", async () => {
    const put = {
      schema_id: "default",
      traits: { email: "a@example.test" },
      state: "inactive",
      metadata_public: { a: 1 },
      metadata_admin: { b: 2 },
      credentials: { password: { config: { hashed_password: "$2a$04$abc" } } },
    };
    const { ory, calls } = client(() => json(200, live(1)));
    await ory.putIdentity(uuid(1), put);
    expect([calls[0].method, calls[0].url.pathname, calls[0].body]).toEqual([
      "PUT",
      `/admin/identities/${uuid(1)}`,
      put,
    ]);
  });

  it("deletes, and counts a 404 as already gone", async () => {
    const { ory, calls } = client(sequence(json(204, null), kratosError(404, "Unable to locate the resource")));
    expect(await ory.deleteIdentity(uuid(1))).toBe("deleted");
    expect(await ory.deleteIdentity(uuid(1))).toBe("already-gone");
    expect(calls.map((call) => call.method)).toEqual(["DELETE", "DELETE"]);
  });

  it("throws the server's reason for other errors", async () => {
    const { ory } = client(() => kratosError(400, "traits.email: must be an email"));
    const error = await ory
      .patchIdentity(uuid(1), [{ op: "replace", path: "/traits/email", value: "x" }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OryApiError);
    expect((error as Error).message).toBe(
      `PATCH /admin/identities/${uuid(1)} failed with 400: traits.email: must be an email`,
    );
  });
});

describe("newer servers (Ory Network, Kratos >= v25)", () => {
  it("looks an identity up by external_id, and answers undefined for an unknown one", async () => {
    const { ory, calls } = client(
      sequence(json(200, { ...live(1), external_id: "ext/1 ü" }), kratosError(404, "Unable to locate the resource")),
    );
    expect(await ory.getIdentityByExternalId("ext/1 ü")).toEqual({ ...live(1), external_id: "ext/1 ü" });
    expect(await ory.getIdentityByExternalId("nobody")).toBeUndefined();
    expect(calls.map((call) => call.url.pathname)).toEqual([
      "/admin/identities/by/external/ext%2F1%20%C3%BC",
      "/admin/identities/by/external/nobody",
    ]);
  });

  it("sends consistency=strong on every page of an ids-filtered read when asked", async () => {
    const { ory, calls } = client(identityList(3));
    await ory.listIdentitiesByIds([uuid(1), uuid(2)], { consistency: "strong" });
    await ory.listIdentitiesByIds([uuid(1)]);
    const query = (call: { url: URL }) => [
      call.url.searchParams.get("consistency"),
      call.url.searchParams.getAll("ids").length,
      call.url.searchParams.has("page_token"),
    ];
    expect(calls.map(query)).toEqual([
      ["strong", 2, false],
      ["strong", 2, true],
      [null, 1, false],
      [null, 1, true],
      [null, 1, true],
    ]);
  });

  it("still reads every identity when the server silently caps the page size at 500", async () => {
    const all = Array.from({ length: 1203 }, (_, i) => live(i + 1));
    const capped: Handler = (call) => {
      if (call.url.pathname === "/admin/version") return json(200, { version: "v25.4.0" });
      const size = Math.min(500, Number(call.url.searchParams.get("page_size")));
      const token = call.url.searchParams.get("page_token") ?? uuid(0);
      const page = all.filter((identity) => String(identity.id) > token).slice(0, size);
      const last = page[page.length - 1];
      const more = last && last.id !== all[all.length - 1].id;
      return json(
        200,
        page,
        more ? { link: `</admin/identities?page_size=${size}&page_token=${last.id}>; rel="next"` } : {},
      );
    };
    const { ory, calls } = client(capped);
    expect(await ory.listIdentities({ pageSize: 1000 })).toHaveLength(1203);
    expect(calls).toHaveLength(3);
    await ory.capabilities();
    await ory.listIdentities();
    expect(calls.slice(4).map((call) => call.url.searchParams.get("page_size"))).toEqual(["500", "500", "500"]);
  });
});

describe("every request conforms to Ory's OpenAPI documents", () => {
  /** A server answering every operation of the client, flavoured as Kratos v1.3.1 or as Ory Network. */
  function server(version?: string): Handler {
    return (call) => {
      if (call.url.pathname === "/admin/version")
        return version ? json(200, { version }) : json(404, { error: { code: 404, message: "Not Found" } });
      if (call.method === "PATCH" && call.url.pathname === "/admin/identities") return json(200, { identities: [] });
      if (call.method === "DELETE") return json(204, null);
      if (call.url.pathname === "/schemas") return json(200, []);
      return json(
        call.method === "POST" ? 201 : 200,
        call.method === "GET" && !/\/identities\/./.test(call.url.pathname) ? [] : live(1),
      );
    };
  }
  const body = (extra: JsonObject = {}): JsonObject => ({
    schema_id: "default",
    traits: { email: "a@example.test" },
    state: "active",
    metadata_public: { a: 1 },
    metadata_admin: { b: 2 },
    credentials: {
      password: { config: { password: "pw-1234567890" } },
      oidc: { config: { providers: [{ provider: "google", subject: "1" }] } },
    },
    verifiable_addresses: [{ value: "a@example.test", via: "email", verified: true, status: "completed" }],
    recovery_addresses: [{ value: "a@example.test", via: "email" }],
    ...extra,
  });

  async function everyOperation(version: string | undefined, extra: JsonObject) {
    const { ory, calls } = client(server(version));
    await ory.capabilities();
    await ory.listIdentities({ pageSize: 2 });
    await ory.listIdentitiesByIds([uuid(1), uuid(2)], { consistency: "strong" });
    await ory.getIdentity(uuid(1), ["password"]);
    await ory.listSchemas();
    await ory.batchCreate([{ patchId: "a", body: body(extra) }]);
    await ory.createIdentity(
      body({
        ...extra,
        credentials: {
          password: { config: { hashed_password: "$2b$04$abcdefghijklmnopqrstuu5Ywd1rR7J0gk1Yg2oQ0O1mEpCxQ6gT2" } },
        },
      }),
    );
    await ory.patchIdentity(uuid(1), [
      { op: "replace", path: "/state", value: "inactive" },
      { op: "add", path: "/metadata_admin", value: null },
      { op: "remove", path: "/metadata_admin" },
    ]);
    await ory.putIdentity(uuid(1), {
      schema_id: "default",
      traits: { email: "a@example.test" },
      state: "active",
      ...(extra.external_id ? { external_id: extra.external_id } : {}),
    });
    await ory.deleteIdentity(uuid(1));
    return calls;
  }

  it("for Kratos v1.3.1, against its own document", async () => {
    const calls = await everyOperation("v1.3.1", {});
    expect(calls.map((call) => operationName(KRATOS_V1_DOC, call))).toEqual([
      "getVersion",
      "listIdentities",
      "listIdentities?ids",
      "getIdentity",
      "listIdentitySchemas",
      "batchPatchIdentities",
      "createIdentity",
      "patchIdentity",
      "updateIdentity",
      "deleteIdentity",
    ]);
    expect(calls.flatMap((call) => conformance(KRATOS_V1_DOC, call))).toEqual([]);
  });

  it("for Ory Network and Kratos v26.2.0 (external_id, organization_id, lookups by external_id), against both documents", async () => {
    const calls = await everyOperation(undefined, {
      external_id: "ext-1",
      organization_id: "7a7b3b48-4f8e-4a8c-9a4e-52f1a8f6d0c2",
    });
    const { ory, calls: lookups } = client(server());
    await ory.getIdentityByExternalId("ext-1");
    for (const file of [NETWORK_DOC, KRATOS_V26_DOC]) {
      expect([...calls, ...lookups].map((call) => operationName(file, call))).toEqual([
        "getVersion",
        "listIdentities",
        "listIdentities?ids",
        "getIdentity",
        "listIdentitySchemas",
        "batchPatchIdentities",
        "createIdentity",
        "patchIdentity",
        "updateIdentity",
        "deleteIdentity",
        "getIdentityByExternalID",
      ]);
      expect([...calls, ...lookups].flatMap((call) => conformance(file, call))).toEqual([]);
    }
  });

  it("the checker itself catches what a server would refuse", () => {
    const request = (method: string, path: string, body?: unknown) => ({
      method,
      url: new URL(`http://x${path}`),
      body,
    });
    expect(
      conformance(
        KRATOS_V1_DOC,
        request("POST", "/admin/identities", { schema_id: "default", traits: {}, external_id: "x" }),
      ),
    ).toEqual(["kratos-v1.3.1.json: POST /admin/identities body must NOT have additional properties: external_id"]);
    expect(
      conformance(
        NETWORK_DOC,
        request("PUT", `/admin/identities/${uuid(1)}`, { traits: {}, state: "active", organization_id: null }),
      ),
    ).toEqual([
      `ory-network-client-v1.22.43.json: PUT /admin/identities/${uuid(1)} body must have required property 'schema_id'`,
      `ory-network-client-v1.22.43.json: PUT /admin/identities/${uuid(1)} body must NOT have additional properties: organization_id`,
    ]);
    expect(
      conformance(
        NETWORK_DOC,
        request("GET", "/admin/identities?page_size=1000&consistency=maybe&per_page=1&per_page=2&foo=1"),
      ),
    ).toEqual([
      "ory-network-client-v1.22.43.json: GET /admin/identities repeats the query parameter per_page, which takes one value",
      "ory-network-client-v1.22.43.json: GET /admin/identities query page_size must be <= 500",
      "ory-network-client-v1.22.43.json: GET /admin/identities query consistency must be equal to one of the allowed values",
      "ory-network-client-v1.22.43.json: GET /admin/identities has undeclared query parameter foo",
    ]);
    expect(conformance(KRATOS_V1_DOC, request("GET", "/admin/identities?page_size=1000"))).toEqual([]);
    expect(conformance(KRATOS_V1_DOC, request("GET", "/admin/identities/by/external/x"))).toEqual([
      "kratos-v1.3.1.json: no operation GET /admin/identities/by/external/x",
    ]);
    expect(conformance(KRATOS_V26_DOC, request("DELETE", `/admin/identities/${uuid(1)}`, {}))).toEqual([
      `kratos-v26.2.0.json: DELETE /admin/identities/${uuid(1)} has a body, but the operation takes none`,
    ]);
  });
});

describe("OIDC links", () => {
  it("lists credential identifiers without any credential config (never include_credential=oidc, which sends OAuth tokens)", async () => {
    const { ory, calls } = client(() => json(200, [live(1)]));
    await ory.listIdentities({ credentialIdentifiers: true });
    expect(calls[0].url.searchParams.getAll("include_credential")).toEqual(["link_recovery"]);
  });

  it("removes one link with DELETE /admin/identities/{id}/credentials/oidc?identifier=provider:subject; a 404 is already gone", async () => {
    const { ory, calls } = client(
      sequence(
        new Response(null, { status: 204 }),
        kratosError(404, "The identifier `google:1` was not found among OIDC credentials."),
      ),
    );
    expect(await ory.deleteCredentialIdentifier(uuid(1), "oidc", "google:1")).toBe("deleted");
    expect(await ory.deleteCredentialIdentifier(uuid(1), "oidc", "google:1")).toBe("already-gone");
    expect(calls.map((c) => `${c.method} ${c.url.pathname} ${c.url.searchParams.get("identifier")}`)).toEqual([
      `DELETE /admin/identities/${uuid(1)}/credentials/oidc google:1`,
      `DELETE /admin/identities/${uuid(1)}/credentials/oidc google:1`,
    ]);
  });
});
