// Request bodies for the admin API. The only place where declared secrets are revealed: right before sending.
import { applyPatch } from "./patch";
import type { DesiredCredentials, IdentityBody, Json, JsonObject, LiveIdentity, PatchOp } from "./types";

function credentialsBody(credentials: DesiredCredentials | undefined): JsonObject | undefined {
  if (!credentials) return undefined;
  const out: JsonObject = {};
  const password = credentials.password;
  if (password?.kind === "password") out.password = { config: { password: password.value.reveal() } };
  if (password?.kind === "hashed_password") out.password = { config: { hashed_password: password.value.reveal() } };
  if (password?.kind === "migration_hook") out.password = { config: { use_password_migration_hook: true } };
  if (credentials.oidc) {
    out.oidc = { config: { providers: credentials.oidc.providers.map((p) => ({ ...p })) as unknown as Json } };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function createBody(body: IdentityBody, credentials: DesiredCredentials | undefined, defaultSchemaId: string): JsonObject {
  const out: JsonObject = {
    schema_id: body.schema_id ?? defaultSchemaId,
    traits: body.traits,
    state: body.state ?? "active",
  };
  if (body.metadata_public !== undefined) out.metadata_public = body.metadata_public;
  if (body.metadata_admin !== undefined) out.metadata_admin = body.metadata_admin;
  if (body.external_id !== undefined) out.external_id = body.external_id;
  if (body.organization_id !== undefined) out.organization_id = body.organization_id;
  if (body.verifiable_addresses !== undefined) {
    out.verifiable_addresses = body.verifiable_addresses.map((a) => ({
      value: a.value,
      via: a.via,
      verified: a.verified === true,
      status: a.status ?? (a.verified ? "completed" : "pending"),
    }));
  }
  if (body.recovery_addresses !== undefined) out.recovery_addresses = body.recovery_addresses.map((a) => ({ value: a.value, via: a.via }));
  const creds = credentialsBody(credentials);
  if (creds) out.credentials = creds;
  return out;
}

/**
 * A full PUT body: the current identity with the plan's patch applied, plus the credentials that must change.
 * PUT replaces the document, so every field the server holds is carried over (metadata, external_id, state).
 */
export function putBody(current: LiveIdentity, patch: PatchOp[], credentials: DesiredCredentials | undefined): JsonObject {
  const base: JsonObject = {
    schema_id: current.schema_id,
    traits: current.traits ?? {},
    state: (current.state ?? "active") as string,
    metadata_public: current.metadata_public ?? null,
    metadata_admin: current.metadata_admin ?? null,
  };
  if (current.external_id) base.external_id = current.external_id;
  if (current.organization_id) base.organization_id = current.organization_id;
  const patched = applyPatch(base, patch.filter((op) => !/^\/(verifiable|recovery)_addresses/.test(op.path)));
  const creds = credentialsBody(credentials);
  if (creds) patched.credentials = creds;
  return patched;
}
