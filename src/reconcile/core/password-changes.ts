// Passwords changed outside ory-reconcile (self-service settings, recovery), seen on the servers where the password
// credential's timestamps tell: Kratos >= v25 and master. There, every admin write of a password (create, batch
// create, PUT with credentials) makes the credential anew, with `created_at` equal to `updated_at`, and nothing else
// moves `updated_at` (identity PATCH/PUT without credentials, state changes, logins), while a change through the
// self-service settings flow keeps `created_at` and moves `updated_at`. So the server itself remembers whether the
// password is still the one last written by an admin write. Kratos v1.3.1 moves `updated_at` on every identity
// update, so there only changes of the declared value are seen.
import type { DesiredIdentity, FieldChange, LiveIdentity } from "./types";

export const CHANGED_OUTSIDE = "(changed outside ory-reconcile)";

/**
 * Whether `live`'s password was changed since it was last written through the admin API: its password credential
 * was updated after it was created. Only for a declared plaintext `password` with policy `enforce`: a hash may be
 * re-hashed by the server at login (another algorithm or cost), and a migration hook's password is meant to be
 * replaced at the first login. False when the credential's timestamps were not read.
 */
export function passwordChangedOutside(identity: DesiredIdentity, live: LiveIdentity | undefined): boolean {
  const declared = identity.credentials?.password;
  if (declared?.kind !== "password" || declared.policy !== "enforce") return false;
  const credential = live?.credentials?.password;
  if (typeof credential?.created_at !== "string" || typeof credential.updated_at !== "string") return false;
  return Date.parse(credential.updated_at) > Date.parse(credential.created_at);
}

/** The password line of a plan's changes, saying why it is set again. */
export function withOutsideReason(changes: FieldChange[]): FieldChange[] {
  return changes.map((change) =>
    change.path === "/credentials/password"
      ? { path: change.path, before: CHANGED_OUTSIDE, after: change.after }
      : change,
  );
}
