// Ownership: which live identities a set manages. The one answer to "which identities does set S manage", used by
// prune and destroy (the planner), release and rename, the unmanaged report, export and the Pulumi IdentitySet.
// Pure: it reads the ownership marker (marker.ts) of identities already listed.
import { digest } from "./json";
import { readMarker } from "./marker";
import { liveDigest, liveKey } from "./normalize";
import type { KeySpec, LiveIdentity } from "./types";

/** The set whose ownership marker `identity` carries, or undefined when it has none (unmanaged). */
export function managerOf(identity: LiveIdentity): string | undefined {
  return readMarker(identity.metadata_admin)?.set;
}

/**
 * The identities of `live` that set `name` manages: their ownership marker names `name`, or `formerName` (a set
 * renamed since its last apply still manages what its former name marked). In the order of `live`.
 */
export function managedBy(name: string, live: ReadonlyArray<LiveIdentity>, formerName?: string): LiveIdentity[] {
  return live.filter((identity) => {
    const set = managerOf(identity);
    return set !== undefined && (set === name || set === formerName);
  });
}

/**
 * The digest of the live state of `managed` (the identities a set manages): the digest of their sorted live
 * digests, credentials left out (as a listing without `include_credential` reads them), so the value does not
 * depend on whether the listing carried credential identifiers. It is the `state_digest` that a plan of the same
 * set declaring no identity computes from such a listing.
 */
export function managedStateDigest(managed: ReadonlyArray<LiveIdentity>): string {
  return digest(
    managed
      .map((identity) =>
        liveDigest(identity.credentials === undefined ? identity : { ...identity, credentials: undefined }),
      )
      .sort(),
  );
}

/**
 * key -> id of `managed`, keys sorted. An identity without a value at `key` is listed under its id; `labels` (id ->
 * label) names an identity whose key is a sensitive value by its label (`(sensitive #2)`), never in clear.
 */
export function managedIds(
  managed: ReadonlyArray<LiveIdentity>,
  key: KeySpec,
  labels: ReadonlyMap<string, string> = new Map(),
): Record<string, string> {
  const ids = managed.map(
    (identity) => [labels.get(identity.id) ?? liveKey(identity, key) ?? identity.id, identity.id] as const,
  );
  ids.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(ids);
}
