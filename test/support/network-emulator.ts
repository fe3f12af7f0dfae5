// Ory Network's admin API, emulated in front of a real Kratos v26.2.0. v26.2.0 (and master) already answer everything
// the tool uses the way Ory Network does (external_id, organization_id, by-external lookups, batch creates with
// per-item errors), so every request is relayed to it unchanged and its answer relayed back unchanged: status,
// headers (but hop-by-hop ones) and the body byte for byte. test/integration/ory/emulator-differential.test.ts replays
// one request sequence against a bare v26.2.0 and through this emulator and compares them, so the two cannot drift.
//
// The emulator adds only what no buildable server does:
//
// - `GET /admin/version` answers 404, as on an Ory Network project (the client then assumes Ory Network).
//
// - Project rate limits (`rateLimit`). Ory counts each request in the bucket of its endpoint
//   (https://www.ory.com/docs/guides/rate-limits-project: "a bucket is a named group of API endpoints that share the
//   same rate limit thresholds", e.g. `kratos-admin-low`), each bucket with a burst (per second) and a sustained (per
//   minute) window. The bucket of an operation is the `x-ory-ratelimit-bucket` of Ory Network's OpenAPI document
//   (ory-network-client-v1.22.43.json: writes `kratos-admin-low`, lists, by-external lookups and schemas
//   `kratos-admin-medium`, `GET /admin/identities/{id}` `kratos-admin-high`); requests the document gives no bucket
//   (`/admin/version`) and paths it does not know count in a bucket `default`. Windows are fixed and aligned to
//   multiples of their length since the epoch, as in Envoy's rate-limit service (github.com/envoyproxy/ratelimit,
//   `CalculateReset`: `unit - now % unit`). A request that a spent window refuses is answered 429 with the headers, an
//   empty body and no Retry-After, and counts in no window. Two header styles (`rateLimit.headers`):
//   - `documented` (default): as Ory's page shows them (https://www.ory.com/docs/guides/rate-limits-new, "Monitor rate
//     limit headers") and Envoy's rate-limit filter writes them (envoyproxy/envoy, source/extensions/filters/http/
//     ratelimit/ratelimit_headers.cc): `x-ratelimit-limit: 10, 10;w=1, 300;w=60` (the tightest window's limit, then
//     `<limit>;w=<seconds>` per window), `x-ratelimit-remaining: 8` and `x-ratelimit-reset: 1` of the tightest window
//     alone (the least remaining, the first of equals), the reset in whole seconds as Envoy counts them (1..length,
//     never 0).
//   - `per-window`: as issue 12 describes Ory's answers: one value per member of `x-ratelimit-limit` in each header
//     (`x-ratelimit-remaining: 9, 9, 299`, `x-ratelimit-reset: 0, 0, 45`: the tightest window, then each window), the
//     resets in whole seconds rounded down (0 when less than a second is left, so always 0 for a 1 s window).
//
// - Eventual reads (`eventualReads`). Ory Network's `GET /admin/identities` takes `consistency=strong|eventual`
//   (https://www.ory.sh/docs/api/eventual-consistency; the OpenAPI document's `consistency` parameter): `eventual`
//   answers from follower reads, data "about 4.8 seconds old"; `strong` the latest; without the parameter the
//   project's default (strong unless the project sets `/previews/default_read_consistency_level` to eventual). Only
//   that list is affected. Here a lagging list answers as the identities were `lagMs` ago: identities created since
//   are left out, identities changed since are shown as they were, identities deleted since are shown again. How an
//   identity looked before a write is read from the server (`GET /admin/identities?ids=<id>&consistency=strong`, once
//   per `include_credential` set seen so far) just before the write is relayed. Simplifications: a lagging page
//   holds the identities of its id range as they were (so a page may hold more or fewer than `page_size`; the client
//   must follow `Link`, never count), and lists filtered by anything but `ids` are answered strongly.
//
// Not here: Ory Network's 429 for a write to a path that already has a write in flight is the recording proxy's
// (test/support/proxy.ts, `concurrentWrites429`): put the proxy in front of the emulator, which also shows the requests
// exactly as the client sent them.
import { createServer, IncomingHttpHeaders, IncomingMessage, request as httpRequest, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadSpec, NETWORK_DOC } from "./openapi";

export interface RateLimitWindow {
  /** Requests admitted per window. */
  limit: number;
  /** The window's length in ms: whole seconds. */
  windowMs: number;
}

export type HeaderStyle = "documented" | "per-window";

export interface EmulatorOptions {
  /** The admin URL of the real Kratos (v26.2.0) behind the emulator. */
  target: string;
  /** Undefined: no rate limit and no rate-limit headers. */
  rateLimit?: {
    /** The windows of every bucket (e.g. a burst `{ limit: 10, windowMs: 1000 }` and a sustained `{ limit: 300, windowMs: 60000 }`). */
    windows: RateLimitWindow[];
    /** Other windows for some buckets, by name (`kratos-admin-low`, …). */
    buckets?: Record<string, RateLimitWindow[]>;
    /** Default `documented`. */
    headers?: HeaderStyle;
  };
  /** Undefined: every list is strongly consistent. */
  eventualReads?: {
    /** How far a lagging list is behind the writes, ms (Ory documents about 4.8 s). */
    lagMs: number;
    /** The project's default for lists without `consistency` (default `eventual`; Ory Network's own default is strong). */
    defaultConsistency?: "strong" | "eventual";
  };
}

export interface Emulator {
  url: string;
  /** Requests answered 429 by the rate limit. */
  limited: number;
  /** List answers the lag changed (an identity left out, shown as it was, or shown after its deletion). */
  staleReads: number;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

/** How one identity looked before a write (null: it did not exist), per list variant (`include_credential` set). */
interface Change {
  at: number;
  before: Map<string, Json | null>;
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "proxy-connection",
  "upgrade",
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Writes that change an identity as a list shows it. */
const IDENTITY_WRITE = /^\/admin\/identities\/([^/]+)(?:\/credentials\/[^/]+)?$/;

/** The `x-ory-ratelimit-bucket` of every operation of Ory Network's OpenAPI document, as path patterns. */
function bucketTable(): Array<{ method: string; pattern: RegExp; literals: number; bucket: string }> {
  const spec = loadSpec(NETWORK_DOC) as unknown as {
    paths: Record<string, Record<string, { "x-ory-ratelimit-bucket"?: string }>>;
  };
  const table = [];
  for (const [template, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(
      `^${template
        .split("/")
        .map((part) => (/^\{.+\}$/.test(part) ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/")}$`,
    );
    const literals = template.split("/").filter((part) => part && !part.startsWith("{")).length;
    for (const [method, operation] of Object.entries(operations)) {
      const bucket = operation?.["x-ory-ratelimit-bucket"];
      if (typeof bucket === "string") table.push({ method: method.toUpperCase(), pattern, literals, bucket });
    }
  }
  return table;
}

/** The bucket of a request: its operation's in Ory Network's document (the most literal match), else `default`. */
export function rateLimitBucket(method: string, pathname: string): string {
  const table = (buckets ??= bucketTable());
  const matches = table.filter((row) => row.method === method.toUpperCase() && row.pattern.test(pathname));
  return matches.sort((a, b) => b.literals - a.literals)[0]?.bucket ?? "default";
}
let buckets: ReturnType<typeof bucketTable> | undefined;

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const target = new URL(options.target);
  const emulator: Emulator = { url: "", limited: 0, staleReads: 0, stop: async () => undefined };

  // ---- rate limits ----
  /** Requests counted per bucket and window (by index), in the window starting at `start`. */
  const counters = new Map<string, { start: number; used: number }>();
  const rateLimit = (
    method: string,
    pathname: string,
  ): { limited: boolean; headers: Record<string, string> } | undefined => {
    const limits = options.rateLimit;
    if (!limits?.windows.length) return undefined;
    const bucket = rateLimitBucket(method, pathname);
    const now = Date.now();
    const windows = (limits.buckets?.[bucket] ?? limits.windows).map(({ limit, windowMs }, i) => {
      const start = now - (now % windowMs);
      let counter = counters.get(`${bucket}:${i}`);
      if (counter?.start !== start) counters.set(`${bucket}:${i}`, (counter = { start, used: 0 }));
      return { limit, windowMs, counter, resetMs: start + windowMs - now };
    });
    const limited = windows.some((w) => w.counter.used >= w.limit);
    if (!limited) windows.forEach((w) => w.counter.used++);
    const left = (w: (typeof windows)[number]) => Math.max(0, w.limit - w.counter.used);
    const tightest = windows.reduce((a, b) => (left(b) < left(a) ? b : a));
    const limit = [tightest.limit, ...windows.map((w) => `${w.limit};w=${w.windowMs / 1000}`)].join(", ");
    if (limits.headers === "per-window") {
      const reset = (w: (typeof windows)[number]) => Math.floor(w.resetMs / 1000);
      return {
        limited,
        headers: {
          "x-ratelimit-limit": limit,
          "x-ratelimit-remaining": [tightest, ...windows].map(left).join(", "),
          "x-ratelimit-reset": [tightest, ...windows].map(reset).join(", "),
        },
      };
    }
    return {
      limited,
      headers: {
        "x-ratelimit-limit": limit,
        "x-ratelimit-remaining": String(left(tightest)),
        "x-ratelimit-reset": String(Math.ceil(tightest.resetMs / 1000)),
      },
    };
  };

  // ---- the real server ----
  const upstream = (method: string, path: string, headers: IncomingHttpHeaders, body?: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const request = httpRequest(
        { host: target.hostname, port: target.port, method, path, headers: { ...headers, host: target.host } },
        (response) => {
          const parts: Buffer[] = [];
          response.on("data", (chunk: Buffer) => parts.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(parts) }),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  const parse = (body: Buffer): unknown => {
    try {
      return body.length ? JSON.parse(body.toString()) : undefined;
    } catch {
      return undefined;
    }
  };

  // ---- eventual reads ----
  const changes = new Map<string, Change[]>();
  const deleted = new Set<string>();
  /** The `include_credential` sets lists have asked for, as sorted comma-joined keys ("" for none). */
  const variants = new Set<string>([""]);
  const variantOf = (query: URLSearchParams) => [...new Set(query.getAll("include_credential"))].sort().join(",");
  const lagMs = options.eventualReads?.lagMs ?? 0;
  const forget = () => {
    const cutoff = Date.now() - lagMs;
    for (const [id, list] of changes) {
      const recent = list.filter((change) => change.at > cutoff);
      if (recent.length) changes.set(id, recent);
      else {
        changes.delete(id);
        deleted.delete(id);
      }
    }
  };
  /** How an identity looks in lists now, per variant (before a write). */
  const snapshot = async (id: string, headers: IncomingHttpHeaders): Promise<Map<string, Json | null>> => {
    const before = new Map<string, Json | null>();
    for (const variant of variants) {
      const query = new URLSearchParams({ ids: id, consistency: "strong" });
      for (const type of variant.split(",").filter(Boolean)) query.append("include_credential", type);
      const answer = await upstream("GET", `/admin/identities?${query}`, readHeaders(headers));
      const items = parse(answer.body);
      before.set(variant, answer.status === 200 && Array.isArray(items) && items.length ? (items[0] as Json) : null);
    }
    return before;
  };
  const record = (id: string, before: Map<string, Json | null>) => {
    forget();
    const list = changes.get(id) ?? [];
    list.push({ at: Date.now(), before });
    changes.set(id, list);
  };
  const created = () => new Map([...variants].map((variant) => [variant, null]));
  /** An identity as a list lagging `lagMs` behind shows it (null: absent), given how it is now. */
  const asOf = (id: string, variant: string, now: Json | null): Json | null => {
    const cutoff = Date.now() - lagMs;
    const first = changes.get(id)?.find((change) => change.at > cutoff);
    if (!first) return now;
    return (first.before.has(variant) ? first.before.get(variant) : first.before.get("")) ?? null;
  };
  const lags = (query: URLSearchParams) => {
    if (!options.eventualReads) return false;
    const level = query.get("consistency") || options.eventualReads.defaultConsistency || "eventual";
    const filtered = [
      "credentials_identifier",
      "preview_credentials_identifier_similar",
      "organization_id",
      "page",
      "per_page",
    ].some((name) => query.has(name));
    return level === "eventual" && !filtered;
  };
  /** A list page as it was `lagMs` ago; undefined when the lag changes nothing. */
  const lagging = (query: URLSearchParams, items: Json[], hasNext: boolean): Json[] | undefined => {
    forget();
    if (changes.size === 0) return undefined;
    const variant = variantOf(query);
    const ids = query.getAll("ids");
    const token = query.get("page_token") ?? "";
    const lower = UUID.test(token) ? token.toLowerCase() : token === "" ? "" : undefined;
    const upper = hasNext ? String(items[items.length - 1]?.id ?? "") : undefined;
    const inRange = (id: string) => lower !== undefined && id > lower && (upper === undefined || id <= upper);
    let changed = false;
    const out: Json[] = [];
    for (const item of items) {
      const then = asOf(String(item.id), variant, item);
      if (then !== item) changed = true;
      if (then) out.push(then);
    }
    for (const id of deleted) {
      if (!inRange(id) || (ids.length && !ids.includes(id))) continue;
      const then = asOf(id, variant, null);
      if (then) {
        out.push(then);
        changed = true;
      }
    }
    return changed ? out.sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)) : undefined;
  };

  // ---- requests ----
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const url = new URL(path, "http://emulator.invalid");
    const pathname = url.pathname;

    const limits = rateLimit(method, pathname);
    if (limits?.limited) {
      emulator.limited++;
      res.writeHead(429, { ...limits.headers, "content-length": "0" });
      return res.end();
    }
    const reply = (status: number, headers: IncomingHttpHeaders, payload: Buffer) => {
      const relayed = Object.fromEntries(
        Object.entries(headers).filter(([name, value]) => !HOP_BY_HOP.has(name) && value !== undefined),
      ) as Record<string, string | string[]>;
      const length = status === 204 || status === 304 ? {} : { "content-length": String(payload.length) };
      res.writeHead(status, { ...relayed, ...limits?.headers, ...length });
      res.end(payload);
    };

    if (pathname === "/admin/version") {
      return reply(
        404,
        { "content-type": "application/json" },
        Buffer.from(
          JSON.stringify({ error: { code: 404, status: "Not Found", message: "Unable to locate the resource" } }),
        ),
      );
    }

    // Eventual reads: how the identities a write changes looked before it.
    const track = options.eventualReads !== undefined && !READS.has(method);
    const one = track ? IDENTITY_WRITE.exec(pathname)?.[1] : undefined;
    const before = one ? await snapshot(decodeURIComponent(one), req.headers) : undefined;

    const answer = await upstream(method, path, req.headers, body.length ? body : undefined);

    if (track && answer.status < 300) {
      const result = parse(answer.body) as Json | undefined;
      if (method === "POST" && pathname === "/admin/identities" && typeof result?.id === "string")
        record(result.id, created());
      if (method === "PATCH" && pathname === "/admin/identities") {
        for (const item of (result?.identities as Json[] | undefined) ?? [])
          if (item.action === "create" && typeof item.identity === "string") record(item.identity, created());
      }
      if (one && before) {
        const id = decodeURIComponent(one);
        record(id, before);
        if (method === "DELETE" && pathname === `/admin/identities/${one}`) deleted.add(id);
      }
    }

    if (method === "GET" && pathname === "/admin/identities" && answer.status === 200) {
      const query = url.searchParams;
      variants.add(variantOf(query));
      const items = parse(answer.body);
      if (lags(query) && Array.isArray(items)) {
        const then = lagging(query, items as Json[], /rel="?next"?/.test(String(answer.headers.link ?? "")));
        if (then) {
          emulator.staleReads++;
          return reply(answer.status, answer.headers, Buffer.from(JSON.stringify(then)));
        }
      }
    }
    reply(answer.status, answer.headers, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 502, message: `emulator: ${error.message}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  emulator.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.stop = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return emulator;
}

/** The headers a read of the emulator's own sends with: the client's authorization, nothing else. */
function readHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return { accept: "application/json", ...(headers.authorization ? { authorization: headers.authorization } : {}) };
}
