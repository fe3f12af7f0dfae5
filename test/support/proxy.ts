// A recording, fault-injecting HTTP proxy placed in front of the real Kratos (tests and benchmarks).
// It records every request, and can answer 429 (with x-ratelimit-* headers) or 503 for a seeded fraction of
// requests, delay them, reset the connection before forwarding (nothing happened) or after (the write happened
// but the client never heard), and emulate Ory Network's rule that concurrent writes to one path get 429.
import { createServer, IncomingMessage, request as httpRequest, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Faults {
  /** Fraction (0..1) of matching requests answered 429 without forwarding. */
  rate429?: number;
  /** Fraction answered 503 without forwarding. */
  rate503?: number;
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
}

export interface Recorded {
  method: string;
  path: string;
  status?: number;
  fault?: "429" | "503" | "reset-before" | "reset-after" | "concurrent-429";
  authorization?: string;
  body?: string;
}

export interface Proxy {
  url: string;
  requests: Recorded[];
  setFaults(faults: Faults | undefined): void;
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
  const requests: Recorded[] = [];
  const inFlightWrites = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const record: Recorded = { method, path, authorization: req.headers.authorization, body: body.length > 0 ? body.toString() : undefined };
    requests.push(record);
    const pathOnly = path.split("?")[0];
    const applies = faults && (!faults.match || faults.match(method, pathOnly));
    const roll = (rate: number | undefined) => applies && rate !== undefined && rate > 0 && random() < rate;
    const retryAfter = String(options.retryAfterSeconds ?? 0);

    if (options.concurrentWrites429 && WRITE.has(method) && (inFlightWrites.get(pathOnly) ?? 0) > 0) {
      record.fault = "concurrent-429";
      record.status = 429;
      res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter });
      res.end(JSON.stringify({ error: { code: 429, status: "Too Many Requests", message: "concurrent request to the same path" } }));
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
      res.end(JSON.stringify({ error: { code: 429, status: "Too Many Requests", message: "rate limited (injected)" } }));
      return;
    }
    if (roll(faults?.rate503)) {
      record.fault = "503";
      record.status = 503;
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 503, status: "Service Unavailable", message: "injected" } }));
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
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers: { ...req.headers, host: target.host } },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (c: Buffer) => parts.push(c));
        response.on("end", () => {
          if (WRITE.has(method)) inFlightWrites.set(pathOnly, (inFlightWrites.get(pathOnly) ?? 1) - 1);
          record.status = response.statusCode;
          if (resetAfter) {
            record.fault = "reset-after";
            req.socket.destroy();
            return;
          }
          res.writeHead(response.statusCode ?? 502, response.headers);
          res.end(Buffer.concat(parts));
        });
      },
    );
    upstream.on("error", (error) => {
      if (WRITE.has(method)) inFlightWrites.set(pathOnly, (inFlightWrites.get(pathOnly) ?? 1) - 1);
      record.status = 502;
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 502, message: `proxy: ${error.message}` } }));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFaults(next) {
      faults = next;
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
