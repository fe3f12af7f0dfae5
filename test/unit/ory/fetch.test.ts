import { OryNetworkError, ServerUnreachableError, UncertainWriteError } from "../../../src/ory/errors";
import { createRetryingFetch, RequestEvent, withoutCredentials } from "../../../src/ory/fetch";
import { fakeFetch, instantPolicy, json, networkError, sequence } from "./fake";

const ENDPOINT = "http://kratos.test:4434";

function setup(handler: Parameters<typeof fakeFetch>[0], overrides = {}) {
  const fake = fakeFetch(handler);
  const policy = instantPolicy(overrides);
  const events: RequestEvent[] = [];
  const retrying = createRetryingFetch({ fetch: fake.fetch, policy, onRequest: (event) => events.push(event) });
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
    await retrying(`${ENDPOINT}/admin/identities/x`, {
      method: "PATCH",
      body: JSON.stringify([{ op: "remove", path: "/a" }]),
    });
    expect(calls.map((call) => call.body)).toEqual([[{ op: "remove", path: "/a" }], [{ op: "remove", path: "/a" }]]);
  });

  it("repeats a DELETE that Kratos refused for a concurrent update (400), and no other 400", async () => {
    const concurrent = () =>
      json(400, {
        error: {
          code: 400,
          status: "Bad Request",
          message: "Unable to serialize access due to a concurrent update in another session",
        },
      });
    const deleted = setup(sequence(concurrent, concurrent, () => json(204, null)));
    expect((await deleted.retrying(`${ENDPOINT}/admin/identities/x`, { method: "DELETE" })).status).toBe(204);
    expect(deleted.calls.map((call) => call.method)).toEqual(["DELETE", "DELETE", "DELETE"]);
    expect(deleted.events.map((event) => event.status)).toEqual([400, 400, 204]);

    // Retries used up: the caller reads the server's answer, body and all.
    const refused = setup(sequence(concurrent), { retries: 2 });
    const answer = await refused.retrying(`${ENDPOINT}/admin/identities/x`, { method: "DELETE" });
    expect({ status: answer.status, body: await answer.json(), calls: refused.calls.length }).toEqual({
      status: 400,
      body: { error: expect.objectContaining({ message: expect.stringContaining("concurrent update") }) },
      calls: 3,
    });

    const bad = setup(
      sequence(
        () => json(400, { error: { code: 400, message: "The request was malformed or contained invalid parameters" } }),
        () => json(204, null),
      ),
    );
    expect((await bad.retrying(`${ENDPOINT}/admin/identities/x`, { method: "DELETE" })).status).toBe(400);
    expect(bad.calls).toHaveLength(1);
  });

  it("does not repeat a POST that Kratos refused for a concurrent update", async () => {
    const { retrying, calls } = setup(
      sequence(
        () =>
          json(400, {
            error: { code: 400, message: "Unable to serialize access due to a concurrent update in another session" },
          }),
        () => json(201, {}),
      ),
    );
    expect((await retrying(`${ENDPOINT}/admin/identities`, post)).status).toBe(400);
    expect(calls).toHaveLength(1);
  });

  it("does not repeat a POST whose connection was reset", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNRESET"), json(201, {})));
    await expect(retrying(`${ENDPOINT}/admin/identities`, post)).rejects.toThrow(UncertainWriteError);
    expect(calls).toHaveLength(1);
  });

  it("does not repeat a batch PATCH whose gateway timed out", async () => {
    const { retrying, calls } = setup(sequence(json(504, {}), json(200, {})));
    const error = await retrying(`${ENDPOINT}/admin/identities`, { method: "PATCH", body: "{}" }).catch(
      (e: unknown) => e,
    );
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
    expect((error as Error).message).toBe(
      `GET ${ENDPOINT}/admin/identities: connection reset (ECONNRESET) after 7 attempts`,
    );
    expect(calls).toHaveLength(7);
  });

  it("reports an endpoint that refuses connections after 1 + connectRetries attempts", async () => {
    const { retrying, calls } = setup(sequence(networkError("ECONNREFUSED")));
    const error = await retrying(`${ENDPOINT}/admin/identities`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      `server unreachable at ${ENDPOINT}/admin/identities: connection refused (ECONNREFUSED) after 3 attempts; check the endpoint and that the server is running`,
    );
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
    await expect(retrying(`${ENDPOINT}/admin/identities`)).rejects.toThrow(
      `server unreachable at ${ENDPOINT}/admin/identities: connection refused (ECONNREFUSED) after 7 attempts`,
    );
    expect(calls).toHaveLength(1 + 7);
  });

  it("stops at once when the request is aborted", async () => {
    const controller = new AbortController();
    const { retrying, calls } = setup(() => {
      controller.abort();
      return Object.assign(new Error("aborted"), { name: "AbortError" });
    });
    await expect(retrying(`${ENDPOINT}/admin/identities`, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(calls).toHaveLength(1);
  });

  it("reports every attempt without credentials in the URL", async () => {
    const { retrying, events } = setup(sequence(json(503, {}), networkError("ECONNRESET"), json(200, [])));
    await retrying("http://user:pw@kratos.test:4434/admin/identities?page_size=2");
    expect(events.map(({ durationMs, ...rest }) => rest)).toEqual([
      {
        method: "GET",
        url: "http://kratos.test:4434/admin/identities?page_size=2",
        attempt: 1,
        status: 503,
        bucket: "kratos-admin-medium",
      },
      {
        method: "GET",
        url: "http://kratos.test:4434/admin/identities?page_size=2",
        attempt: 2,
        error: "ECONNRESET",
        bucket: "kratos-admin-medium",
      },
      {
        method: "GET",
        url: "http://kratos.test:4434/admin/identities?page_size=2",
        attempt: 3,
        status: 200,
        bucket: "kratos-admin-medium",
      },
    ]);
    expect(events.every((event) => event.durationMs === 0)).toBe(true);
  });
});

describe("createRetryingFetch: failures no retry can cure", () => {
  /** On Node's own fetch: these fail before anything leaves the process. */
  function real() {
    const events: RequestEvent[] = [];
    const retrying = createRetryingFetch({ fetch, policy: instantPolicy(), onRequest: (event) => events.push(event) });
    return { retrying, events };
  }

  it("fails at once on a port fetch refuses, naming the URL and the reason", async () => {
    const { retrying, events } = real();
    const error = await retrying("http://127.0.0.1:9/admin/version").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      'server unreachable at http://127.0.0.1:9/admin/version: fetch refuses port 9 (a "bad port" in the fetch standard); use another port',
    );
    expect(events).toHaveLength(1);
  });

  it("fails at once on a scheme fetch does not support", async () => {
    const { retrying, events } = real();
    const error = await retrying("ftp://127.0.0.1:4434/admin/version").catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "server unreachable at ftp://127.0.0.1:4434/admin/version: fetch does not support ftp: URLs; use http or https",
    );
    expect(events).toHaveLength(1);
  });

  it("fails at once on a header value fetch refuses, without quoting it", async () => {
    const { retrying, events } = real();
    const headers = { Authorization: "Bearer ory_pat_SECRET\nX-Injected: 1" };
    const error = await retrying("http://127.0.0.1:4434/admin/version", { headers }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "server unreachable at http://127.0.0.1:4434/admin/version: a request header has an invalid value (a line break or a character beyond Latin-1); " +
        "check the API key (ORY_API_KEY) and the endpoint",
    );
    expect(events).toHaveLength(1);
  });

  it("fails at once on a host name that does not exist, also for a POST and without the URL's credentials", async () => {
    const { retrying, calls } = setup(
      sequence(networkError("ENOTFOUND", "getaddrinfo ENOTFOUND kratos.test"), json(201, {})),
    );
    const error = await retrying("http://user:pw@kratos.test:4434/admin/identities?page_size=1", post).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(
      "server unreachable at http://kratos.test:4434/admin/identities: no such host kratos.test (ENOTFOUND); check the host name of the endpoint",
    );
    expect(calls).toHaveLength(1);
  });

  it("fails at once on a TLS certificate Node refuses, even after the server has answered", async () => {
    const selfSigned = networkError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate");
    const { retrying, calls } = setup(sequence(json(200, []), selfSigned));
    await retrying("https://kratos.test/admin/identities");
    const error = await retrying("https://kratos.test/admin/identities").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^server unreachable at https:\/\/kratos.test\/admin\/identities: TLS certificate refused: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\); /,
    );
    expect(calls).toHaveLength(2);
  });

  it("keeps retrying what a restarting server or network can cure", async () => {
    for (const code of ["ECONNREFUSED", "EAI_AGAIN", "ECONNRESET", "UND_ERR_HEADERS_TIMEOUT"]) {
      const { retrying, calls } = setup(sequence(networkError(code), json(200, [])));
      expect((await retrying(`${ENDPOINT}/admin/identities`)).status).toBe(200);
      expect(calls).toHaveLength(2);
    }
  });
});

describe("withoutCredentials", () => {
  it("strips user info and leaves other URLs alone", () => {
    expect(withoutCredentials("https://a:b@h.test/x?y=1")).toBe("https://h.test/x?y=1");
    expect(withoutCredentials("https://h.test/x")).toBe("https://h.test/x");
  });
});

describe("createRetryingFetch: rate limits per Ory Network bucket", () => {
  it("a spent bucket holds back only its own requests: a list still goes at once after a get spent kratos-admin-high", async () => {
    const { retrying, delays, events } = setup(
      sequence(
        json(200, {}, { "x-ratelimit-limit": "5, 5;w=1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" }),
        json(200, [], { "x-ratelimit-limit": "9, 9;w=1", "x-ratelimit-remaining": "8", "x-ratelimit-reset": "1" }),
        json(200, {}),
      ),
    );
    await retrying(`${ENDPOINT}/admin/identities/3f1c9a52-0000-4000-8000-000000000001`);
    await retrying(`${ENDPOINT}/admin/identities`);
    expect(delays).toEqual([]);
    await retrying(`${ENDPOINT}/admin/identities/3f1c9a52-0000-4000-8000-000000000001`);
    expect(delays).toEqual([5000]);
    expect(events.map((event) => [event.bucket, event.rateLimit])).toEqual([
      ["kratos-admin-high", "5, 5;w=1"],
      ["kratos-admin-medium", "9, 9;w=1"],
      ["kratos-admin-high", undefined],
    ]);
  });
});
