// Stands in for a newer Ory server (Ory Network, or Kratos >= v25) in front of the real Kratos v1.3.1, for the paths
// v1.3.1 lacks. Only the admin API's behaviour the tool depends on is emulated; everything else is the real server:
// - `GET /admin/version`: the given version, or 404 like an Ory Network project (the client then assumes Ory Network).
// - `external_id` and `organization_id`: kept here per identity id (v1.3.1 refuses them in create bodies) and added
//   to every identity the server answers with. As Kratos v25's handlers do it: a create stores both; a PUT stores
//   `external_id` and clears it when absent, and ignores `organization_id` (not an update field); a JSON Patch may
//   change both. `GET /admin/identities/by/external/{id}` answers the identity or 404. Uniqueness is not enforced.
// - Rate limits (optional): a fixed window per class (reads, writes) with `x-ratelimit-limit/-remaining/-reset`
//   (reset in seconds, rounded up) on every answer, and 429 once the window's budget is spent.
// Put the recording proxy in front of this to see the requests exactly as the client sent them.
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmulatorOptions {
  /** The real Kratos admin URL. */
  target: string;
  /** Answered at /admin/version; undefined: 404 (Ory Network). */
  version?: string;
  /** Requests per window and class; undefined: no rate limit, no headers. */
  rateLimit?: { limit: number; windowMs: number };
}

export interface Emulator {
  url: string;
  /** Requests answered 429 by the rate limit. */
  limited: number;
  /** The emulated fields per identity id. */
  fields: Map<string, { external_id?: string; organization_id?: string | null }>;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;
const EMULATED = ["external_id", "organization_id"] as const;

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const fields: Emulator["fields"] = new Map();
  const windows = new Map<string, { used: number; endsAt: number }>();
  const emulator: Emulator = { url: "", limited: 0, fields, stop: async () => undefined };

  const decorate = (identity: unknown): unknown => {
    if (!identity || typeof identity !== "object" || typeof (identity as Json).id !== "string") return identity;
    const own = fields.get((identity as Json).id as string) ?? {};
    const out: Json = { ...(identity as Json), organization_id: own.organization_id ?? (identity as Json).organization_id ?? null };
    if (own.external_id !== undefined) out.external_id = own.external_id;
    return out;
  };
  /** Takes the emulated fields out of a create body; returns what was taken. */
  const takeFields = (body: Json): { external_id?: string; organization_id?: string | null } => {
    const taken: Json = {};
    for (const name of EMULATED) {
      if (name in body) taken[name] = body[name];
      delete body[name];
    }
    return taken as { external_id?: string; organization_id?: string | null };
  };

  const rateLimit = (method: string): Record<string, string> | "limited" | undefined => {
    if (!options.rateLimit) return undefined;
    const { limit, windowMs } = options.rateLimit;
    const kind = ["GET", "HEAD"].includes(method) ? "read" : "write";
    const now = Date.now();
    let window = windows.get(kind);
    if (!window || now >= window.endsAt) windows.set(kind, (window = { used: 0, endsAt: now + windowMs }));
    const headers = (used: number) => ({
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-reset": String(Math.ceil((window.endsAt - Date.now()) / 1000)),
    });
    if (window.used >= limit) return "limited";
    window.used++;
    return headers(window.used);
  };

  const forward = async (method: string, path: string, req: IncomingMessage, body: unknown) =>
    fetch(new URL(path, options.target), {
      method,
      headers: { "content-type": "application/json", accept: "application/json", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const pathname = path.split("?")[0];

    const limits = rateLimit(method);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...(limits === "limited" ? {} : limits), ...headers });
      res.end(status === 204 ? undefined : JSON.stringify(payload));
    };
    if (limits === "limited") {
      emulator.limited++;
      const window = windows.get(["GET", "HEAD"].includes(method) ? "read" : "write");
      const reset = String(Math.ceil(((window?.endsAt ?? Date.now()) - Date.now()) / 1000));
      return send(429, { error: { code: 429, status: "Too Many Requests", message: "rate limit exceeded (emulated)" } }, { "x-ratelimit-limit": String(options.rateLimit?.limit), "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
    }
    const notFound = () => send(404, { error: { code: 404, status: "Not Found", message: "Unable to locate the resource" } });

    if (pathname === "/admin/version") return options.version ? send(200, { version: options.version }) : notFound();

    const byExternal = /^\/admin\/identities\/by\/external\/([^/]+)$/.exec(pathname);
    if (method === "GET" && byExternal) {
      const externalId = decodeURIComponent(byExternal[1]);
      const id = [...fields].find(([, own]) => own.external_id === externalId)?.[0];
      if (!id) return notFound();
      const response = await forward("GET", `/admin/identities/${id}`, req, undefined);
      if (response.status === 404) fields.delete(id);
      return send(response.status, decorate(await response.json()));
    }

    const one = /^\/admin\/identities\/([^/]+)$/.exec(pathname)?.[1];
    let forwarded = body;
    let afterwards: (answer: unknown) => void = () => undefined;
    if (method === "POST" && pathname === "/admin/identities") {
      const taken = takeFields(body as Json);
      afterwards = (answer) => fields.set((answer as Json).id as string, taken);
    } else if (method === "PATCH" && pathname === "/admin/identities") {
      const items = (body as { identities: Array<{ patch_id?: string; create?: Json }> }).identities;
      const taken = new Map(items.map((item) => [item.patch_id, item.create ? takeFields(item.create) : {}]));
      afterwards = (answer) => {
        for (const result of (answer as { identities?: Json[] }).identities ?? []) {
          if (result.action === "create" && typeof result.identity === "string") fields.set(result.identity, taken.get(result.patch_id as string) ?? {});
        }
      };
    } else if (method === "PUT" && one) {
      const taken = takeFields(body as Json);
      afterwards = () => fields.set(one, { ...fields.get(one), external_id: taken.external_id });
    } else if (method === "PATCH" && one) {
      const ops = body as Array<{ op: string; path: string; value?: unknown }>;
      const mine = (op: { path: string }) => EMULATED.some((name) => op.path === `/${name}`);
      forwarded = ops.filter((op) => !mine(op));
      afterwards = () => {
        const own = { ...fields.get(one) };
        for (const op of ops.filter(mine)) {
          const name = op.path.slice(1) as (typeof EMULATED)[number];
          if (op.op === "remove") delete own[name];
          else if (op.op === "add" || op.op === "replace") (own as Json)[name] = op.value;
        }
        fields.set(one, own);
      };
    } else if (method === "DELETE" && one) {
      afterwards = () => fields.delete(one);
    }

    const response = await forward(method, path, req, forwarded);
    const link = response.headers.get("link");
    const answerText = await response.text();
    if (response.status >= 400) return send(response.status, answerText ? JSON.parse(answerText) : undefined, link ? { link } : {});
    const answer = answerText ? (JSON.parse(answerText) as unknown) : undefined;
    afterwards(answer);
    send(response.status, Array.isArray(answer) ? answer.map(decorate) : decorate(answer), link ? { link } : {});
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
