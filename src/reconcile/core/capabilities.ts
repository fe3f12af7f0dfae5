// What a server can do (told by its version, or Ory Network's published limits) and the batch sizes that follow.
// Pure: ory/capabilities.ts detects them over HTTP.
import type { JsonObject } from "./types";

export interface Capabilities {
  /** `v1.3.1`, or undefined when the server does not tell (Ory Network). */
  version: string | undefined;
  flavor: "kratos" | "network";
  externalId: boolean;
  /** `organization_id` may be set when creating an identity. */
  organizationId: boolean;
  /** Most identities in one batch `PATCH /admin/identities`. */
  batchCreateLimit: number;
  /** Same, when at least one identity carries a plaintext password (hashed on the server). */
  batchCreateLimitWithPassword: number;
  /** Largest `page_size` for `GET /admin/identities`. */
  pageSizeMax: number;
  /** Most ids in one `ids` filter. */
  idsFilterMax: number;
  /**
   * How the server normalizes credential identifiers and addresses before it compares them: `lower` (Kratos up to
   * v26.2.0: Go's `strings.ToLower`, e-mail addresses also trimmed), or `precis` (Kratos after v26.2.0, x/normalize.go:
   * trimmed, NFKC with width folding, invisible, bidi-control and other non-printing code points removed, full
   * Unicode lower-casing).
   */
  identifierRules: "lower" | "precis";
  /** Imported password hashes must keep their cost parameters within the bounds of {@link HASH_COST_BOUNDS}. */
  hashCostLimits: boolean;
  /**
   * The password credential's `updated_at` moves only when the password changes (Kratos >= v25; v1.3.1 moves it on
   * every identity update): a password changed outside ory-reconcile can be seen. See passwordChangedOutside.
   */
  passwordChanges?: boolean;
}

/** Most identities per batch for these create bodies: lower when one of them carries a plaintext password. */
export function batchLimit(capabilities: Capabilities, bodies: Array<{ credentials?: unknown }>): number {
  return bodies.some(hasPlaintextPassword) ? capabilities.batchCreateLimitWithPassword : capabilities.batchCreateLimit;
}

function hasPlaintextPassword(body: { credentials?: unknown }): boolean {
  const password = (body.credentials as JsonObject | undefined)?.password as JsonObject | undefined;
  const config = password?.config as JsonObject | undefined;
  return typeof config?.password === "string";
}

/**
 * Create batches sent at once. The server validates every identity of a batch (Kratos v1.3.1 spends most of a
 * batch's CPU there), so two in flight keep two server cores busy; more only queue on the database's write lock.
 */
export const BATCHES_IN_FLIGHT = 2;

/** `count` split into `parts` sizes that differ by at most one (larger first). */
function evenly(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0));
}

/**
 * The sizes of the create batches for `count` identities, at most `limit` each, `inFlight` sent at a time: the
 * fewest batches the limit allows, and when that is more than one, a multiple of `inFlight` of equal size, so that
 * the last round keeps every slot busy instead of one half-empty batch running alone at the end (3,000 on Kratos
 * v1.3.1: 1500 + 1500, not 2000 + 1000; 5,000: 4 × 1250, not 3 × 2000 one after the other at the end).
 */
export function createBatchSizes(count: number, limit: number, inFlight: number): number[] {
  if (count <= 0) return [];
  const fewest = Math.ceil(count / limit);
  return evenly(count, fewest === 1 ? 1 : Math.ceil(fewest / inFlight) * inFlight);
}
