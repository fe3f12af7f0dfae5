import {
  backoffMs,
  CONCURRENT_UPDATE_MESSAGE,
  decide,
  describeNetworkError,
  isConcurrentUpdate,
  isIdempotent,
  isRetriableStatus,
  networkErrorCode,
  Outcome,
  RETRY_DEFAULTS,
  retryPolicy,
} from "../../../src/ory/retry";
import { networkError } from "./fake";

const NOW = 1_700_000_000_000;
const policy = retryPolicy({
  retries: 2,
  connectRetries: 1,
  minDelayMs: 100,
  maxDelayMs: 1000,
  random: () => 0.5,
  now: () => NOW,
});

function response(status: number, headers: Record<string, string> = {}): Outcome {
  return { kind: "response", status, headers: new Headers(headers) };
}
const network = (code?: string, terminal = false): Outcome => ({
  kind: "network",
  code,
  reason: "",
  hint: "",
  terminal,
});
const GET = { method: "GET", pathname: "/admin/identities" };
const POST = { method: "POST", pathname: "/admin/identities" };
const BATCH = { method: "PATCH", pathname: "/admin/identities" };
const PATCH_ONE = { method: "PATCH", pathname: "/admin/identities/6d5f" };
const DELETE = { method: "DELETE", pathname: "/admin/identities/6d5f" };

describe("retryPolicy", () => {
  it("documents its defaults", () => {
    expect(RETRY_DEFAULTS).toMatchObject({
      retries: 6,
      minDelayMs: 200,
      maxDelayMs: 10000,
      maxServerDelayMs: 60000,
      connectRetries: 2,
    });
  });

  it("keeps defaults for options given as undefined", () => {
    expect(retryPolicy({ retries: undefined, minDelayMs: 0 })).toMatchObject({ retries: 6, minDelayMs: 0 });
  });
});

describe("isRetriableStatus", () => {
  it.each([429, 500, 502, 503, 504, 599])("%i is retriable", (status) => expect(isRetriableStatus(status)).toBe(true));
  it.each([200, 201, 204, 400, 401, 403, 404, 409, 422, 501])("%i is final", (status) =>
    expect(isRetriableStatus(status)).toBe(false),
  );
});

describe("isIdempotent", () => {
  it.each([
    ["GET", "/admin/identities", true],
    ["PUT", "/admin/identities/x", true],
    ["DELETE", "/admin/identities/x", true],
    ["PATCH", "/admin/identities/x", true],
    ["patch", "/prefix/admin/identities/x", true],
    ["POST", "/admin/identities", false],
    ["PATCH", "/admin/identities", false],
    ["PATCH", "/admin/identities/", false],
    ["PATCH", "/prefix/admin/identities", false],
  ])("%s %s -> %s", (method, path, expected) => expect(isIdempotent(method, path)).toBe(expected));
});

describe("decide: answers", () => {
  it.each([
    ["GET 503", GET, 503, { action: "retry", delayMs: 50 }],
    ["GET 500", GET, 500, { action: "retry", delayMs: 50 }],
    ["GET 429", GET, 429, { action: "retry", delayMs: 50 }],
    ["GET 501", GET, 501, { action: "done" }],
    ["GET 404", GET, 404, { action: "done" }],
    ["GET 200", GET, 200, { action: "done" }],
    ["POST 429", POST, 429, { action: "retry", delayMs: 50 }],
    ["POST 503", POST, 503, { action: "retry", delayMs: 50 }],
    ["POST 409", POST, 409, { action: "done" }],
    ["POST 500", POST, 500, { action: "done" }],
    ["POST 502", POST, 502, { action: "uncertain" }],
    ["POST 504", POST, 504, { action: "uncertain" }],
    ["batch PATCH 503", BATCH, 503, { action: "retry", delayMs: 50 }],
    ["batch PATCH 504", BATCH, 504, { action: "uncertain" }],
    ["PATCH by id 502", PATCH_ONE, 502, { action: "retry", delayMs: 50 }],
    ["DELETE 504", DELETE, 504, { action: "retry", delayMs: 50 }],
  ])("%s on the first attempt", (_name, request, status, expected) => {
    expect(decide(request, response(status), 1, true, policy)).toEqual(expected);
  });

  it("hands the last retriable answer to the caller once retries are used up", () => {
    expect(decide(GET, response(503), 2, true, policy)).toEqual({ action: "retry", delayMs: 100 });
    expect(decide(GET, response(503), 3, true, policy)).toEqual({ action: "done" });
    expect(decide(POST, response(429), 3, true, policy)).toEqual({ action: "done" });
  });

  it("waits at least what Retry-After asks for", () => {
    expect(decide(GET, response(429, { "retry-after": "7" }), 1, true, policy)).toEqual({
      action: "retry",
      delayMs: 7000,
    });
    expect(decide(GET, response(503, { "retry-after": "0" }), 1, true, policy)).toEqual({
      action: "retry",
      delayMs: 50,
    });
  });

  it("waits until x-ratelimit-reset on 429", () => {
    const reset = String(NOW / 1000 + 3);
    expect(decide(POST, response(429, { "x-ratelimit-reset": reset }), 1, true, policy)).toEqual({
      action: "retry",
      delayMs: 3000,
    });
  });

  it("caps what the server asks for at maxServerDelayMs", () => {
    const capped = retryPolicy({ ...policy, maxServerDelayMs: 2000 });
    expect(decide(GET, response(429, { "retry-after": "3600" }), 1, true, capped)).toEqual({
      action: "retry",
      delayMs: 2000,
    });
  });
});

describe("decide: Kratos' concurrent-update refusal (400)", () => {
  // Kratos master answers a DELETE whose SQLite write lock did not come within busy_timeout so (seen on the real server).
  const concurrent: Outcome = { kind: "response", status: 400, headers: new Headers(), concurrentUpdate: true };

  it.each([
    ["DELETE", DELETE, { action: "retry", delayMs: 50 }],
    ["PATCH by id", PATCH_ONE, { action: "retry", delayMs: 50 }],
    ["GET", GET, { action: "retry", delayMs: 50 }],
    ["POST (not idempotent)", POST, { action: "done" }],
    ["batch PATCH (not idempotent)", BATCH, { action: "done" }],
  ])("%s on the first attempt", (_name, request, expected) => {
    expect(decide(request, concurrent, 1, true, policy)).toEqual(expected);
  });

  it("hands the refusal to the caller once retries are used up; any other 400 is final", () => {
    expect(decide(DELETE, concurrent, 3, true, policy)).toEqual({ action: "done" });
    expect(decide(DELETE, response(400), 1, true, policy)).toEqual({ action: "done" });
  });
});

describe("isConcurrentUpdate", () => {
  const body = (message: unknown) => JSON.stringify({ error: { code: 400, status: "Bad Request", message } });

  it("is Kratos' 400 with the message of sqlcon.ErrConcurrentUpdate, and nothing else", () => {
    // The body Kratos master answered (seen on the real server, SQLite locked past busy_timeout).
    expect(
      isConcurrentUpdate(
        400,
        '{"error":{"code":400,"status":"Bad Request","message":"Unable to serialize access due to a concurrent update in another session"}}',
      ),
    ).toBe(true);
    expect(isConcurrentUpdate(400, body(CONCURRENT_UPDATE_MESSAGE))).toBe(true);
    expect(isConcurrentUpdate(409, body(CONCURRENT_UPDATE_MESSAGE))).toBe(false);
    expect(isConcurrentUpdate(400, body("The request was malformed or contained invalid parameters"))).toBe(false);
    expect(isConcurrentUpdate(400, JSON.stringify({ message: CONCURRENT_UPDATE_MESSAGE }))).toBe(false);
    expect(isConcurrentUpdate(400, "not json")).toBe(false);
    expect(isConcurrentUpdate(400, "null")).toBe(false);
  });
});

describe("decide: network errors", () => {
  it("retries idempotent requests after a lost connection, then fails", () => {
    expect(decide(GET, network("ECONNRESET"), 1, true, policy)).toEqual({ action: "retry", delayMs: 50 });
    expect(decide(DELETE, network("UND_ERR_SOCKET"), 2, true, policy)).toEqual({ action: "retry", delayMs: 100 });
    expect(decide(PATCH_ONE, network(undefined), 1, true, policy)).toEqual({ action: "retry", delayMs: 50 });
    expect(decide(GET, network("ECONNRESET"), 3, true, policy)).toEqual({ action: "fail" });
  });

  it("never repeats a non-idempotent write whose request may have been sent", () => {
    expect(decide(POST, network("ECONNRESET"), 1, true, policy)).toEqual({ action: "uncertain" });
    expect(decide(BATCH, network("UND_ERR_HEADERS_TIMEOUT"), 1, true, policy)).toEqual({ action: "uncertain" });
    expect(decide(POST, network(undefined), 1, true, policy)).toEqual({ action: "uncertain" });
  });

  it("retries a refused connection a few times before the server ever answered, for any method", () => {
    expect(decide(POST, network("ECONNREFUSED"), 1, false, policy)).toEqual({ action: "retry", delayMs: 50 });
    expect(decide(GET, network("ECONNREFUSED"), 2, false, policy)).toEqual({ action: "unreachable" });
    expect(decide(GET, network("ENOTFOUND"), 2, false, policy)).toEqual({ action: "unreachable" });
  });

  it("gives a refused connection the full budget once the server has answered (a restart)", () => {
    expect(decide(GET, network("ECONNREFUSED"), 2, true, policy)).toEqual({ action: "retry", delayMs: 100 });
    expect(decide(BATCH, network("ECONNREFUSED"), 2, true, policy)).toEqual({ action: "retry", delayMs: 100 });
    expect(decide(GET, network("ECONNREFUSED"), 3, true, policy)).toEqual({ action: "unreachable" });
  });
});

describe("decide: failures no retry can cure", () => {
  it("ends at the first attempt, for any method, whether or not the server has answered", () => {
    for (const request of [GET, POST, BATCH]) {
      for (const connected of [false, true])
        expect(decide(request, network(undefined, true), 1, connected, policy)).toEqual({ action: "unreachable" });
    }
  });
});

describe("describeNetworkError", () => {
  const url = new URL("http://kratos.test:4434/admin/version");
  /** What Node 20's fetch throws for a request it refuses to send: nothing leaves the process. */
  const refusedByFetch = (target: string, init?: RequestInit) =>
    fetch(target, init).then(
      () => undefined,
      (error: unknown) => error,
    );

  it("a redirect loop is terminal: the same request loops the same way again", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => res.writeHead(307, { location: req.url ?? "/" }).end());
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const target = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/admin/version`);
      expect(describeNetworkError(await refusedByFetch(target.href), target)).toEqual({
        code: undefined,
        reason: "the server redirects in a loop (more than 20 redirects)",
        hint: "check the endpoint: give the admin API's base URL",
        terminal: true,
      });
    } finally {
      server.close();
    }
  });

  it("explains, as terminal, what Node's own fetch refuses", async () => {
    expect(
      describeNetworkError(await refusedByFetch("http://127.0.0.1:6000/"), new URL("http://127.0.0.1:6000/")),
    ).toEqual({
      code: undefined,
      reason: 'fetch refuses port 6000 (a "bad port" in the fetch standard)',
      hint: "use another port",
      terminal: true,
    });
    const ftp = new URL("ftp://127.0.0.1:4434/");
    expect(describeNetworkError(await refusedByFetch(ftp.href), ftp)).toMatchObject({
      reason: "fetch does not support ftp: URLs",
      terminal: true,
    });
    const file = new URL("file:///etc/hostname");
    expect(describeNetworkError(await refusedByFetch(file.href), file)).toMatchObject({
      reason: "fetch does not support file: URLs",
      terminal: true,
    });
    for (const key of ["ory_pat_a\nb", "ory_pat_a\rb", "ory_pat_\u20ac"]) {
      const failure = describeNetworkError(
        await refusedByFetch("http://127.0.0.1:4434/", { headers: { Authorization: `Bearer ${key}` } }),
        url,
      );
      expect(failure).toMatchObject({
        reason: "a request header has an invalid value (a line break or a character beyond Latin-1)",
        terminal: true,
      });
      expect(JSON.stringify(failure)).not.toContain("ory_pat_");
    }
  });

  it.each([
    // as undici reports them in Node 20 (observed against loopback servers and an unresolvable name)
    ["ENOTFOUND", "getaddrinfo ENOTFOUND kratos.test", "no such host kratos.test", true],
    [
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "self-signed certificate",
      "TLS certificate refused: self-signed certificate",
      true,
    ],
    [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "unable to verify the first certificate",
      "TLS certificate refused: unable to verify the first certificate",
      true,
    ],
    ["CERT_HAS_EXPIRED", "certificate has expired", "TLS certificate refused: certificate has expired", true],
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
      "TLS certificate refused: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list",
      true,
    ],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "ssl3_get_record:wrong version number", "the server does not speak TLS", true],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:4434", "connection refused", false],
    ["ECONNRESET", "read ECONNRESET", "connection reset", false],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN kratos.test", "DNS lookup failed for now", false],
    ["UND_ERR_SOCKET", "other side closed", "connection closed by the server", false],
    ["UND_ERR_HEADERS_TIMEOUT", "Headers Timeout Error", "no answer in time", false],
    [
      "HPE_INVALID_CONSTANT",
      "Response does not match the HTTP/1.1 protocol (Expected HTTP/)",
      "the answer is not HTTP (a TLS server given as http://, or not an HTTP server)",
      true,
    ],
    ["HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", "Invalid character in chunk size", false],
  ])("%s: %j", (code, message, reason, terminal) => {
    expect(describeNetworkError(networkError(code, message), url)).toMatchObject({ code, reason, terminal });
  });

  it("reads the code of an AggregateError (a name with several addresses)", () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error("connect ECONNREFUSED ::1:4434"), { code: "ECONNREFUSED" })],
      "",
    );
    expect(describeNetworkError(new TypeError("fetch failed", { cause: aggregate }), url)).toMatchObject({
      code: "ECONNREFUSED",
      reason: "connection refused",
      terminal: false,
    });
  });
});

describe("backoffMs", () => {
  it("doubles the ceiling per attempt up to maxDelayMs, with full jitter", () => {
    const top = { minDelayMs: 100, maxDelayMs: 1000, random: () => 0.9999 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(4, { ...top, random: () => 0 })).toBe(0);
  });

  it("is 0 when delays are configured to 0", () => {
    expect(backoffMs(5, { minDelayMs: 0, maxDelayMs: 0, random: () => 0.7 })).toBe(0);
  });
});

describe("networkErrorCode", () => {
  it("reads undici's cause", () => {
    const error = new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) });
    expect(networkErrorCode(error)).toBe("ECONNRESET");
  });

  it("reads an AggregateError's first error", () => {
    const aggregate = new AggregateError([Object.assign(new Error("a"), { code: "ECONNREFUSED" })], "connect");
    expect(networkErrorCode(new TypeError("fetch failed", { cause: aggregate }))).toBe("ECONNREFUSED");
  });

  it("reads a code on the error itself", () => {
    expect(networkErrorCode(Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }))).toBe("UND_ERR_SOCKET");
  });

  it("is undefined without a code", () => {
    expect(networkErrorCode(new Error("boom"))).toBeUndefined();
    expect(networkErrorCode("boom")).toBeUndefined();
    expect(networkErrorCode(undefined)).toBeUndefined();
  });
});
