// Ory Network's rate-limit buckets: every admin endpoint counts in a named bucket with its own limits
// (https://www.ory.com/docs/guides/rate-limits-project), given per operation as `x-ory-ratelimit-bucket` in Ory
// Network's OpenAPI document (client v1.22.43): writes `kratos-admin-low`; lists, by-external lookups and schemas
// `kratos-admin-medium`; `GET /admin/identities/{id}` `kratos-admin-high`. test/unit/ory/buckets.test.ts checks this
// table against the document. The limits a bucket has are announced in `x-ratelimit-limit` on every answer of it.

export type Bucket = "kratos-admin-low" | "kratos-admin-medium" | "kratos-admin-high" | "default";

/** The buckets a plan estimates, in the order outputs list them. */
export const BUCKETS: readonly Bucket[] = ["kratos-admin-medium", "kratos-admin-high", "kratos-admin-low", "default"];

const SEGMENT = "[^/]+";
/** [method, path pattern (matched at the end of the path, so an endpoint's prefix does not matter), bucket]. */
const TABLE: Array<[string, RegExp, Bucket]> = [
  ["GET", /\/admin\/identities$/, "kratos-admin-medium"],
  ["GET", new RegExp(`/admin/identities/by/external/${SEGMENT}$`), "kratos-admin-medium"],
  ["GET", new RegExp(`/admin/identities/${SEGMENT}/sessions$`), "kratos-admin-medium"],
  ["GET", new RegExp(`/admin/identities/${SEGMENT}$`), "kratos-admin-high"],
  ["GET", /\/schemas$/, "kratos-admin-medium"],
  ["GET", new RegExp(`/schemas/${SEGMENT}$`), "kratos-admin-medium"],
  ["PATCH", /\/admin\/identities$/, "kratos-admin-low"],
  ["POST", /\/admin\/identities$/, "kratos-admin-low"],
  ["PATCH", new RegExp(`/admin/identities/${SEGMENT}$`), "kratos-admin-low"],
  ["PUT", new RegExp(`/admin/identities/${SEGMENT}$`), "kratos-admin-low"],
  ["DELETE", new RegExp(`/admin/identities/${SEGMENT}$`), "kratos-admin-low"],
  ["DELETE", new RegExp(`/admin/identities/${SEGMENT}/credentials/${SEGMENT}$`), "kratos-admin-low"],
  ["DELETE", new RegExp(`/admin/identities/${SEGMENT}/sessions$`), "kratos-admin-low"],
  ["POST", /\/admin\/recovery\/(link|code)$/, "kratos-admin-low"],
];

/**
 * The bucket a request counts in, from its method and URL path (`/admin/identities/by/external/x` is a lookup, not
 * a get: the most specific pattern is listed first). Paths the table does not know (`/admin/version`) count in
 * `default`.
 */
export function rateLimitBucket(method: string, pathname: string): Bucket {
  const upper = method.toUpperCase();
  return TABLE.find(([m, pattern]) => m === upper && pattern.test(pathname))?.[2] ?? "default";
}

/** One window of a bucket's limit: `limit` requests per `window_seconds`. */
export interface AnnouncedWindow {
  limit: number;
  window_seconds: number;
}

/**
 * The windows an `x-ratelimit-limit` value announces: every `<limit>;w=<seconds>` member (`10, 10;w=1, 300;w=60`
 * gives 10 per second and 300 per minute; the leading bare `10` repeats the tightest and is dropped). Members
 * without `w` are dropped; equal windows are given once; an unreadable value gives none.
 */
export function announcedWindows(value: string | null | undefined): AnnouncedWindow[] {
  const out: AnnouncedWindow[] = [];
  for (const member of (value ?? "").split(",")) {
    const [count, ...params] = member.split(";").map((part) => part.trim());
    const w = params
      .map((param) => /^w\s*=\s*"?(\d+(?:\.\d+)?)"?$/i.exec(param)?.[1])
      .find((found) => found !== undefined);
    if (!/^\d+$/.test(count) || w === undefined || Number(w) <= 0) continue;
    const window = { limit: Number(count), window_seconds: Number(w) };
    if (!out.some((seen) => seen.limit === window.limit && seen.window_seconds === window.window_seconds))
      out.push(window);
  }
  return out.sort((a, b) => a.window_seconds - b.window_seconds);
}
