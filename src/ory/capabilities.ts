// What the server behind an endpoint supports, from its URL and `GET /admin/version`.
//
// Sources of the numbers:
// - Kratos v1.x (checked in the v1.3.1 source): `BatchPatchIdentitiesLimit = 2000` (identity/handler.go), with or
//   without plaintext passwords. We still send at most 200 identities with plaintext passwords per batch, as newer
//   servers require: the server hashes each (bcrypt), which bounds the batch, and smaller batches keep every
//   server core busy. The identity list's keyset paginator sets no maximum page size (the OpenAPI document declares
//   page_size <= 500, per_page <= 1000): we use 1000, verified against a real v1.3.1 in the integration tests.
// - Kratos >= v25 and Ory Network (OpenAPI docs v26.2.0 / client v1.22.43): batches of up to 1000 identities, 200
//   when one carries a plaintext password; page_size <= 500; the `ids` filter returns at most 500 identities.
//   `external_id` exists from Kratos v25 on and on Ory Network.
// - `organization_id` in a create body: Ory Network and Kratos v26.2.0 declare it (createIdentityBody); the v1.3.1
//   document does not, and v1.3.1 decodes create bodies strictly (an unknown field fails the request).
// - `consistency` (strong | eventual) on `GET /admin/identities`: declared by all three documents (kratos v1.3.1 and
//   v26.2.0, Ory Network client v1.22.43). Kratos v1.3.1 parses it too (ory/x crdbx: strong is its default; only
//   `eventual` changes anything, on CockroachDB). No document declares it on any other read, so it is always sent
//   where it matters: on the read that verifies batch creates.
import { randomUUID } from "node:crypto";
import { ResponseError } from "@ory/client-fetch";
import type { Capabilities } from "../reconcile/core/capabilities";
import { Api, call, readJson } from "./api";
import { OryApiError } from "./errors";

export type { Capabilities } from "../reconcile/core/capabilities";
export { batchLimit } from "../reconcile/core/capabilities";

/** Page size when nothing is known about the server: the limit every Ory server accepts. */
export const DEFAULT_PAGE_SIZE = 500;

export const NETWORK_CAPABILITIES: Capabilities = {
  version: undefined,
  flavor: "network",
  externalId: true,
  organizationId: true,
  batchCreateLimit: 1000,
  batchCreateLimitWithPassword: 200,
  pageSizeMax: 500,
  idsFilterMax: 500,
  // Ory Network does not say which Kratos it runs: the rules every server has, so nothing is refused or paired
  // that the server would not refuse or pair.
  identifierRules: "lower",
  hashCostLimits: false,
  passwordChanges: true,
};

export function isOryNetworkUrl(endpoint: string): boolean {
  return /(^|\.)oryapis\.com$/i.test(new URL(endpoint).hostname);
}

/** The major version of a Kratos version string (`v1.3.1` -> 1, `v26.2.0-202-gb86338da0` -> 26), or undefined. */
export function kratosMajor(version: string): number | undefined {
  const major = /^v?(\d+)\.\d+/.exec(version.trim())?.[1];
  return major === undefined ? undefined : Number(major);
}

/**
 * Whether a Kratos version string names a build after release v26.2.0: a later release (`v26.3.0`, `v27.0.0`), or a
 * `git describe` build with commits after v26.2.0 (`v26.2.0-202-gb86338da0`, the master in ../shared/ory-kratos).
 * False for v26.2.0 itself, older releases, and a version that names no release (`master`, a dev build).
 */
export function afterV26_2_0(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g[0-9a-f]+)?/.exec(version.trim());
  if (!m) return false;
  const [major, minor, patch, commits] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (major !== 26) return major > 26;
  if (minor !== 2) return minor > 2;
  return patch > 0 || commits > 0;
}

/**
 * Capabilities of a self-hosted Kratos from its version string: below v25 the v1.x limits and no `external_id`;
 * v25 and later (a `git describe` build such as `v26.2.0-202-gb86338da0` included) the newer limits with it. A
 * version that names no release (`master`, a dev build) gets the limits every server accepts (pages of 500, batches
 * of 1000) and `external_id` / `organization_id` as `probedExternalId` says (see {@link detectCapabilities}).
 * After v26.2.0 (see {@link afterV26_2_0}) identifiers are compared by the `precis` rules and hash costs are bounded.
 */
export function kratosCapabilities(version: string, probedExternalId = false): Capabilities {
  const major = kratosMajor(version);
  if (major !== undefined && major < 25) {
    return {
      ...NETWORK_CAPABILITIES,
      version,
      flavor: "kratos",
      externalId: false,
      organizationId: false,
      batchCreateLimit: 2000,
      pageSizeMax: 1000,
      passwordChanges: false,
    };
  }
  const newer = major !== undefined || probedExternalId;
  // Identifier normalization (x/normalize.go) and hash cost bounds (hash/hash_limits.go) came after v26.2.0; a version
  // that names no release gets neither, so that nothing is refused or paired that such a server would not.
  const later = afterV26_2_0(version);
  return {
    ...NETWORK_CAPABILITIES,
    version,
    flavor: "kratos",
    externalId: newer,
    organizationId: newer,
    identifierRules: later ? "precis" : "lower",
    hashCostLimits: later,
    passwordChanges: newer,
  };
}

/**
 * Ory Network for its project URLs or when `GET /admin/version` does not exist; otherwise Kratos of the version it
 * answers. When that version names no release, one probe decides: `GET /admin/identities/by/external/<random>`.
 */
export async function detectCapabilities(api: Api): Promise<Capabilities> {
  if (isOryNetworkUrl(api.endpoint)) return NETWORK_CAPABILITIES;
  const op = { method: "GET", path: "/admin/version" };
  let body: unknown;
  try {
    body = await readJson(await call(api, op, () => api.admin.getVersionRaw()), op);
  } catch (error) {
    if (error instanceof OryApiError && !error.retriable) return NETWORK_CAPABILITIES;
    throw error;
  }
  const version = (body as { version?: unknown } | null)?.version;
  if (typeof version !== "string" || version === "") return NETWORK_CAPABILITIES;
  return kratosCapabilities(version, kratosMajor(version) === undefined && (await hasExternalIdLookup(api)));
}

/**
 * Whether the server has `GET /admin/identities/by/external/{id}` (Kratos >= v25): for an id nobody has, the handler
 * answers a JSON 404 (`{"error": {...}}`), while a server without the route answers its router's plain-text
 * `404 page not found` (both seen on the real v26.2.0 and v1.3.1). Any other failure is thrown as usual.
 */
async function hasExternalIdLookup(api: Api): Promise<boolean> {
  const externalID = `ory-reconcile-probe-${randomUUID()}`;
  const op = { method: "GET", path: "/admin/identities/by/external/{id}" };
  let routed = true;
  await call(api, op, async () => {
    try {
      return await api.identity.getIdentityByExternalIDRaw({ externalID });
    } catch (error) {
      if (!(error instanceof ResponseError) || error.response.status !== 404) throw error;
      routed = /json/i.test(error.response.headers.get("content-type") ?? "");
      return { raw: error.response };
    }
  });
  return routed;
}
