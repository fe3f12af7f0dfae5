// Admin recovery links and codes: the invite of a newly created identity. Every supported server has both
// endpoints (Kratos v1.3.1, v26.2.0 and master answer them the same way, seen on the real servers); each needs its
// self-service method enabled on the server (`selfservice.methods.link` / `code`) and the recovery flow enabled.
import type { RecoveryDecl } from "../reconcile/types";
import { Api, call, readJson } from "./api";

/**
 * What the server issued. `link`: for method `link` the one-click link (it holds the token); for method `code`
 * the link of the recovery flow in which to enter `code`. `expires_at`: RFC 3339. All of it is secret but
 * `expires_at`.
 */
export interface RecoveryGrant {
  method: RecoveryDecl["method"];
  link: string;
  code?: string;
  expires_at: string;
}

/**
 * `POST /admin/recovery/link` (`{identity_id, expires_in}` -> `{recovery_link, expires_at}`) or
 * `POST /admin/recovery/code` (-> `{recovery_link, recovery_code, expires_at}`), as `recovery.method` says.
 * `expires_in` omitted: the server's configured lifespan. Throws OryApiError (e.g. 400 when the server has the
 * method disabled, 404 for an unknown identity); the error never holds a link or code.
 */
export async function createRecovery(api: Api, identityId: string, recovery: RecoveryDecl): Promise<RecoveryGrant> {
  const body = { identity_id: identityId, ...(recovery.expires_in ? { expires_in: recovery.expires_in } : {}) };
  if (recovery.method === "code") {
    const op = { method: "POST", path: "/admin/recovery/code" };
    const answer = (await readJson(await call(api, op, () => api.identity.createRecoveryCodeForIdentityRaw({ createRecoveryCodeForIdentityBody: body })), op)) as Record<string, unknown>;
    return { method: "code", link: String(answer.recovery_link ?? ""), code: String(answer.recovery_code ?? ""), expires_at: String(answer.expires_at ?? "") };
  }
  const op = { method: "POST", path: "/admin/recovery/link" };
  const answer = (await readJson(await call(api, op, () => api.identity.createRecoveryLinkForIdentityRaw({ createRecoveryLinkForIdentityBody: body })), op)) as Record<string, unknown>;
  return { method: "link", link: String(answer.recovery_link ?? ""), expires_at: String(answer.expires_at ?? "") };
}
