import { OryNetworkError, ServerUnreachableError, UncertainWriteError } from "../../../src/ory/errors";
import { createRetryingFetch, RequestEvent, withoutCredentials } from "../../../src/ory/fetch";
import { fakeFetch, instantPolicy, json, networkError, sequence } from "./fake";

const ENDPOINT = "http://kratos.test:4434";

function setup(handler: Parameters<typeof fakeFetch>[0], overrides = {}) {
  const fake = fakeFetch(handler);
  const policy = instantPolicy(overrides);
  const events: RequestEvent[] = [];
  const retrying = createRetryingFetch({ fetch: fake.fetch, endpoint: ENDPOINT, policy, onRequest: (event) => events.push(event) });
  return { retrying, calls: fake.calls, delays: policy.delays, events };
}

const post = { method: "POST", body: "{}" };

describe("createRetryingFetch", () => {
  it("retries 503 until success", async () => {
    const { retrying, calls } = setup(sequence(json(503, {}), json(503, {}), json(200, [])));
    const response = await retrying(`${ENDPOINT}/admin/identities`);
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it("returns a final 4xx after one attempt", async () => {
    const { retrying, calls } = setup(sequence(json(409, {}), json(201, {})));
    expect((await retrying(`${ENDPOINT}/admin/identities`, post)).status).toBe(409);
    expect(calls).toHaveLength(1);
  });

  it("returns the last 5xx after 1 + retries attempts", async () => {
    const { retrying, calls } = setup(sequence(json(500, {})));
    expect((await retrying(`${ENDPOINT}/admin/identities`)).status).toBe(500);
    expect(calls).toHaveLength(7);
  });

  it("honours the retries option", async () => {
    const { retrying, calls } = setup(sequence(json(502, {})), { retries: 0 });
    expect((await retrying(`${ENDPOINT}/admin/identities`)).status).toBe(502);
    expect(calls).toHaveLength(1);
  });

  it("waits what Retry-After asks for before retrying a POST that got 429", async () => {
    const { retrying, calls, delays } = setup(sequence(json(429, {}, { "retry-after": "3" }), json(201, { id: "a" })));
    expect((await retrying(`${ENDPOINT}/admin/identities`, post)).status).toBe(201);
    expect(calls.map((call) => call.method)).toEqual(["POST", "POST"]);
    expect(delays).toEqual([3000]);
  });

  it("sends the same body again on a retry", async () => {
    const { retrying, calls } = setup(sequence(json(503, {}), json(200, {})));
    await retrying(`${ENDPOINT}/admin/identities/x`, { method: "PATCH", body: JSON.stringify([{ op: "remove", path: "/a" }]) });
    expect(calls.map((call) => call.body)).toEqual([[{ op: "remove", path: "/a" }], [{ op: "remove", path: "/a" }]]);
  });

  it("does not repeat a POST whose connection was reset", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNRESET"), json(201, {})));
    await expect(retrying(`${ENDPOINT}/admin/identities`, post)).rejects.toThrow(UncertainWriteError);
    expect(calls).toHaveLength(1);
  });

  it("does not repeat a batch PATCH whose gateway timed out", async () => {
    const { retrying, calls } = setup(sequence(json(504, {}), json(200, {})));
    const error = await retrying(`${ENDPOINT}/admin/identities`, { method: "PATCH", body: "{}" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UncertainWriteError);
    expect((error as UncertainWriteError).detail).toBe("HTTP 504");
    expect(calls).toHaveLength(1);
  });

  it("repeats a GET and a PATCH by id after a reset connection", async () => {
    const get = setup(sequence(networkError("ECONNRESET"), networkError("UND_ERR_SOCKET"), json(200, [])));
    expect((await get.retrying(`${ENDPOINT}/admin/identities`)).status).toBe(200);
    expect(get.calls).toHaveLength(3);
    const patch = setup(sequence(networkError("ECONNRESET"), json(200, {})));
    expect((await patch.retrying(`${ENDPOINT}/admin/identities/x`, { method: "PATCH", body: "[]" })).status).toBe(200);
    expect(patch.calls).toHaveLength(2);
  });

  it("gives up on an idempotent request after the retries with a network error", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNRESET")));
    const error = await retrying(`${ENDPOINT}/admin/identities`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OryNetworkError);
    expect(error).toMatchObject({ method: "GET", path: "/admin/identities", code: "ECONNRESET", attempts: 7 });
    expect(calls).toHaveLength(7);
  });

  it("reports an endpoint that refuses connections after 1 + connectRetries attempts", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNREFUSED")));
    const error = await retrying(`${ENDPOINT}/admin/identities`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toContain(`server unreachable at ${ENDPOINT}`);
    expect(calls).toHaveLength(3);
  });

  it("retries a refused POST (it never reached the server)", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNREFUSED"), json(201, {})));
    expect((await retrying(`${ENDPOINT}/admin/identities`, post)).status).toBe(201);
    expect(calls).toHaveLength(2);
  });

  it("gives a refused connection the full budget once the server has answered", async () => {
    const { retrying, calls } = setup(sequence(json(200, []), networkError("ECONNREFUSED")));
    await retrying(`${ENDPOINT}/admin/identities`);
    await expect(retrying(`${ENDPOINT}/admin/identities`)).rejects.toThrow(ServerUnreachableError);
    expect(calls).toHaveLength(1 + 7);
  });

  it("stops at once when the request is aborted", async () => {
    const controller = new AbortController();
    const { retrying, calls } = setup(() => {
      controller.abort();
      return Object.assign(new Error("aborted"), { name: "AbortError" });
    });
    await expect(retrying(`${ENDPOINT}/admin/identities`, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(calls).toHaveLength(1);
  });

  it("reports every attempt without credentials in the URL", async () => {
    const { retrying, events } = setup(sequence(json(503, {}), networkError("ECONNRESET"), json(200, [])));
    await retrying("http://user:pw@kratos.test:4434/admin/identities?page_size=2");
    expect(events.map(({ durationMs, ...rest }) => rest)).toEqual([
      { method: "GET", url: "http://kratos.test:4434/admin/identities?page_size=2", attempt: 1, status: 503 },
      { method: "GET", url: "http://kratos.test:4434/admin/identities?page_size=2", attempt: 2, error: "ECONNRESET" },
      { method: "GET", url: "http://kratos.test:4434/admin/identities?page_size=2", attempt: 3, status: 200 },
    ]);
    expect(events.every((event) => event.durationMs === 0)).toBe(true);
  });
});

describe("withoutCredentials", () => {
  it("strips user info and leaves other URLs alone", () => {
    expect(withoutCredentials("https://a:b@h.test/x?y=1")).toBe("https://h.test/x?y=1");
    expect(withoutCredentials("https://h.test/x")).toBe("https://h.test/x");
  });
});
