// Reads: identities and identity schemas, page by page following `Link: <…>; rel="next"`. The end of a list is the
// absence of a next link, never a short page. Identities are returned exactly as the server sent them.
import type { GetIdentityIncludeCredentialEnum, ListIdentitiesRequest } from "@ory/client-fetch";
import type { Json, LiveIdentity } from "../reconcile/core/types";
import { Api, call, readJson } from "./api";
import { Operation, OryApiError } from "./errors";
import { nextLink, PageQuery, pageQueryOf } from "./link";

export interface ListIdentitiesOptions {
  /** Identities per page (default: the server's maximum when capabilities are known, else 500). */
  pageSize?: number;
  /** Called after every page with the number of identities fetched so far. */
  onPage?: (fetched: number) => void;
  /** `strong` for a read that must see this run's own writes (Ory Network; Kratos accepts it, strong is its default). */
  consistency?: Consistency;
  /** Credential types whose identifiers and config the list must include (e.g. `["password"]`). */
  includeCredential?: string[];
  /**
   * Include every credential's identifiers (the OIDC links `google:10987654321` among them) and no credential's
   * config. Kratos lists no credentials unless `include_credential` names a type, and then sends the config of the
   * types named: for `oidc` that is every linked user's initial access, refresh and ID token. So the list names
   * `link_recovery`, a type that no identity stores ("not used within the credentials object itself", Kratos'
   * API reference): credentials are listed, no config is (seen on Kratos v1.3.1, v26.2.0 and master).
   */
  credentialIdentifiers?: boolean;
  /** Applied to each identity as its page arrives (e.g. to keep only the fields a planner reads of a large list). */
  map?: (identity: LiveIdentity) => LiveIdentity;
  signal?: AbortSignal;
}

export type Consistency = "strong" | "eventual";

export interface IdentitySchema {
  id: string;
  schema: Json;
}

/** The credential type that makes a list carry credential identifiers without any config (see `credentialIdentifiers`). */
const IDENTIFIERS_ONLY = "link_recovery";

const IDENTITIES: Operation = { method: "GET", path: "/admin/identities" };
const SCHEMAS: Operation = { method: "GET", path: "/schemas" };

export async function listIdentities(
  api: Api,
  options: ListIdentitiesOptions & { pageSize: number; filter?: Omit<ListIdentitiesRequest, keyof PageQuery> },
): Promise<LiveIdentity[]> {
  const { signal } = options;
  const filter = {
    ...options.filter,
    ...(options.consistency ? { consistency: options.consistency } : {}),
    ...(options.includeCredential || options.credentialIdentifiers
      ? {
          includeCredential: [
            ...(options.includeCredential ?? []),
            ...(options.credentialIdentifiers ? [IDENTIFIERS_ONLY] : []),
          ],
        }
      : {}),
  };
  return collectPages<LiveIdentity>(
    api,
    IDENTITIES,
    { pageSize: options.pageSize },
    (page, pageSignal) => api.identity.listIdentitiesRaw({ ...filter, ...page }, { signal: pageSignal }),
    options.onPage,
    signal,
    options.map,
  );
}

/** The identities with these ids (unknown ids are left out), in chunks of `chunkSize` ids per filter. */
export async function listIdentitiesByIds(
  api: Api,
  ids: string[],
  chunkSize: number,
  consistency?: Consistency,
): Promise<LiveIdentity[]> {
  const unique = [...new Set(ids)];
  const found: LiveIdentity[] = [];
  for (let start = 0; start < unique.length; start += chunkSize) {
    const chunk = unique.slice(start, start + chunkSize);
    found.push(...(await listIdentities(api, { pageSize: chunk.length, filter: { ids: chunk }, consistency })));
  }
  return found;
}

/** `GET /admin/identities?credentials_identifier=…`: identities with this credential identifier (Kratos compares it
 * as it stores it: lower-cased e-mails and usernames). */
export async function listIdentitiesByCredentialIdentifier(
  api: Api,
  identifier: string,
  pageSize: number,
): Promise<LiveIdentity[]> {
  return listIdentities(api, { pageSize, filter: { credentialsIdentifier: identifier } });
}

/** `GET /admin/identities/by/external/{externalID}` (Ory Network, Kratos >= v25); undefined when none has it. */
export async function getIdentityByExternalId(api: Api, externalId: string): Promise<LiveIdentity | undefined> {
  const op = { method: "GET", path: `/admin/identities/by/external/${encodeURIComponent(externalId)}` };
  try {
    return (await readJson(
      await call(api, op, () => api.identity.getIdentityByExternalIDRaw({ externalID: externalId })),
      op,
    )) as LiveIdentity;
  } catch (error) {
    if (error instanceof OryApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** One identity; an unknown id throws OryApiError with status 404. `includeCredentials` e.g. `["password"]`. */
export async function getIdentity(api: Api, id: string, includeCredentials?: string[]): Promise<LiveIdentity> {
  const op = { method: "GET", path: `/admin/identities/${encodeURIComponent(id)}` };
  const includeCredential = includeCredentials as GetIdentityIncludeCredentialEnum[] | undefined;
  return (await readJson(
    await call(api, op, () => api.identity.getIdentityRaw({ id, includeCredential })),
    op,
  )) as LiveIdentity;
}

export async function listSchemas(api: Api): Promise<IdentitySchema[]> {
  const containers = await collectPages<{ id?: unknown; schema?: unknown }>(
    api,
    SCHEMAS,
    { pageSize: 500 },
    (page, pageSignal) => api.identity.listIdentitySchemasRaw(page, { signal: pageSignal }),
  );
  return containers.map((container) => ({ id: String(container.id), schema: (container.schema ?? null) as Json }));
}

async function collectPages<T>(
  api: Api,
  op: Operation,
  first: PageQuery,
  fetchPage: (page: PageQuery, signal: AbortSignal) => Promise<{ raw: Response }>,
  onPage?: (fetched: number) => void,
  signal?: AbortSignal,
  map?: (item: T) => T,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set([JSON.stringify(first)]);
  // Ends a request read ahead when this list fails (or the caller aborts), so that it does not go on retrying.
  const stop = new AbortController();
  const abort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", abort, { once: true });
  if (signal?.aborted) abort();
  const request = (page: PageQuery) => {
    const pending = call(api, op, () => fetchPage(page, stop.signal), stop.signal);
    pending.catch(() => undefined); // awaited below; never an unhandled rejection if an earlier page fails first
    return pending;
  };
  try {
    // One page ahead: the next link is in the headers, so the next request goes out before this page's body is
    // read and mapped, and the server prepares page k+1 while we parse page k.
    for (let pending: Promise<Response> | undefined = request(first); pending;) {
      const response = await pending;
      const next = followNext(op, response, api.endpoint, seen);
      pending = next && request(next);
      const body = await readJson(response, op);
      if (!Array.isArray(body)) throw new OryApiError(op, response.status, "expected a JSON array");
      if (map) for (const item of body as T[]) items.push(map(item));
      else items.push(...(body as T[]));
      onPage?.(items.length);
    }
    return items;
  } finally {
    signal?.removeEventListener("abort", abort);
    stop.abort(); // nothing is in flight after the last page; after a failure, the page read ahead is cancelled
  }
}

/** The query of the next page, or undefined on the last page. Refuses links that cannot be followed or loop. */
function followNext(op: Operation, response: Response, endpoint: string, seen: Set<string>): PageQuery | undefined {
  const next = nextLink(response.headers.get("link"), response.url || endpoint);
  if (next === undefined) return undefined;
  const query = pageQueryOf(next);
  if (!query) throw new OryApiError(op, response.status, `the next-page link has no pagination parameters: ${next}`);
  const key = JSON.stringify(query);
  if (seen.has(key)) throw new OryApiError(op, response.status, `the next-page link repeats an earlier page: ${next}`);
  seen.add(key);
  return query;
}
