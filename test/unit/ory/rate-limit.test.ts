import { parseRateLimitReset, parseRetryAfter, serverDelayMs } from "../../../src/ory/rate-limit";

const NOW = Date.parse("2025-01-01T12:00:00Z");

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
    expect(parseRateLimitReset("0", NOW)).toBe(0);
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

  it("is undefined without hints", () => {
    expect(serverDelayMs(503, new Headers(), NOW)).toBeUndefined();
  });
});
