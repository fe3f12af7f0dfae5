// A recording, fault-injecting HTTP proxy placed in front of the real Kratos (tests and benchmarks).
// It records every request, and can answer 429 (with x-ratelimit-* headers) or 503 for a seeded fraction of
// requests, delay them, reset the connection before forwarding (nothing happened) or after (the write happened
// but the client never heard), and emulate Ory Network's rule that concurrent writes to one path get 429.
// A hook sees every request when it arrives and again when the server has answered (crash tests kill the client
// there), and requests carrying a rejected API key are answered 401 like Ory Network does.
import { createServer, IncomingMessage, request as httpRequest, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Faults {
  /** Fraction (0..1) of matching requests answered 429 without forwarding. */
  rate429?: number;
  /** Fraction answered 503 without forwarding. */
  rate503?: number;
  /** Fraction answered 404 without forwarding (an endpoint the server does not have, or does not let through). */
  rate404?: number;
  /** Fraction whose connection is reset before forwarding. */
  resetBefore?: number;
  /** Fraction forwarded, then the connection reset instead of answering. */
  resetAfter?: number;
  /** Delay before forwarding, ms. */
  delayMs?: number;
  /** Which requests faults apply to (default: all). */
  match?: (method: string, path: string) => boolean;
}

export interface ProxyOptions {
  target: string;
  seed?: number;
  faults?: Faults;
  /** Ory Network rule: a write to a path that already has a write in flight is answered 429. */
  concurrentWrites429?: boolean;
  /** Header value of `Retry-After` (seconds) / `x-ratelimit-reset` on injected 429s. */
  retryAfterSeconds?: number;
  /** Requests with `Authorization: Bearer <one of these>` are answered 401 without forwarding; the answer echoes
   * the token (a careless server might), so tests can check that the client never repeats it. */
  rejectTokens?: string[];
}

/**
 * Called when a request arrives (`received`, before any fault or forwarding) and when the server has answered it
 * (`answered`, before the answer is relayed). `"drop"` resets the client's connection instead of going on: at
 * `received` the request never reaches the server, at `answered` it was applied but the client never hears.
 */
export type Hook = (request: Recorded, stage: "received" | "answered") => void | "drop" | Promise<void | "drop">;

export interface Recorded {
  method: string;
  path: string;
  status?: number;
  fault?:
    | "429"
    | "503"
    | "404"
    | "reset-before"
    | "reset-after"
    | "concurrent-429"
    | "401"
    | "dropped-before"
    | "dropped-after";
  authorization?: string;
  body?: string;
}

export interface Proxy {
  url: string;
  requests: Recorded[];
  setFaults(faults: Faults | undefined): void;
  setHook(hook: Hook | undefined): void;
  /** Resolves when no request is in progress (e.g. the last write of a killed client is done on the server). */
  settled(): Promise<void>;
  /** Count of requests, optionally only those matching. */
  count(filter?: (r: Recorded) => boolean): number;
  clear(): void;
  stop(): Promise<void>;
}

/** mulberry32: a small seeded generator, so fault runs can be repeated exactly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const target = new URL(options.target);
  const random = seeded(options.seed ?? 1);
  let faults = options.faults;
  let hook: Hook | undefined;
  const rejected = new Set((options.rejectTokens ?? []).map((token) => `Bearer ${token}`));
  const requests: Recorded[] = [];
  const inFlightWrites = new Map<string, number>();
  /** Requests received and not finished (answered, dropped or failed). */
  let active = 0;
  let waiters: Array<() => void> = [];
  const finished = () => {
    if (--active > 0) return;
    waiters.forEach((resolve) => resolve());
    waiters = [];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const record: Recorded = {
      method,
      path,
      authorization: req.headers.authorization,
      body: body.length > 0 ? body.toString() : undefined,
    };
    requests.push(record);
    const pathOnly = path.split("?")[0];
    const applies = faults && (!faults.match || faults.match(method, pathOnly));
    const roll = (rate: number | undefined) => applies && rate !== undefined && rate > 0 && random() < rate;
    const retryAfter = String(options.retryAfterSeconds ?? 0);

    if ((await hook?.(record, "received")) === "drop") {
      record.fault = "dropped-before";
      req.socket.destroy();
      return;
    }
    if (record.authorization !== undefined && rejected.has(record.authorization)) {
      record.fault = "401";
      record.status = 401;
      res.writeHead(401, { "content-type": "application/json" });
      const reason = `the API key ${record.authorization.slice("Bearer ".length)} is not valid for this project`;
      res.end(
        JSON.stringify({
          error: { code: 401, status: "Unauthorized", reason, message: "The request could not be authorized" },
        }),
      );
      return;
    }
    if (options.concurrentWrites429 && WRITE.has(method) && (inFlightWrites.get(pathOnly) ?? 0) > 0) {
      record.fault = "concurrent-429";
      record.status = 429;
      res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter });
      res.end(
        JSON.stringify({
          error: { code: 429, status: "Too Many Requests", message: "concurrent request to the same path" },
        }),
      );
      return;
    }
    if (roll(faults?.rate429)) {
      record.fault = "429";
      record.status = 429;
      const reset = Math.floor(Date.now() / 1000) + Number(retryAfter);
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": retryAfter,
        "x-ratelimit-limit": "10",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(reset),
      });
      res.end(
        JSON.stringify({ error: { code: 429, status: "Too Many Requests", message: "rate limited (injected)" } }),
      );
      return;
    }
    if (roll(faults?.rate503)) {
      record.fault = "503";
      record.status = 503;
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 503, status: "Service Unavailable", message: "injected" } }));
      return;
    }
    if (roll(faults?.rate404)) {
      record.fault = "404";
      record.status = 404;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 404, status: "Not Found", message: "injected" } }));
      return;
    }
    if (roll(faults?.resetBefore)) {
      record.fault = "reset-before";
      req.socket.destroy();
      return;
    }
    const resetAfter = roll(faults?.resetAfter);
    if (faults?.delayMs && applies) await new Promise((r) => setTimeout(r, faults?.delayMs));

    if (WRITE.has(method)) inFlightWrites.set(pathOnly, (inFlightWrites.get(pathOnly) ?? 0) + 1);
    await new Promise<void>((done) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method, path, headers: { ...req.headers, host: target.host } },
        (response) => {
          const parts: Buffer[] = [];
          response.on("data", (c: Buffer) => parts.push(c));
          response.on("end", async () => {
            if (WRITE.has(method)) inFlightWrites.set(pathOnly, (inFlightWrites.get(pathOnly) ?? 1) - 1);
            record.status = response.statusCode;
            if ((await hook?.(record, "answered")) === "drop") {
              record.fault = "dropped-after";
              req.socket.destroy();
            } else if (resetAfter) {
              record.fault = "reset-after";
              req.socket.destroy();
            } else {
              res.writeHead(response.statusCode ?? 502, response.headers);
              res.end(Buffer.concat(parts));
            }
            done();
          });
        },
      );
      upstream.on("error", (error) => {
        if (WRITE.has(method)) inFlightWrites.set(pathOnly, (inFlightWrites.get(pathOnly) ?? 1) - 1);
        record.status = 502;
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 502, message: `proxy: ${error.message}` } }));
        done();
      });
      upstream.end(body);
    });
  };

  const server = createServer((req, res) => {
    active++;
    handle(req, res)
      .catch(() => req.socket.destroy())
      .finally(finished);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFaults(next) {
      faults = next;
    },
    setHook(next) {
      hook = next;
    },
    settled() {
      return active === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
    count(filter) {
      return filter ? requests.filter(filter).length : requests.length;
    },
    clear() {
      requests.length = 0;
    },
    stop() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
