// The test proxy itself, in front of a tiny in-process upstream: the hook stages, dropping a request before or after
// the upstream handled it, the 401 for a rejected API key, and seeded faults that repeat exactly.
import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Proxy, Recorded, seeded, startProxy } from "../../support/proxy";

function release(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("test proxy", () => {
  let upstream: Server;
  let target: string;
  const handled: string[] = [];
  let proxy: Proxy | undefined;
  let slow = release();

  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      handled.push(`${req.method} ${req.url}`);
      if (req.url === "/slow") await slow.promise;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    handled.length = 0;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  const send = (url: string, method = "GET", headers: Record<string, string> = {}) =>
    fetch(url, { method, headers, body: method === "GET" ? undefined : "{}" }).then(
      async (response) => ({ status: response.status, body: await response.text() }),
      (error: Error) => ({ status: 0, body: error.message }),
    );

  it("calls the hook when a request arrives and when the server answered, with the record", async () => {
    proxy = await startProxy({ target });
    const seen: Array<[string, string, number | undefined]> = [];
    proxy.setHook((request, stage) => {
      seen.push([stage, `${request.method} ${request.path}`, request.status]);
    });
    expect(await send(`${proxy.url}/a`, "POST")).toEqual({ status: 200, body: '{"ok":true}' });
    expect(seen).toEqual([
      ["received", "POST /a", undefined],
      ["answered", "POST /a", 200],
    ]);
    expect(handled).toEqual(["POST /a"]);
  });

  it("drop on arrival: the server never sees the request, the client loses the connection", async () => {
    proxy = await startProxy({ target });
    proxy.setHook((request, stage) => (stage === "received" && request.path === "/lost" ? "drop" : undefined));
    expect((await send(`${proxy.url}/lost`, "PATCH")).status).toBe(0);
    expect(await send(`${proxy.url}/kept`, "PATCH")).toEqual({ status: 200, body: '{"ok":true}' });
    expect(handled).toEqual(["PATCH /kept"]);
    expect(proxy.requests.map((r: Recorded) => [r.path, r.fault])).toEqual([
      ["/lost", "dropped-before"],
      ["/kept", undefined],
    ]);
  });

  it("drop after the answer: the server handled the request, the client never hears", async () => {
    proxy = await startProxy({ target });
    let waited = false;
    proxy.setHook(async (_request, stage) => {
      if (stage !== "answered") return undefined;
      await new Promise((resolve) => setImmediate(resolve));
      waited = true;
      return "drop";
    });
    expect((await send(`${proxy.url}/applied`, "PUT")).status).toBe(0);
    expect(waited).toBe(true);
    expect(handled).toEqual(["PUT /applied"]);
    expect(proxy.requests[0]).toMatchObject({ path: "/applied", status: 200, fault: "dropped-after" });
  });

  it("answers 401 for a rejected API key without forwarding, and forwards other keys", async () => {
    proxy = await startProxy({ target, rejectTokens: ["bad-token-123"] });
    const denied = await send(`${proxy.url}/admin/identities`, "GET", { authorization: "Bearer bad-token-123" });
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body).error).toMatchObject({
      code: 401,
      reason: "the API key bad-token-123 is not valid for this project",
    });
    expect(await send(`${proxy.url}/admin/identities`, "GET", { authorization: "Bearer good-token" })).toEqual({
      status: 200,
      body: '{"ok":true}',
    });
    expect(await send(`${proxy.url}/admin/identities`)).toEqual({ status: 200, body: '{"ok":true}' });
    expect(handled).toEqual(["GET /admin/identities", "GET /admin/identities"]);
    expect(proxy.requests.map((r) => [r.authorization, r.fault])).toEqual([
      ["Bearer bad-token-123", "401"],
      ["Bearer good-token", undefined],
      [undefined, undefined],
    ]);
  });

  it("injects seeded faults: the same seed gives the same faults, only on matching requests", async () => {
    const run = async () => {
      const p = await startProxy({
        target,
        seed: 42,
        faults: { rate429: 0.2, rate503: 0.2, resetAfter: 0.2, match: (method) => method === "PATCH" },
      });
      for (let i = 0; i < 30; i++) await send(`${p.url}/w${i}`, "PATCH");
      await send(`${p.url}/read`);
      const faults = p.requests.map((r) => r.fault ?? "-");
      await p.stop();
      return faults;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first[30]).toBe("-");
    expect(new Set(first.slice(0, 30))).toEqual(new Set(["-", "429", "503", "reset-after"]));
    // Injected 429/503 never reach the server; resets after forwarding do.
    const forwarded = first.slice(0, 30).filter((f) => f === "-" || f === "reset-after").length;
    expect(handled.filter((h) => h.startsWith("PATCH")).length).toBe(2 * forwarded);
  });

  it("settled() waits for a request the server is still handling, although its client is gone", async () => {
    proxy = await startProxy({ target });
    slow = release();
    const client = new AbortController();
    const answer = fetch(`${proxy.url}/slow`, { method: "POST", body: "{}", signal: client.signal }).catch(
      (error: Error) => error.name,
    );
    while (!handled.includes("POST /slow")) await new Promise((resolve) => setTimeout(resolve, 5));
    client.abort();
    expect(await answer).toBe("AbortError");
    let done = false;
    const settled = proxy.settled().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    slow.resolve();
    await settled;
    expect(done).toBe(true);
    await proxy.settled(); // nothing in flight: resolves at once
  });

  it("seeded() is a deterministic generator in [0, 1)", () => {
    const a = seeded(7);
    const b = seeded(7);
    const values = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
