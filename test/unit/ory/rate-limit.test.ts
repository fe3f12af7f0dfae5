import {
  parseRateLimitReset,
  parseRetryAfter,
  rateLimitWindow,
  rateLimitWindows,
  serverDelayMs,
  tightestWindow,
} from "../../../src/ory/rate-limit";

const NOW = Date.parse("2025-01-01T12:00:00Z");

const limits = (remaining: string | undefined, reset: string | undefined) =>
  new Headers({
    ...(remaining === undefined ? {} : { "x-ratelimit-remaining": remaining }),
    ...(reset === undefined ? {} : { "x-ratelimit-reset": reset }),
  });

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120000);
    expect(parseRetryAfter(" 0 ", NOW)).toBe(0);
    expect(parseRetryAfter("1.5", NOW)).toBe(1500);
  });

  it("reads an HTTP date", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 12:00:30 GMT", NOW)).toBe(30000);
  });

  it("treats a date in the past as now", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 11:00:00 GMT", NOW)).toBe(0);
  });

  it("ignores missing and unreadable values", () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("-5", NOW)).toBeUndefined();
  });
});

describe("parseRateLimitReset", () => {
  it("reads epoch seconds", () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 42), NOW)).toBe(42000);
  });

  it("reads epoch milliseconds", () => {
    expect(parseRateLimitReset(String(NOW + 1500), NOW)).toBe(1500);
  });

  it("reads seconds until the reset", () => {
    expect(parseRateLimitReset("30", NOW)).toBe(30000);
    expect(parseRateLimitReset("1.5", NOW)).toBe(1500);
  });

  it("reads a reset of 0 (less than a second left, rounded down) as the next whole second", () => {
    expect(parseRateLimitReset("0", NOW)).toBe(1000);
    expect(parseRateLimitReset("0", NOW + 250)).toBe(750);
    expect(parseRateLimitReset(" 00 ", NOW + 999)).toBe(1);
  });

  it("treats an epoch in the past as now", () => {
    expect(parseRateLimitReset(String(NOW / 1000 - 10), NOW)).toBe(0);
  });

  it("reads an HTTP date and ignores garbage", () => {
    expect(parseRateLimitReset("Wed, 01 Jan 2025 12:00:05 GMT", NOW)).toBe(5000);
    expect(parseRateLimitReset("later", NOW)).toBeUndefined();
    expect(parseRateLimitReset(undefined, NOW)).toBeUndefined();
  });
});

describe("rateLimitWindows", () => {
  it("pairs one value per window by position, each reset read like a single one", () => {
    expect(rateLimitWindows("9, 9, 299", "1, 1, 45", NOW)).toEqual([
      { remaining: 9, resetInMs: 1000 },
      { remaining: 9, resetInMs: 1000 },
      { remaining: 299, resetInMs: 45000 },
    ]);
    expect(rateLimitWindows("0,3", `${NOW / 1000 + 2}, ${NOW + 500}`, NOW)).toEqual([
      { remaining: 0, resetInMs: 2000 },
      { remaining: 3, resetInMs: 500 },
    ]);
  });

  it("reads the per-window form with resets rounded down: 0 is the next whole second", () => {
    expect(rateLimitWindows("9, 9, 299", "0, 0, 45", NOW + 400)).toEqual([
      { remaining: 9, resetInMs: 600 },
      { remaining: 9, resetInMs: 600 },
      { remaining: 299, resetInMs: 45000 },
    ]);
  });

  it("reads single values, and gives a single value on one side to every value on the other", () => {
    expect(rateLimitWindows("8", "1", NOW)).toEqual([{ remaining: 8, resetInMs: 1000 }]);
    expect(rateLimitWindows("4, 0", "30", NOW)).toEqual([
      { remaining: 4, resetInMs: 30000 },
      { remaining: 0, resetInMs: 30000 },
    ]);
  });

  it("drops parameters and whitespace, and only the windows it cannot read", () => {
    expect(rateLimitWindows(' 10;w=1 ,  300;w=60;name="sustained" ', " 1 ,60 ", NOW)).toEqual([
      { remaining: 10, resetInMs: 1000 },
      { remaining: 300, resetInMs: 60000 },
    ]);
    expect(rateLimitWindows("many, 5, -1, 2.5, 7", "1, 2, 3, 4, soon", NOW)).toEqual([
      { remaining: 5, resetInMs: 2000 },
    ]);
    expect(rateLimitWindows("1, 2, 3", "4, 5", NOW)).toEqual([
      { remaining: 1, resetInMs: 4000 },
      { remaining: 2, resetInMs: 5000 },
    ]);
    expect(rateLimitWindows(",,", ",", NOW)).toEqual([]);
    expect(rateLimitWindows(null, "1", NOW)).toEqual([]);
    expect(rateLimitWindows("1", undefined, NOW)).toEqual([]);
  });

  it("reads a reset given as an HTTP date, whose comma does not split it", () => {
    expect(rateLimitWindows("0", "Wed, 01 Jan 2025 12:00:05 GMT", NOW)).toEqual([{ remaining: 0, resetInMs: 5000 }]);
  });
});

describe("tightestWindow", () => {
  it("is the window with the least remaining, of equals the one that resets last", () => {
    expect(
      tightestWindow([
        { remaining: 9, resetInMs: 1000 },
        { remaining: 299, resetInMs: 45000 },
      ]),
    ).toEqual({ remaining: 9, resetInMs: 1000 });
    expect(
      tightestWindow([
        { remaining: 9, resetInMs: 0 },
        { remaining: 0, resetInMs: 30000 },
      ]),
    ).toEqual({ remaining: 0, resetInMs: 30000 });
    expect(
      tightestWindow([
        { remaining: 0, resetInMs: 1000 },
        { remaining: 0, resetInMs: 45000 },
        { remaining: 0, resetInMs: 2000 },
      ]),
    ).toEqual({ remaining: 0, resetInMs: 45000 });
    expect(tightestWindow([])).toBeUndefined();
  });
});

describe("rateLimitWindow", () => {
  it("reads remaining and the reset (seconds from now, or epoch seconds)", () => {
    expect(rateLimitWindow(limits("7", "3"), NOW)).toEqual({ remaining: 7, resetAt: NOW + 3000 });
    expect(rateLimitWindow(limits("0", String(NOW / 1000 + 5)), NOW)).toEqual({ remaining: 0, resetAt: NOW + 5000 });
  });

  it("is the tightest window of lists: a spent one's reset", () => {
    expect(rateLimitWindow(limits("0, 0, 299", "1, 1, 45"), NOW)).toEqual({ remaining: 0, resetAt: NOW + 1000 });
    expect(rateLimitWindow(limits("9, 9, 0", "0, 0, 30"), NOW)).toEqual({ remaining: 0, resetAt: NOW + 30000 });
    expect(rateLimitWindow(limits("9, 9, 299", "1, 1, 45"), NOW)).toEqual({ remaining: 9, resetAt: NOW + 1000 });
  });

  it("is undefined without both headers or with unreadable ones", () => {
    expect(rateLimitWindow(limits(undefined, undefined), NOW)).toBeUndefined();
    expect(rateLimitWindow(limits("5", undefined), NOW)).toBeUndefined();
    expect(rateLimitWindow(limits("many", "3"), NOW)).toBeUndefined();
  });
});

describe("serverDelayMs", () => {
  it("prefers Retry-After", () => {
    const headers = new Headers({ "retry-after": "2", "x-ratelimit-reset": "60" });
    expect(serverDelayMs(429, headers, NOW)).toBe(2000);
  });

  it("uses x-ratelimit-reset on 429 only", () => {
    const headers = new Headers({ "x-ratelimit-reset": "60" });
    expect(serverDelayMs(429, headers, NOW)).toBe(60000);
    expect(serverDelayMs(503, headers, NOW)).toBeUndefined();
  });

  it("on a 429 with one value per window, waits for the window that is spent", () => {
    expect(serverDelayMs(429, limits("0, 0, 299", "1, 1, 45"), NOW)).toBe(1000);
    expect(serverDelayMs(429, limits("0, 0, 299", "0, 0, 45"), NOW + 700)).toBe(300);
    expect(serverDelayMs(429, limits("9, 9, 0", "0, 0, 30"), NOW)).toBe(30000);
    expect(serverDelayMs(429, limits("0", "1"), NOW)).toBe(1000);
  });

  it("on a 429 without a readable remaining, waits for every window", () => {
    expect(serverDelayMs(429, limits(undefined, "1, 1, 45"), NOW)).toBe(45000);
    expect(serverDelayMs(429, limits("none", "1, 45"), NOW)).toBe(45000);
  });

  it("is undefined without hints", () => {
    expect(serverDelayMs(503, new Headers(), NOW)).toBeUndefined();
  });
});
