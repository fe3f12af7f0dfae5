// The one listing of the live state, used by planning, export, IdentitySet reads and conflict resolution.
import type { Capabilities, OryAdmin } from "./admin";
import { listedForPlanning } from "../core/normalize";
import type { LiveIdentity } from "../core/types";

/**
 * Paged `GET /admin/identities` with the server's largest page, each identity in the planner's view
 * (listedForPlanning). `credentialIdentifiers`: with every credential's identifiers (OIDC links included), never a
 * credential's config. `consistency: "strong"`: read past the server's eventually consistent list (Ory Network), as
 * a read-back after writes needs. Throws only the client's errors.
 */
export async function listLive(
  admin: OryAdmin,
  capabilities: Capabilities,
  options: { credentialIdentifiers?: boolean; consistency?: "strong" } = {},
): Promise<LiveIdentity[]> {
  return admin.listIdentities({
    pageSize: capabilities.pageSizeMax,
    map: listedForPlanning,
    credentialIdentifiers: options.credentialIdentifiers === true,
    ...(options.consistency ? { consistency: options.consistency } : {}),
  });
}
