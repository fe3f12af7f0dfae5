// When a plan revokes an identity's sessions (`spec.sessions.revoke_on`). Kratos checks an identity's state on
// every session check (session.IsActive: `s.Active && s.ExpiresAt.After(now) && s.Identity.IsActive()`), so an
// inactive identity's sessions are only suspended: reactivating it brings back every unexpired one. Revoking them
// (`DELETE /admin/identities/{id}/sessions`) when it is deactivated makes the deactivation final.
import { DEFAULT_REVOKE_ON, RevokeOn } from "./types";

export interface RevokeFacts {
  /** The identity is adopted by this plan. */
  adopt: boolean;
  /** Its state before and after the write. */
  before: unknown;
  after: unknown;
  /** An `enforce` password is set again. */
  passwordReset: boolean;
}

/** Why the sessions must be revoked after the write, in REVOKE_ON order; undefined when they are kept. */
export function revokeReasons(
  revokeOn: ReadonlyArray<RevokeOn> | undefined,
  facts: RevokeFacts,
): RevokeOn[] | undefined {
  const on = revokeOn ?? DEFAULT_REVOKE_ON;
  const reasons: RevokeOn[] = [];
  if (on.includes("deactivate") && facts.before !== "inactive" && facts.after === "inactive")
    reasons.push("deactivate");
  if (on.includes("adopt") && facts.adopt) reasons.push("adopt");
  if (on.includes("password_change") && facts.passwordReset) reasons.push("password_change");
  return reasons.length > 0 ? reasons : undefined;
}
