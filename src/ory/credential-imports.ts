// Which credential types the server imports (`credentials.<type>` in a create body), decided by what it answers.
//
// Seen on the real servers: Kratos v1.3.1 decodes create bodies strictly and answers 400 `json: unknown field
// "totp"` (likewise lookup_secret, webauthn, passkey and saml); v26.2.0 the same except for saml, which it imports;
// master (v26.2.0-202-gb86338da0) imports all five (identity/handler_import.go). The probe sends a body that no
// server can store (an identity schema that does not exist), so it never creates anything: a server that knows the
// field answers 400 for the schema (or, for an empty passkey, for its missing user_handle) instead.
import { randomUUID } from "node:crypto";
import { CreateIdentityBodyFromJSON } from "@ory/client-fetch";
import type { ImportedType } from "../reconcile/core/types";
import { Api, call, readJson } from "./api";
import { OryApiError } from "./errors";
import { deleteIdentity } from "./writes";

/**
 * Whether the server imports credentials of `type`: one `POST /admin/identities` with `credentials.<type>` and a
 * schema id that does not exist. False when the server answers 400 naming the field as unknown; true for any other
 * 4xx. Throws what the request throws otherwise (5xx after retries, network errors). Should a server ever store the
 * probe, it is deleted again (`DELETE /admin/identities/{id}`).
 */
export async function importsCredential(api: Api, type: ImportedType): Promise<boolean> {
  const op = { method: "POST", path: "/admin/identities" };
  const body = {
    schema_id: `ory-reconcile-probe-${randomUUID()}`,
    traits: {},
    credentials: { [type]: { config: {} } },
  };
  try {
    const response = await call(api, op, () =>
      api.identity.createIdentityRaw({ createIdentityBody: CreateIdentityBodyFromJSON(body) }),
    );
    const created = (await readJson(response, op)) as { id?: string };
    if (created.id) await deleteIdentity(api, created.id);
    return true;
  } catch (error) {
    if (!(error instanceof OryApiError) || error.status < 400 || error.status >= 500 || error.status === 429)
      throw error;
    return !new RegExp(`unknown field "?${type}"?`).test(error.reason);
  }
}
