// Admin recovery links and codes: the invite of a newly created identity. Every supported server has both
// endpoints (Kratos v1.3.1, v26.2.0 and master answer them the same way, seen on the real servers); each needs its
// self-service method enabled on the server (`selfservice.methods.link` / `code`) and the recovery flow enabled.
import { randomUUID } from "node:crypto";
import type { RecoveryDecl } from "../reconcile/core/types";
import { Api, call, readJson } from "./api";
import { OryApiError } from "./errors";

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
    const answer = (await readJson(
      await call(api, op, () =>
        api.identity.createRecoveryCodeForIdentityRaw({ createRecoveryCodeForIdentityBody: body }),
      ),
      op,
    )) as Record<string, unknown>;
    return {
      method: "code",
      link: String(answer.recovery_link ?? ""),
      code: String(answer.recovery_code ?? ""),
      expires_at: String(answer.expires_at ?? ""),
    };
  }
  const op = { method: "POST", path: "/admin/recovery/link" };
  const answer = (await readJson(
    await call(api, op, () =>
      api.identity.createRecoveryLinkForIdentityRaw({ createRecoveryLinkForIdentityBody: body }),
    ),
    op,
  )) as Record<string, unknown>;
  return { method: "link", link: String(answer.recovery_link ?? ""), expires_at: String(answer.expires_at ?? "") };
}

/** The reason Kratos gives for an admin endpoint whose self-service method is disabled (404). */
const DISABLED = /disabled/i;

/**
 * Whether the server would issue a recovery link or code of `method`, asked without issuing one: `POST
 * /admin/recovery/link|code` for an identity id that does not exist. A server that would issue it answers that the
 * identity does not exist (link: 400 "The requested identity id does not exist."; code: 404 "could not find
 * identity"; seen on v1.3.1, v26.2.0 and master, which check the method before the identity and store nothing
 * before finding it). Returns the server's reason when it refuses the method itself (404 "This endpoint was
 * disabled by system administrator…" when `selfservice.methods.<method>.enabled` is false), else undefined (any
 * other answer is left for apply to report). Throws what the request throws for 5xx and network errors.
 */
export async function recoveryRefusedBy(api: Api, method: RecoveryDecl["method"]): Promise<string | undefined> {
  try {
    await createRecovery(api, randomUUID(), { method });
  } catch (error) {
    if (!(error instanceof OryApiError) || error.status >= 500 || error.status === 429) throw error;
    return DISABLED.test(error.reason) ? error.reason : undefined;
  }
  return undefined;
}
