// How long the server asks us to wait: `Retry-After` (RFC 9110: delay-seconds or an HTTP date) and
// `x-ratelimit-reset` (Ory Network / common proxies: epoch seconds, or seconds until the window resets).

/** Values at or above this are epoch seconds (2001-09-09); below, a number of seconds to wait. */
const EPOCH_SECONDS_FROM = 1e9;
/** Values at or above this are epoch milliseconds. */
const EPOCH_MILLIS_FROM = 1e12;

const NUMBER = /^\d+(\.\d+)?$/;

/** Milliseconds to wait according to a `Retry-After` value, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (NUMBER.test(text)) return Math.round(Number(text) * 1000);
  return untilDate(text, nowMs);
}

/**
 * Milliseconds to wait according to an `x-ratelimit-reset` value. Servers disagree on its meaning, so the size
 * decides: >= 1e12 epoch milliseconds, >= 1e9 epoch seconds, anything smaller seconds until the reset.
 * An HTTP date is accepted too. A reset in the past means "now" (0).
 */
export function parseRateLimitReset(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (!NUMBER.test(text)) return untilDate(text, nowMs);
  const n = Number(text);
  if (n >= EPOCH_MILLIS_FROM) return Math.max(0, Math.round(n - nowMs));
  if (n >= EPOCH_SECONDS_FROM) return Math.max(0, Math.round(n * 1000 - nowMs));
  return Math.round(n * 1000);
}

/**
 * The delay a retriable answer asks for: `Retry-After` first; `x-ratelimit-reset` only on 429 (on other answers
 * it describes the window, not a request to wait).
 */
export function serverDelayMs(
  status: number,
  headers: { get(name: string): string | null },
  nowMs: number,
): number | undefined {
  const retryAfter = parseRetryAfter(headers.get("retry-after"), nowMs);
  if (retryAfter !== undefined) return retryAfter;
  return status === 429 ? parseRateLimitReset(headers.get("x-ratelimit-reset"), nowMs) : undefined;
}

/** An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`; it always names a month) as milliseconds from now. */
function untilDate(text: string, nowMs: number): number | undefined {
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
