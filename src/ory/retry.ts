// When to retry a request and how long to wait. Pure policy: the loop that applies it is in fetch.ts.
//
// - 429 and 5xx (except 501 Not Implemented) are retried with exponential backoff and full jitter, waiting at
//   least what `Retry-After` / `x-ratelimit-reset` ask for. Every other status is final.
// - A connection that cannot be made (refused, DNS failing for now) never reached the server: any method may be
//   retried, but before the server has answered once only `connectRetries` times, then "server unreachable".
// - A request that no retry can cure (a port or scheme fetch refuses, an unknown host name, a refused TLS
//   certificate, an invalid header value) fails at once; see describeNetworkError.
// - A connection lost after the request was sent: idempotent requests are retried; a non-idempotent write
//   (POST, the batch PATCH /admin/identities) is not, because it may have been applied: the caller verifies.
// - For non-idempotent writes only 429 and 503 are retried (the server refused to process them); a 502/504
//   (a gateway gave up waiting) is as uncertain as a lost connection.
// - A 400 that says the server's database gave up on the request for a concurrent write (Kratos'
//   "Unable to serialize access due to a concurrent update in another session": see isConcurrentUpdate) is retried
//   like a 5xx for idempotent requests: nothing was written, and the same request can succeed a moment later.
import { serverDelayMs } from "./rate-limit";

export interface RetryOptions {
  /** Retries after the first attempt (default 6, so at most 7 attempts). */
  retries?: number;
  /** Backoff base: the n-th retry waits a random time in [0, min(maxDelayMs, minDelayMs * 2^(n-1))) (default 200). */
  minDelayMs?: number;
  /** Cap of one backoff delay (default 10000). */
  maxDelayMs?: number;
  /** Cap of a delay asked for by the server with Retry-After / x-ratelimit-reset (default 60000). */
  maxServerDelayMs?: number;
  /** Retries of a refused/unresolvable connection while the server has not answered yet (default 2). */
  connectRetries?: number;
  /** Waits `ms` (default: a timer that an aborted signal interrupts). Tests inject a recorder. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform random number in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Clock for HTTP dates and epoch resets (default Date.now). */
  now?: () => number;
}

export type RetryPolicy = Required<RetryOptions>;

export const RETRY_DEFAULTS: RetryPolicy = {
  retries: 6,
  minDelayMs: 200,
  maxDelayMs: 10000,
  maxServerDelayMs: 60000,
  connectRetries: 2,
  sleep,
  random: Math.random,
  now: Date.now,
};

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...RETRY_DEFAULTS, ...defined };
}

/** What one attempt produced. */
export type Outcome =
  /** `concurrentUpdate`: the answer is Kratos' concurrent-update refusal (see isConcurrentUpdate). */
  | { kind: "response"; status: number; headers: { get(name: string): string | null }; concurrentUpdate?: boolean }
  | ({ kind: "network" } & NetworkFailure);

/** A fetch that failed without an answer, as describeNetworkError explains it. */
export interface NetworkFailure {
  /** The error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, `CERT_HAS_EXPIRED`, …); fetch gives none for some. */
  code: string | undefined;
  /** What happened, in plain words. */
  reason: string;
  /** What to do about it. */
  hint: string;
  /** No retry can cure it: the same request fails the same way, so it is not sent again. */
  terminal: boolean;
}

export type Decision =
  /** Hand the response to the caller (success, a final error status, or retries exhausted). */
  | { action: "done" }
  | { action: "retry"; delayMs: number }
  /** A non-idempotent write may or may not have been applied. */
  | { action: "uncertain" }
  /** No connection could be made. */
  | { action: "unreachable" }
  /** The connection failed repeatedly on an idempotent request. */
  | { action: "fail" };

/** Network error codes that prove the request never reached the server. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function isRetriableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** The message of Kratos' `sqlcon.ErrConcurrentUpdate` (HTTP 400, gRPC code Aborted). */
export const CONCURRENT_UPDATE_MESSAGE = "Unable to serialize access due to a concurrent update in another session";

/**
 * Whether an answer's body (`{error: {code: 400, message}}`) is Kratos' concurrent-update refusal: its database gave
 * up on the statement because another write held the data, and nothing was written. Kratos (oryx/sqlcon) answers so
 * for a serialization failure of PostgreSQL/CockroachDB (SQLSTATE 40001), a MySQL deadlock, and (Kratos master, after
 * v26.2.0) a SQLite database still locked when its busy_timeout (5 s) ran out; Kratos v1.3.1 and v26.2.0 answer the
 * latter 500 "database is locked", which is retried as a 5xx. Kratos retries its own transactions on this error (oryx/popx/transaction.go), but not a
 * single statement such as the DELETE of `DELETE /admin/identities/{id}`: that answer reaches the client.
 */
export function isConcurrentUpdate(status: number, body: string): boolean {
  if (status !== 400) return false;
  try {
    const error = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error;
    return error?.message === CONCURRENT_UPDATE_MESSAGE;
  } catch {
    return false;
  }
}

/** A request that may be repeated without changing the outcome. PATCH of one identity counts: our JSON Patches
 * only replace/add/remove whole values. The batch PATCH of the collection creates identities: not idempotent. */
export function isIdempotent(method: string, pathname: string): boolean {
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
    case "OPTIONS":
    case "PUT":
    case "DELETE":
      return true;
    case "PATCH":
      return !pathname.replace(/\/+$/, "").endsWith("/admin/identities");
    default:
      return false;
  }
}

/**
 * Decides after attempt number `attempt` (1-based). `connected`: the server has answered at least once on this
 * client, so a refused connection is a restart rather than a wrong endpoint and gets the full retry budget.
 */
export function decide(
  request: { method: string; pathname: string },
  outcome: Outcome,
  attempt: number,
  connected: boolean,
  policy: RetryPolicy,
): Decision {
  const idempotent = isIdempotent(request.method, request.pathname);
  if (outcome.kind === "response") {
    const { status } = outcome;
    const transient = isRetriableStatus(status) || (idempotent && outcome.concurrentUpdate === true);
    if (!transient) return { action: "done" };
    if (!idempotent && status !== 429 && status !== 503)
      return status === 500 ? { action: "done" } : { action: "uncertain" };
    if (attempt > policy.retries) return { action: "done" };
    const backoff = backoffMs(attempt, policy);
    const asked = serverDelayMs(status, outcome.headers, policy.now());
    const delayMs = asked === undefined ? backoff : Math.min(Math.max(asked, backoff), policy.maxServerDelayMs);
    return { action: "retry", delayMs };
  }
  if (outcome.terminal) return { action: "unreachable" };
  if (outcome.code !== undefined && NOT_SENT.has(outcome.code)) {
    const budget = connected ? policy.retries : policy.connectRetries;
    return attempt > budget ? { action: "unreachable" } : { action: "retry", delayMs: backoffMs(attempt, policy) };
  }
  if (!idempotent) return { action: "uncertain" };
  return attempt > policy.retries ? { action: "fail" } : { action: "retry", delayMs: backoffMs(attempt, policy) };
}

/** Exponential backoff with full jitter for the retry after attempt `attempt` (1-based). */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, "minDelayMs" | "maxDelayMs" | "random">): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

type Cause = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };

/** The error and its causes, outermost first: undici puts the socket error on `cause` (sometimes an
 * AggregateError with `errors`). */
function causes(error: unknown): Cause[] {
  const chain: Cause[] = [];
  for (let current = error; chain.length < 6 && current && typeof current === "object";) {
    const { cause, errors } = current as Cause;
    chain.push(current as Cause);
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return chain;
}

/** The error code of a failed fetch. */
export function networkErrorCode(error: unknown): string | undefined {
  return causes(error).find((cause) => typeof cause.code === "string")?.code as string | undefined;
}

/** Plain words for the codes of failures a retry may cure (the server restarts, the network recovers). */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection broken",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time",
  UND_ERR_BODY_TIMEOUT: "the answer stalled",
  EAI_AGAIN: "DNS lookup failed for now",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
};

/** Node's codes for a server certificate that does not verify (OpenSSL's verify errors and the host name check). */
const BAD_CERTIFICATE = /CERT|LEAF_SIGNATURE|INVALID_CA|HOSTNAME_MISMATCH/;

/**
 * Explains a failed fetch of `url` (as Node 20's fetch, undici, throws it) and tells the failures no retry can
 * cure from the others. Never quotes the message of a request fetch refused to build: it can hold a header value
 * (the API key).
 */
export function describeNetworkError(error: unknown, url: URL): NetworkFailure {
  const chain = causes(error);
  const code = networkErrorCode(error);
  const message = String(chain[chain.length - 1]?.message ?? "").replace(/[\s:]+$/, "");
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { code, reason: `fetch does not support ${url.protocol} URLs`, hint: "use http or https", terminal: true };
  }
  if (chain.length === 1 && chain[0].name === "TypeError") {
    const header = /header|ByteString/i.test(message);
    const reason = header
      ? "a request header has an invalid value (a line break or a character beyond Latin-1)"
      : "fetch refuses to build the request";
    return { code, reason, hint: "check the API key (ORY_API_KEY) and the endpoint", terminal: true };
  }
  if (message === "bad port") {
    return {
      code,
      reason: `fetch refuses port ${url.port} (a "bad port" in the fetch standard)`,
      hint: "use another port",
      terminal: true,
    };
  }
  if (message === "redirect count exceeded") {
    return {
      code,
      reason: "the server redirects in a loop (more than 20 redirects)",
      hint: "check the endpoint: give the admin API's base URL",
      terminal: true,
    };
  }
  if (code === "ENOTFOUND")
    return {
      code,
      reason: `no such host ${url.hostname}`,
      hint: "check the host name of the endpoint",
      terminal: true,
    };
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return {
      code,
      reason: "the server does not speak TLS",
      hint: "use http:// for a server without TLS",
      terminal: true,
    };
  }
  if (code === "HPE_INVALID_CONSTANT") {
    // The first bytes of the answer are not `HTTP/`: the same port answers the same way every time.
    const hint =
      "check the endpoint's scheme and port: a TLS server needs https://, and the port must be the admin API's";
    return {
      code,
      reason: "the answer is not HTTP (a TLS server given as http://, or not an HTTP server)",
      hint,
      terminal: true,
    };
  }
  if (code && BAD_CERTIFICATE.test(code)) {
    const hint =
      "the certificate must be valid, for this host name, and from a CA Node trusts (add one with NODE_EXTRA_CA_CERTS)";
    return { code, reason: `TLS certificate refused: ${message}`, hint, terminal: true };
  }
  const reason = (code && REASONS[code]) || message || "network error";
  return { code, reason, hint: "check the endpoint and that the server is running", terminal: false };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
