// The `fetchApi` handed to the Ory SDK: one logical request = attempts until the retry policy says stop.
// Every attempt is reported to `onRequest`; errors are our own types (see errors.ts), never the fetch error
// itself, whose context could hold request headers.
import { restoreExactIntegers } from "../reconcile/core/exact-json";
import { Operation, OryNetworkError, ServerUnreachableError, UncertainWriteError } from "./errors";
import { rateLimitBucket } from "../reconcile/core/buckets";
import { RatePacer } from "./pacer";
import { decide, describeNetworkError, isConcurrentUpdate, NetworkFailure, Outcome, RetryPolicy } from "./retry";

/** One attempt of one request, for progress display and request counting. The URL never contains credentials. */
export interface RequestEvent {
  method: string;
  url: string;
  /** The HTTP status, absent when no response arrived. */
  status?: number;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  durationMs: number;
  /** Network error code (e.g. `ECONNRESET`) or `aborted`. */
  error?: string;
  /** The Ory Network rate-limit bucket the request counts in (see buckets.ts). */
  bucket?: string;
  /** The answer's `x-ratelimit-limit` (every value, comma-joined), when it has one. */
  rateLimit?: string;
}

export interface RetryingFetchOptions {
  fetch: typeof fetch;
  policy: RetryPolicy;
  onRequest?: (event: RequestEvent) => void;
}

export function createRetryingFetch(options: RetryingFetchOptions): typeof fetch {
  const { policy } = options;
  /** Whether the server has answered at least once through this fetch. */
  let connected = false;
  const pacer = new RatePacer(policy, policy.maxServerDelayMs);

  const retryingFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    // Integers read exactly (reconcile/core/exact-json.ts) go back with their digits unchanged.
    if (typeof init.body === "string") init = { ...init, body: restoreExactIntegers(init.body) };
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init.method ?? "GET").toUpperCase();
    const target = new URL(url);
    const op: Operation = { method, path: target.pathname };
    /** The URL as errors show it: no credentials, no query (it can hold emails and ids). */
    const shown = shownUrl(url);
    const signal = init.signal ?? undefined;

    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      // Paced per bucket: each has its own limits, and an answer's headers describe its request's bucket only.
      const bucket = rateLimitBucket(method, target.pathname);
      const release = await pacer.acquire(bucket, signal);
      const started = policy.now();
      const report = (fields: { status?: number; error?: string; rateLimit?: string }) =>
        options.onRequest?.({
          method,
          url: withoutCredentials(url),
          attempt,
          durationMs: policy.now() - started,
          bucket,
          ...fields,
        });

      let response: Response | undefined;
      let outcome: Outcome;
      try {
        response = await options.fetch(url, init);
        release(response.headers);
        connected = true;
        outcome = { kind: "response", status: response.status, headers: response.headers };
        const rateLimit = response.headers.get("x-ratelimit-limit");
        report({ status: response.status, ...(rateLimit !== null ? { rateLimit } : {}) });
      } catch (error) {
        release();
        if (signal?.aborted || (error as { name?: unknown })?.name === "AbortError") {
          report({ error: "aborted" });
          throw signal?.reason ?? error;
        }
        outcome = { kind: "network", ...describeNetworkError(error, target) };
        report({ error: outcome.code ?? "network error" });
      }

      if (response && response.status === 400 && target.protocol === "http:" && (await speaksTls(response))) {
        await response.body?.cancel().catch(() => undefined);
        throw new ServerUnreachableError(
          shown,
          {
            code: undefined,
            reason: "the server speaks TLS (it answered that it got an HTTP request on an HTTPS port)",
            hint: "use https://",
            terminal: true,
          },
          attempt,
        );
      }
      if (outcome.kind === "response" && outcome.status === 400 && (await saysConcurrentUpdate(response as Response)))
        outcome = { ...outcome, concurrentUpdate: true };
      const decision = decide({ method, pathname: target.pathname }, outcome, attempt, connected, policy);
      switch (decision.action) {
        case "done":
          return response as Response;
        case "retry":
          await response?.body?.cancel().catch(() => undefined);
          await policy.sleep(decision.delayMs, signal);
          continue;
        case "uncertain":
          await response?.body?.cancel().catch(() => undefined);
          throw new UncertainWriteError(
            op,
            outcome.kind === "response" ? `HTTP ${outcome.status}` : (outcome.code ?? "network error"),
          );
        // decide() ends with these only after a network failure
        case "unreachable":
          throw new ServerUnreachableError(shown, outcome as NetworkFailure, attempt);
        case "fail":
          throw new OryNetworkError(op, shown, outcome as NetworkFailure, attempt);
      }
    }
  };
  return retryingFetch as typeof fetch;
}

/**
 * Whether a 400 is a TLS server's answer to plain HTTP: Go's servers (Kratos) answer "Client sent an HTTP request
 * to an HTTPS server." (reads a copy of the body; the original stays readable).
 */
async function speaksTls(response: Response): Promise<boolean> {
  try {
    return /sent an HTTP request to an HTTPS server/i.test(await response.clone().text());
  } catch {
    return false;
  }
}

/** Whether a 400 is Kratos' concurrent-update refusal (see isConcurrentUpdate; reads a copy of the body). */
async function saysConcurrentUpdate(response: Response): Promise<boolean> {
  try {
    return isConcurrentUpdate(response.status, await response.clone().text());
  } catch {
    return false;
  }
}

/** A URL as errors show it: without user info, query or fragment (a query may carry identifiers or tokens). */
export function shownUrl(url: string): string {
  // User info first: in a URL that does not parse, a `?` or `#` may be part of a password.
  return withoutCredentials(url).replace(/[?#].*/s, "");
}

/** The URL without user info (user:password@). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    // Not a URL, but it may still hold user info, whose password may hold `/ ? #` or `@`: everything up to the last `@`.
    return url.replace(
      /^((?:[a-z][a-z0-9+.-]*:)?\/\/)?.*@/is,
      (_all, scheme?: string) => `${scheme ?? ""}(credentials hidden)@`,
    );
  }
}
