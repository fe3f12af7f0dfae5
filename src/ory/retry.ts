// When to retry a request and how long to wait. Pure policy: the loop that applies it is in fetch.ts.
//
// - 429 and 5xx (except 501 Not Implemented) are retried with exponential backoff and full jitter, waiting at
//   least what `Retry-After` / `x-ratelimit-reset` ask for. Every other status is final.
// - A connection that cannot be made (refused, DNS) never reached the server: any method may be retried, but
//   before the server has answered once only `connectRetries` times, then "server unreachable".
// - A connection lost after the request was sent: idempotent requests are retried; a non-idempotent write
//   (POST, the batch PATCH /admin/identities) is not, because it may have been applied: the caller verifies.
// - For non-idempotent writes only 429 and 503 are retried (the server refused to process them); a 502/504
//   (a gateway gave up waiting) is as uncertain as a lost connection.
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
  | { kind: "response"; status: number; headers: { get(name: string): string | null } }
  | { kind: "network"; code: string | undefined };

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
    if (!isRetriableStatus(status)) return { action: "done" };
    if (!idempotent && status !== 429 && status !== 503) return status === 500 ? { action: "done" } : { action: "uncertain" };
    if (attempt > policy.retries) return { action: "done" };
    const backoff = backoffMs(attempt, policy);
    const asked = serverDelayMs(status, outcome.headers, policy.now());
    const delayMs = asked === undefined ? backoff : Math.min(Math.max(asked, backoff), policy.maxServerDelayMs);
    return { action: "retry", delayMs };
  }
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

/** The error code of a failed fetch: undici puts it on `cause` (sometimes an AggregateError with `errors`). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string") return code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return undefined;
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
