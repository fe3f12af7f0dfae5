// Sessions of one identity.
import { Api, call } from "./api";
import { OryApiError } from "./errors";

/**
 * `DELETE /admin/identities/{id}/sessions`: revokes every session of the identity. Kratos v1.3.1, v26.2.0 and
 * master answer 204 when there were sessions, and 404 when there were none (or the identity is gone): "revoked"
 * or "none", both the goal reached.
 */
export async function deleteIdentitySessions(api: Api, id: string): Promise<"revoked" | "none"> {
  const op = { method: "DELETE", path: `/admin/identities/${encodeURIComponent(id)}/sessions` };
  try {
    await call(api, op, () => api.identity.deleteIdentitySessionsRaw({ id }));
    return "revoked";
  } catch (error) {
    if (error instanceof OryApiError && error.status === 404) return "none";
    throw error;
  }
}
