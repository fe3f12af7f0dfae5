// Sessions of one identity.
import { Api, deleteTolerant } from "./api";

/**
 * `DELETE /admin/identities/{id}/sessions`: revokes every session of the identity. Kratos v1.3.1, v26.2.0 and
 * master answer 204 when there were sessions, and 404 when there were none (or the identity is gone): "revoked"
 * or "none", both the goal reached.
 */
export async function deleteIdentitySessions(api: Api, id: string): Promise<"revoked" | "none"> {
  const op = { method: "DELETE", path: `/admin/identities/${encodeURIComponent(id)}/sessions` };
  return (await deleteTolerant(api, op, () => api.identity.deleteIdentitySessionsRaw({ id }))) === "deleted"
    ? "revoked"
    : "none";
}
