// Request bodies for the admin API. The only place where declared secrets are revealed: right before sending, or
// to hash them locally (`prehashPasswords`).
import bcrypt from "bcryptjs";
import { goTrim, impliedStatus } from "./normalize";
import { applyPatch } from "./patch";
import { identityState } from "./state";
import { DesiredCredentials, IdentityBody, Json, JsonObject, LiveIdentity, PatchOp, Secret } from "./types";

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
  for (const [type, declared] of Object.entries(credentials.imported ?? {})) {
    if (declared !== "absent") out[type] = { config: JSON.parse(declared.config.reveal()) as Json };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The body of one identity in a create (`PATCH /admin/identities` batch item, or `POST /admin/identities`). Address
 * values are sent trimmed (Go's TrimSpace): the server derives each address from its trait trimmed and lower-cased,
 * and on create Kratos up to v26.2.0 keeps a declared address's `verified` / `status` only when the declared value,
 * which it lower-cases but does not trim, equals the derived one.
 */
export function createBody(
  body: IdentityBody,
  credentials: DesiredCredentials | undefined,
  defaultSchemaId: string,
): JsonObject {
  const out: JsonObject = {
    schema_id: body.schema_id ?? defaultSchemaId,
    traits: body.traits,
    state: identityState(body),
  };
  if (body.metadata_public !== undefined) out.metadata_public = body.metadata_public;
  if (body.metadata_admin !== undefined) out.metadata_admin = body.metadata_admin;
  if (body.external_id !== undefined) out.external_id = body.external_id;
  // null (no organization) is every server's default, and a server without organizations refuses the field.
  if (typeof body.organization_id === "string") out.organization_id = body.organization_id;
  if (body.verifiable_addresses !== undefined) {
    out.verifiable_addresses = body.verifiable_addresses.map((a) => ({
      value: goTrim(a.value),
      via: a.via,
      verified: a.verified === true,
      status: a.status ?? impliedStatus(a.verified),
    }));
  }
  if (body.recovery_addresses !== undefined)
    out.recovery_addresses = body.recovery_addresses.map((a) => ({ value: goTrim(a.value), via: a.via }));
  const creds = credentialsBody(credentials);
  if (creds) out.credentials = creds;
  return out;
}

/**
 * Patch operations a PUT body cannot carry: addresses and `organization_id` are not fields of the update body
 * (the server keeps them as they are). They are sent as a JSON Patch after the PUT.
 */
export function notInPutBody(op: PatchOp): boolean {
  return /^\/((verifiable|recovery)_addresses|organization_id)(\/|$)/.test(op.path);
}

/**
 * A full PUT body: the current identity with the plan's patch applied, plus the credentials that must change.
 * PUT replaces the document, so every field of the update body that the server holds is carried over (metadata,
 * state, and external_id, which a PUT without it clears).
 */
export function putBody(
  current: LiveIdentity,
  patch: PatchOp[],
  credentials: DesiredCredentials | undefined,
): JsonObject {
  const base: JsonObject = {
    schema_id: current.schema_id,
    traits: current.traits ?? {},
    state: identityState(current),
    metadata_public: current.metadata_public ?? null,
    metadata_admin: current.metadata_admin ?? null,
  };
  if (current.external_id) base.external_id = current.external_id;
  const patched = applyPatch(
    base,
    patch.filter((op) => !notInPutBody(op)),
  );
  const creds = credentialsBody(credentials);
  if (creds) patched.credentials = creds;
  return patched;
}

/** bcrypt stores at most 72 bytes of a password; a longer one is sent as is and left to the server. */
const BCRYPT_MAX_BYTES = 72;

/**
 * Hashes declared plaintext passwords locally with bcrypt (`$2b$`, `cost` rounds), so they are sent as
 * `hashed_password`: the server hashes nothing and batches may be larger. One hash per distinct password in a run:
 * identical passwords (a seeded test tenant) share one salt, which only tells a reader of the hashes that they are equal.
 */
export function passwordHasher(
  cost: number,
): (credentials: DesiredCredentials | undefined) => Promise<DesiredCredentials | undefined> {
  const hashes = new Map<string, Promise<string>>();
  return async (credentials) => {
    const password = credentials?.password;
    if (password?.kind !== "password") return credentials;
    const plaintext = password.value.reveal();
    if (Buffer.byteLength(plaintext) > BCRYPT_MAX_BYTES) return credentials;
    let hash = hashes.get(plaintext);
    if (!hash) hashes.set(plaintext, (hash = bcrypt.hash(plaintext, cost)));
    return {
      ...credentials,
      password: {
        kind: "hashed_password",
        value: new Secret(await hash),
        policy: password.policy,
        fingerprint: password.fingerprint,
      },
    };
  };
}
