// How long the server asks us to wait and how much budget its rate-limit windows have left: `Retry-After`
// (RFC 9110: delay-seconds or an HTTP date) and `x-ratelimit-remaining` / `x-ratelimit-reset`.
//
// Ory Network documents its headers (https://www.ory.com/docs/guides/rate-limits-new, "Monitor rate limit headers")
// as `x-ratelimit-limit: 10, 10;w=1, 300;w=60` (the limit of the tightest window, then `<limit>;w=<seconds>` per
// window, after the IETF RateLimit header fields draft), `x-ratelimit-remaining: 8` and `x-ratelimit-reset: 1`
// (whole seconds until the window resets): the shape Envoy's rate-limit filter writes, remaining and reset being
// those of the window with the least remaining. Lists in remaining and reset (one value per window: `0, 0, 299` with
// `0, 0, 45`, as issue 12 describes Ory's answers) and a lone integer are read too, resets also as epoch seconds or
// milliseconds; the tightest window wins.
//
// A reset of `0` seconds means "at the next whole second", not "now": rate-limit windows are aligned to multiples of
// their length since the epoch (Envoy's rate-limit service: `unit - now % unit`), and a server that rounds the time
// left down to whole seconds says 0 for the last (fraction of a) second of a window. Taken as "now", a spent window
// would be probed again and again until the second turns.

/** Values at or above this are epoch seconds (2001-09-09); below, a number of seconds to wait. */
const EPOCH_SECONDS_FROM = 1e9;
/** Values at or above this are epoch milliseconds. */
const EPOCH_MILLIS_FROM = 1e12;

const NUMBER = /^\d+(\.\d+)?$/;

type HeaderSource = { get(name: string): string | null };

/** One rate-limit window as an answer describes it: requests left in it, and milliseconds until it resets. */
export interface RateLimitWindow {
  remaining: number;
  resetInMs: number;
}

/** Milliseconds to wait according to a `Retry-After` value, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (NUMBER.test(text)) return Math.round(Number(text) * 1000);
  return untilDate(text, nowMs);
}

/**
 * Milliseconds to wait according to one `x-ratelimit-reset` value. Servers disagree on its meaning, so the size
 * decides: >= 1e12 epoch milliseconds, >= 1e9 epoch seconds, anything smaller seconds until the reset, where a
 * whole `0` is the next whole second (see above). An HTTP date is accepted too. A reset in the past means "now" (0).
 */
export function parseRateLimitReset(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (!NUMBER.test(text)) return untilDate(text, nowMs);
  const n = Number(text);
  if (n >= EPOCH_MILLIS_FROM) return Math.max(0, Math.round(n - nowMs));
  if (n >= EPOCH_SECONDS_FROM) return Math.max(0, Math.round(n * 1000 - nowMs));
  if (n === 0 && /^\d+$/.test(text)) return untilNextSecond(nowMs);
  return Math.round(n * 1000);
}

/**
 * The windows described by an `x-ratelimit-remaining` and an `x-ratelimit-reset` value, paired by position
 * (`0, 0, 299` with `1, 1, 45`: three windows); a single value on one side goes with every value on the other.
 * Parameters (`;w=60`) are dropped; a member that cannot be read drops its window, never the others.
 */
export function rateLimitWindows(
  remainingValue: string | null | undefined,
  resetValue: string | null | undefined,
  nowMs: number,
): RateLimitWindow[] {
  const remaining = members(remainingValue).map((member) => (/^\d+$/.test(member) ? Number(member) : undefined));
  // An HTTP date holds a comma of its own: a value that reads as one date is one member.
  const date = untilDate(resetValue?.trim() ?? "", nowMs);
  const resets = date === undefined ? members(resetValue).map((member) => parseRateLimitReset(member, nowMs)) : [date];
  const at = <T>(list: T[], i: number) => list[list.length === 1 ? 0 : i];
  const windows: RateLimitWindow[] = [];
  for (let i = 0; i < Math.max(remaining.length, resets.length); i++) {
    const [left, resetInMs] = [at(remaining, i), at(resets, i)];
    if (left !== undefined && resetInMs !== undefined) windows.push({ remaining: left, resetInMs });
  }
  return windows;
}

/**
 * The window to respect: the one with the least remaining (spending only that much never overdraws another);
 * among equals the one that resets last (with nothing left, every spent window must be over). Undefined: none.
 */
export function tightestWindow(windows: RateLimitWindow[]): RateLimitWindow | undefined {
  return windows.reduce<RateLimitWindow | undefined>(
    (tightest, w) =>
      !tightest ||
      w.remaining < tightest.remaining ||
      (w.remaining === tightest.remaining && w.resetInMs > tightest.resetInMs)
        ? w
        : tightest,
    undefined,
  );
}

/** What an answer says about its tightest rate-limit window (reset as an epoch-ms time), or undefined without one. */
export function rateLimitWindow(
  headers: HeaderSource,
  nowMs: number,
): { remaining: number; resetAt: number } | undefined {
  const window = tightestWindow(
    rateLimitWindows(headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset"), nowMs),
  );
  return window && { remaining: window.remaining, resetAt: nowMs + window.resetInMs };
}

/**
 * The delay a retriable answer asks for: `Retry-After` first; on 429 only, the reset of the exhausted window (the
 * tightest; without a readable `x-ratelimit-remaining`, every reset given counts as exhausted). On other answers
 * `x-ratelimit-reset` describes the window, not a request to wait.
 */
export function serverDelayMs(status: number, headers: HeaderSource, nowMs: number): number | undefined {
  const retryAfter = parseRetryAfter(headers.get("retry-after"), nowMs);
  if (retryAfter !== undefined || status !== 429) return retryAfter;
  const reset = headers.get("x-ratelimit-reset");
  const spent =
    tightestWindow(rateLimitWindows(headers.get("x-ratelimit-remaining"), reset, nowMs)) ??
    tightestWindow(rateLimitWindows("0", reset, nowMs));
  return spent?.resetInMs;
}

/** Milliseconds until the next whole second (1..1000). */
function untilNextSecond(nowMs: number): number {
  return 1000 - (((nowMs % 1000) + 1000) % 1000);
}

/** The comma-separated members of a header value, each without its `;` parameters: `10, 10;w=1` -> ["10", "10"]. */
function members(value: string | null | undefined): string[] {
  const text = value?.trim();
  return text ? text.split(",").map((member) => member.split(";")[0].trim()) : [];
}

/** An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`; it always names a month) as milliseconds from now. */
function untilDate(text: string, nowMs: number): number | undefined {
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
