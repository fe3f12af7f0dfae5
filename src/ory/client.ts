// The Ory admin API client: the official SDK (@ory/client-fetch) on a retrying fetch, plus the few operations
// ory-reconcile needs. The API key goes into the Authorization header and nowhere else.
import { Configuration, IdentityApi, MetadataApi } from "@ory/client-fetch";
import type { LiveIdentity, PatchOp } from "../reconcile/core/types";
import { Api } from "./api";
import { Capabilities, DEFAULT_PAGE_SIZE, detectCapabilities } from "./capabilities";
import { createRetryingFetch, RequestEvent } from "./fetch";
import { deleteIdentitySessions } from "./sessions";
import {
  Consistency,
  getIdentity,
  getIdentityByExternalId,
  IdentitySchema,
  listIdentities,
  listIdentitiesByCredentialIdentifier,
  listIdentitiesByIds,
  ListIdentitiesOptions,
  listSchemas,
} from "./reads";
import { RetryOptions, retryPolicy } from "./retry";
import { importsCredential } from "./credential-imports";
import { createRecovery, RecoveryGrant, recoveryRefusedBy } from "./recovery";
import type { ImportedType, RecoveryDecl } from "../reconcile/core/types";
import {
  BatchItem,
  BatchResult,
  batchCreate,
  createIdentity,
  deleteCredentialIdentifier,
  deleteCredentialType,
  deleteIdentity,
  IdentityWriteBody,
  patchIdentity,
  putIdentity,
} from "./writes";

export interface OryClientOptions {
  /** Kratos admin URL (`http://127.0.0.1:4434`) or Ory Network project URL (`https://<slug>.projects.oryapis.com`). */
  endpoint: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged, never part of an error. */
  apiKey?: string;
  retry?: RetryOptions;
  /** The fetch to build on (default: the global fetch). */
  fetch?: typeof fetch;
  /** Default `ory-reconcile`. */
  userAgent?: string;
  /** Called after every attempt of every request. */
  onRequest?: (event: RequestEvent) => void;
}

export interface OryClient {
  /** The normalized endpoint (no trailing slash). */
  readonly endpoint: string;
  /** Detected once per client, then cached. */
  capabilities(): Promise<Capabilities>;
  listIdentities(options?: ListIdentitiesOptions): Promise<LiveIdentity[]>;
  getIdentity(id: string, includeCredentials?: string[]): Promise<LiveIdentity>;
  /** Ory Network and Kratos >= v25 only; undefined when no identity has this external_id. */
  getIdentityByExternalId(externalId: string): Promise<LiveIdentity | undefined>;
  listIdentitiesByIds(ids: string[], options?: { consistency?: Consistency }): Promise<LiveIdentity[]>;
  listIdentitiesByCredentialIdentifier(identifier: string): Promise<LiveIdentity[]>;
  listSchemas(): Promise<IdentitySchema[]>;
  batchCreate(items: BatchItem[]): Promise<BatchResult[]>;
  createIdentity(body: IdentityWriteBody): Promise<LiveIdentity>;
  patchIdentity(id: string, ops: PatchOp[]): Promise<LiveIdentity>;
  putIdentity(id: string, body: IdentityWriteBody): Promise<LiveIdentity>;
  deleteIdentity(id: string): Promise<"deleted" | "already-gone">;
  /** Removes one OIDC/SAML link: see {@link deleteCredentialIdentifier}. */
  deleteCredentialIdentifier(
    id: string,
    type: "oidc" | "saml",
    identifier: string,
  ): Promise<"deleted" | "already-gone">;
  /** Removes a whole credential type: see {@link deleteCredentialType}. */
  deleteCredentialType(id: string, type: ImportedType): Promise<"deleted" | "already-gone">;
  /** Whether the server imports this credential type (probed once per type and client): see {@link importsCredential}. */
  importsCredential(type: ImportedType): Promise<boolean>;
  /** A recovery link or code for the identity: see {@link createRecovery}. */
  createRecovery(identityId: string, recovery: RecoveryDecl): Promise<RecoveryGrant>;
  /** Why the server would refuse recovery links or codes of `method`, asked once per method and client: see {@link recoveryRefusedBy}. */
  recoveryRefusedBy(method: RecoveryDecl["method"]): Promise<string | undefined>;
  /** Revokes every session of an identity: see {@link deleteIdentitySessions}. */
  deleteIdentitySessions(id: string): Promise<"revoked" | "none">;
}

/**
 * Ids per `ids`-filtered list request. Kratos echoes the whole filter in each `Link` header (twice), so 500 ids
 * make ~40 KB of response headers, more than Node's HTTP client accepts (16 KB): 100 ids keep both small.
 */
const IDS_PER_REQUEST = 100;

export function createOryClient(options: OryClientOptions): OryClient {
  const endpoint = normalizeEndpoint(options.endpoint);
  const fetchApi = createRetryingFetch({
    fetch: options.fetch ?? fetch,
    policy: retryPolicy(options.retry),
    onRequest: options.onRequest,
  });
  const configuration = (basePath: string) =>
    new Configuration({
      basePath,
      fetchApi,
      accessToken: options.apiKey,
      headers: { "User-Agent": options.userAgent ?? "ory-reconcile", Accept: "application/json" },
    });
  const api: Api = {
    endpoint,
    identity: new IdentityApi(configuration(endpoint)),
    admin: new MetadataApi(configuration(`${endpoint}/admin`)),
    secrets: options.apiKey ? [options.apiKey] : [],
  };

  let detecting: Promise<Capabilities> | undefined;
  let known: Capabilities | undefined;
  const capabilities = () =>
    (detecting ??= detectCapabilities(api).then(
      (detected) => (known = detected),
      (error: unknown) => {
        detecting = undefined;
        throw error;
      },
    ));

  const imports = new Map<ImportedType, Promise<boolean>>();
  const probeImport = (type: ImportedType) => {
    let known = imports.get(type);
    if (!known) {
      imports.set(type, (known = importsCredential(api, type)));
      known.catch(() => imports.delete(type)); // a failed probe is not remembered
    }
    return known;
  };

  const recoveryMethods = new Map<RecoveryDecl["method"], Promise<string | undefined>>();
  const probeRecovery = (method: RecoveryDecl["method"]) => {
    let known = recoveryMethods.get(method);
    if (!known) {
      recoveryMethods.set(method, (known = recoveryRefusedBy(api, method)));
      known.catch(() => recoveryMethods.delete(method)); // a failed probe is not remembered
    }
    return known;
  };

  return {
    endpoint,
    capabilities,
    listIdentities: (list = {}) =>
      listIdentities(api, { ...list, pageSize: list.pageSize ?? known?.pageSizeMax ?? DEFAULT_PAGE_SIZE }),
    getIdentity: (id, includeCredentials) => getIdentity(api, id, includeCredentials),
    getIdentityByExternalId: (externalId) => getIdentityByExternalId(api, externalId),
    listIdentitiesByIds: (ids, byIds = {}) =>
      listIdentitiesByIds(
        api,
        ids,
        Math.min(known?.idsFilterMax ?? DEFAULT_PAGE_SIZE, IDS_PER_REQUEST),
        byIds.consistency,
      ),
    listIdentitiesByCredentialIdentifier: (identifier) =>
      listIdentitiesByCredentialIdentifier(api, identifier, DEFAULT_PAGE_SIZE),
    listSchemas: () => listSchemas(api),
    batchCreate: (items) => batchCreate(api, items),
    createIdentity: (body) => createIdentity(api, body),
    patchIdentity: (id, ops) => patchIdentity(api, id, ops),
    putIdentity: (id, body) => putIdentity(api, id, body),
    deleteIdentity: (id) => deleteIdentity(api, id),
    deleteCredentialIdentifier: (id, type, identifier) => deleteCredentialIdentifier(api, id, type, identifier),
    deleteCredentialType: (id, type) => deleteCredentialType(api, id, type),
    importsCredential: probeImport,
    createRecovery: (identityId, recovery) => createRecovery(api, identityId, recovery),
    recoveryRefusedBy: probeRecovery,
    deleteIdentitySessions: (id) => deleteIdentitySessions(api, id),
  };
}

/** `http(s)://host[:port][/prefix]` without trailing slash, query or fragment, nor a trailing `/admin` or
 * `/admin/identities` (the API's own paths, which every request adds). Credentials in the URL are refused (they
 * would end up in logs): use `apiKey`. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new Error(
      "invalid endpoint: expected a URL such as http://127.0.0.1:4434 or https://<project>.projects.oryapis.com",
    );
  }
  if (url.username || url.password)
    throw new Error("the endpoint URL must not contain credentials: pass the API key as apiKey (ORY_API_KEY)");
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`invalid endpoint: the scheme ${url.protocol} is not supported, use http or https`);
  }
  if (url.port === "0")
    throw new Error("invalid endpoint: port 0 cannot be connected to, use the port the server listens on");
  return `${url.origin}${url.pathname.replace(/\/+$/, "").replace(/\/admin(\/identities)?$/, "")}`;
}
