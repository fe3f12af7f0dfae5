// The key an ownership marker was written for, kept as a digest (`metadata_admin.ory_reconcile.key`). A managed
// identity whose key was changed outside this tool (a user changing their own e-mail through self-service) no longer
// matches it, and pairing it with the declaration of its new key then needs adoption: otherwise the owner of a managed
// account could change its key to one the manifest declares later and receive that identity's metadata and addresses.
import { createHash } from "node:crypto";
import { keyText } from "./key-spec";
import { ANY_FOLD, foldKey, liveKey } from "./normalize";
import type { KeySpec, LiveIdentity } from "./types";
import type { Marker } from "./marker";

/**
 * The key digest as the marker stores it: `<key path>:<digest>`, the digest being base64url of the first 16 bytes of
 * SHA-256 over `ory-reconcile:key\0` and the key folded the coarsest way the server may compare keys (lower case,
 * e-mails trimmed; see ANY_FOLD), so that a set's fold (which depends on the identity schema) never changes it.
 * Whoever can read the marker can read the identity's traits too, so it tells them nothing new; outputs never print it.
 */
export function keyDigest(key: string, spec: KeySpec): string {
  return (
    `${keyText(spec)}:` +
    createHash("sha256")
      .update(`ory-reconcile:key\0${foldKey(key, ANY_FOLD)}`)
      .digest()
      .subarray(0, 16)
      .toString("base64url")
  );
}

/**
 * Whether a marker's key digest was made under `spec` (the set's current key path). One written before digests
 * existed (none), or under another `spec.key`, cannot be checked: it is kept until the next write replaces it.
 */
export function digestUnder(marker: Marker | undefined, spec: KeySpec): boolean {
  return marker?.key !== undefined && marker.key.startsWith(keyText(spec) + ":");
}

/**
 * Whether a managed identity's key was changed since its marker was written: the marker's digest was made under
 * `spec` and the live identity's key under `spec` (none counts as "") no longer matches it.
 */
export function keyChangedOutside(marker: Marker, live: LiveIdentity, spec: KeySpec): boolean {
  return digestUnder(marker, spec) && marker.key !== keyDigest(liveKey(live, spec) ?? "", spec);
}
