// The Ory Network emulator (test/support/network-emulator.ts) in front of a tiny in-process stand-in for Kratos'
// identity admin API: its rate-limit buckets and both header styles, the bare 429, `/admin/version`, relaying
// answers unchanged, and eventual reads. (The same emulator in front of a real v26.2.0 is compared with the bare
// server in test/integration/ory/emulator-differential.test.ts.)
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Emulator, EmulatorOptions, rateLimitBucket, startEmulator } from "../../support/network-emulator";

/** 200 ms into a minute: the 1 s window has 800 ms left, the 60 s window 59.8 s. */
const T = Date.UTC(2026, 0, 1, 12, 0, 0, 200);

type Identity = { id: string; traits: { email: string }; state: string };

/** Identities by id; lists ordered by id with keyset pages (`page_token` = the last id of the previous page). */
function fakeKratos() {
  const identities = new Map<string, Identity>();
  let next = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++next * 10).padStart(12, "0")}`;
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "private, no-cache",
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const url = new URL(req.url ?? "/", "http://kratos.invalid");
    const body = text ? JSON.parse(text) : undefined;
    const one = /^\/admin\/identities\/([^/]+)$/.exec(url.pathname)?.[1];
    if (url.pathname === "/raw")
      return res.writeHead(418, { "content-type": "text/plain", "x-odd": "kept" }).end('{ "spaced" :  true }\n');
    if (req.method === "GET" && url.pathname === "/admin/identities") {
      const ids = url.searchParams.getAll("ids");
      const size = Number(url.searchParams.get("page_size") ?? 250);
      const after = url.searchParams.get("page_token") ?? "";
      const all = [...identities.values()]
        .filter((i) => (!ids.length || ids.includes(i.id)) && i.id > after)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const page = all.slice(0, size);
      const link =
        all.length > size
          ? { link: `</admin/identities?page_size=${size}&page_token=${page[page.length - 1].id}>; rel="next"` }
          : undefined;
      return send(res, 200, page, link);
    }
    if (req.method === "POST" && url.pathname === "/admin/identities") {
      const identity = { id: newId(), state: "active", ...body };
      identities.set(identity.id, identity);
      return send(res, 201, identity);
    }
    if (req.method === "PATCH" && url.pathname === "/admin/identities") {
      const results = (body.identities as Array<{ patch_id: string; create: Omit<Identity, "id" | "state"> }>).map(
        ({ patch_id, create }) => {
          const identity = { id: newId(), state: "active", ...create };
          identities.set(identity.id, identity);
          return { action: "create", identity: identity.id, patch_id };
        },
      );
      return send(res, 200, { identities: results });
    }
    const found = one && identities.get(one);
    if (!found) return send(res, 404, { error: { code: 404, message: "Unable to locate the resource" } });
    if (req.method === "GET") return send(res, 200, found);
    if (req.method === "PUT") return send(res, 200, identities.set(found.id, { ...body, id: found.id }).get(found.id));
    if (req.method === "DELETE") {
      identities.delete(found.id);
      res.writeHead(204).end();
      return;
    }
    send(res, 405, undefined);
  };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString())).on("end", () => handle(req, res, text));
  });
  return { server, identities };
}

describe("the Ory Network emulator", () => {
  let upstream: ReturnType<typeof fakeKratos>;
  let target: string;
  let emulator: Emulator | undefined;

  beforeAll(async () => {
    upstream = fakeKratos();
    await new Promise<void>((resolve) => upstream.server.listen(0, "127.0.0.1", resolve));
    target = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    upstream.identities.clear();
    // Only the clock is fake (the windows are aligned to it); sockets and timers stay real.
    jest.useFakeTimers({
      now: T,
      doNotFake: [
        "hrtime",
        "nextTick",
        "performance",
        "queueMicrotask",
        "setImmediate",
        "clearImmediate",
        "setInterval",
        "clearInterval",
        "setTimeout",
        "clearTimeout",
      ],
    });
  });
  afterEach(async () => {
    jest.useRealTimers();
    await emulator?.stop();
    emulator = undefined;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.server.close(() => resolve())));

  const start = async (options: Omit<EmulatorOptions, "target">) =>
    (emulator = await startEmulator({ target, ...options }));
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator?.url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const headers = Object.fromEntries(
      [...response.headers].filter(([name]) => /^(x-ratelimit-|retry-after)/.test(name)),
    );
    return { status: response.status, body: await response.text(), headers };
  };
  const limits = (limit: string, remaining: string, reset: string) => ({
    "x-ratelimit-limit": limit,
    "x-ratelimit-remaining": remaining,
    "x-ratelimit-reset": reset,
  });
  const emails = async (path: string) =>
    (JSON.parse((await send("GET", path)).body) as Identity[]).map((i) => i.traits.email);

  describe("rate limits", () => {
    const windows = [
      { limit: 3, windowMs: 1000 },
      { limit: 5, windowMs: 60000 },
    ];

    it("counts each request in its endpoint's bucket of Ory Network's OpenAPI document", () => {
      expect(
        [
          ["GET", "/admin/identities"],
          ["GET", "/admin/identities/by/external/x"],
          ["GET", "/schemas"],
          ["GET", "/admin/identities/1234"],
          ["PATCH", "/admin/identities"],
          ["POST", "/admin/identities"],
          ["PUT", "/admin/identities/1234"],
          ["PATCH", "/admin/identities/1234"],
          ["DELETE", "/admin/identities/1234"],
          ["DELETE", "/admin/identities/1234/sessions"],
          ["GET", "/admin/version"],
          ["GET", "/admin/schemas"],
        ].map(([method, path]) => rateLimitBucket(method, path)),
      ).toEqual([
        "kratos-admin-medium",
        "kratos-admin-medium",
        "kratos-admin-medium",
        "kratos-admin-high",
        "kratos-admin-low",
        "kratos-admin-low",
        "kratos-admin-low",
        "kratos-admin-low",
        "kratos-admin-low",
        "kratos-admin-low",
        "default",
        "default",
      ]);
    });

    it("documented style: every window's limit, the tightest window's remaining and reset (rounded up); 429 is bare", async () => {
      await start({ rateLimit: { windows } });
      const burst = (remaining: number) => limits("3, 3;w=1, 5;w=60", String(remaining), "1");
      expect(await send("GET", "/admin/identities")).toEqual({ status: 200, body: "[]", headers: burst(2) });
      expect((await send("GET", "/admin/identities")).headers).toEqual(burst(1));
      expect((await send("GET", "/admin/identities")).headers).toEqual(burst(0));
      expect(await send("GET", "/admin/identities")).toEqual({ status: 429, body: "", headers: burst(0) });
      const write = await send("PATCH", "/admin/identities/x", []); // another bucket (and a 404 of the server's)
      expect([write.status, write.headers]).toEqual([404, burst(2)]);
      expect((await send("GET", "/admin/identities/x")).headers).toEqual(burst(2)); // kratos-admin-high

      jest.setSystemTime(T + 1000); // a new 1 s window; the 60 s window has 2 reads left and 58.8 s to go
      expect((await send("GET", "/admin/identities")).headers).toEqual(limits("5, 3;w=1, 5;w=60", "1", "59"));
      expect((await send("GET", "/admin/identities")).headers).toEqual(limits("5, 3;w=1, 5;w=60", "0", "59"));
      expect(await send("GET", "/admin/identities")).toEqual({
        status: 429,
        body: "",
        headers: limits("5, 3;w=1, 5;w=60", "0", "59"),
      });
      expect(emulator?.limited).toBe(2);

      jest.setSystemTime(T + 59800); // the next minute
      expect((await send("GET", "/admin/identities")).headers).toEqual(burst(2));
    });

    it("per-window style: one value per member of the limit header, resets rounded down (0 under a second)", async () => {
      await start({ rateLimit: { windows, headers: "per-window" } });
      const at = (remaining: string, reset: string) => limits("3, 3;w=1, 5;w=60", remaining, reset);
      expect(await send("GET", "/admin/identities")).toEqual({
        status: 200,
        body: "[]",
        headers: at("2, 2, 4", "0, 0, 59"),
      });
      expect((await send("GET", "/admin/identities")).headers).toEqual(at("1, 1, 3", "0, 0, 59"));
      expect((await send("GET", "/admin/identities")).headers).toEqual(at("0, 0, 2", "0, 0, 59"));
      expect(await send("GET", "/admin/identities")).toEqual({
        status: 429,
        body: "",
        headers: at("0, 0, 2", "0, 0, 59"),
      });

      jest.setSystemTime(T + 1000);
      const sustained = (remaining: string, reset: string) => limits("5, 3;w=1, 5;w=60", remaining, reset);
      expect((await send("GET", "/admin/identities")).headers).toEqual(sustained("1, 2, 1", "58, 0, 58"));
      expect((await send("GET", "/admin/identities")).headers).toEqual(sustained("0, 1, 0", "58, 0, 58"));
      expect(await send("GET", "/admin/identities")).toEqual({
        status: 429,
        body: "",
        headers: sustained("0, 1, 0", "58, 0, 58"),
      });

      jest.setSystemTime(T + 1800); // exactly on a whole second: a full second is left of the burst window
      expect((await send("GET", "/admin/identities/x")).headers).toEqual(at("2, 2, 4", "1, 1, 58"));
    });

    it("takes other windows for the buckets given", async () => {
      await start({ rateLimit: { windows, buckets: { "kratos-admin-low": [{ limit: 1, windowMs: 1000 }] } } });
      expect((await send("DELETE", "/admin/identities/x")).headers).toEqual(limits("1, 1;w=1", "0", "1"));
      expect((await send("DELETE", "/admin/identities/y")).status).toBe(429);
      expect((await send("GET", "/admin/identities")).headers).toEqual(limits("3, 3;w=1, 5;w=60", "2", "1"));
    });

    it("sends no rate-limit headers without a rate limit", async () => {
      await start({});
      for (let i = 0; i < 5; i++)
        expect(await send("GET", "/admin/identities")).toEqual({ status: 200, body: "[]", headers: {} });
    });
  });

  it("answers /admin/version with 404 like Ory Network, and relays everything else unchanged", async () => {
    await start({ rateLimit: { windows: [{ limit: 100, windowMs: 1000 }] } });
    const version = await fetch(`${emulator?.url}/admin/version`);
    expect([version.status, await version.json()]).toEqual([
      404,
      { error: { code: 404, status: "Not Found", message: "Unable to locate the resource" } },
    ]);
    const raw = await fetch(`${emulator?.url}/raw`);
    expect([raw.status, raw.headers.get("content-type"), raw.headers.get("x-odd"), await raw.text()]).toEqual([
      418,
      "text/plain",
      "kept",
      '{ "spaced" :  true }\n',
    ]);
    const created = await fetch(`${emulator?.url}/admin/identities`, {
      method: "POST",
      body: JSON.stringify({ traits: { email: "a@example.com" } }),
    });
    expect([created.status, created.headers.get("cache-control"), await created.json()]).toEqual([
      201,
      "private, no-cache",
      { id: "00000000-0000-4000-8000-000000000010", state: "active", traits: { email: "a@example.com" } },
    ]);
  });

  describe("eventual reads", () => {
    const create = (email: string) => send("POST", "/admin/identities", { traits: { email } });

    it("lists lag behind creates, updates and deletes unless consistency=strong, and catch up after the lag", async () => {
      await start({ eventualReads: { lagMs: 2000 } });
      await create("a@example.com");
      await create("b@example.com");
      jest.setSystemTime(T + 2001);
      expect(await emails("/admin/identities")).toEqual(["a@example.com", "b@example.com"]);

      const [a] = [...upstream.identities.keys()];
      await create("c@example.com"); // created now
      await send("PUT", `/admin/identities/${a}`, { traits: { email: "a2@example.com" }, state: "active" });
      const b = [...upstream.identities.keys()][1];
      expect((await send("DELETE", `/admin/identities/${b}`)).status).toBe(204);

      jest.setSystemTime(T + 3000);
      expect(await emails("/admin/identities")).toEqual(["a@example.com", "b@example.com"]);
      expect(await emails("/admin/identities?consistency=eventual")).toEqual(["a@example.com", "b@example.com"]);
      expect(await emails("/admin/identities?consistency=strong")).toEqual(["a2@example.com", "c@example.com"]);
      expect(await emails(`/admin/identities?ids=${b}&ids=${a}`)).toEqual(["a@example.com", "b@example.com"]);
      expect(await emails(`/admin/identities?ids=${a}&consistency=strong`)).toEqual(["a2@example.com"]);
      // Other reads are not affected.
      expect(JSON.parse((await send("GET", `/admin/identities/${a}`)).body).traits.email).toBe("a2@example.com");
      expect((await send("GET", `/admin/identities/${b}`)).status).toBe(404);
      expect(emulator?.staleReads).toBe(3);

      jest.setSystemTime(T + 4002);
      expect(await emails("/admin/identities")).toEqual(["a2@example.com", "c@example.com"]);
    });

    it("puts a deleted identity back on the page of its id range, and hides batch creates", async () => {
      await start({ eventualReads: { lagMs: 1000 } });
      for (const email of ["a", "b", "c", "d", "e"]) await create(`${email}@example.com`);
      jest.setSystemTime(T + 1001);
      const ids = [...upstream.identities.keys()];
      for (const id of [ids[1], ids[2]]) await send("DELETE", `/admin/identities/${id}`);
      await send("PATCH", "/admin/identities", {
        identities: [{ patch_id: "p1", create: { traits: { email: "f@example.com" } } }],
      });

      const pages: string[][] = [];
      for (let path: string | undefined = "/admin/identities?page_size=2"; path;) {
        const response = await fetch(`${emulator?.url}${path}`);
        pages.push(((await response.json()) as Identity[]).map((i) => i.traits.email));
        path = /<([^>]+)>; rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
      }
      // The server's pages are [a, d] [e, f]; as they were a second ago: [a, b, c, d] [e].
      expect(pages).toEqual([["a@example.com", "b@example.com", "c@example.com", "d@example.com"], ["e@example.com"]]);
    });

    it("with a strong default, only consistency=eventual lags", async () => {
      await start({ eventualReads: { lagMs: 1000, defaultConsistency: "strong" } });
      await create("a@example.com");
      expect(await emails("/admin/identities")).toEqual(["a@example.com"]);
      expect(await emails("/admin/identities?consistency=eventual")).toEqual([]);
    });
  });
});
