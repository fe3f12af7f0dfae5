// Writes. Bodies are plain JSON built by the engine (Ory admin API names); the SDK's FromJSON turns them into its
// models and its request methods send them. Answers are returned as the server's raw JSON.
import { randomUUID } from "node:crypto";
import { CreateIdentityBodyFromJSON, UpdateIdentityBodyFromJSON } from "@ory/client-fetch";
import type { JsonObject, LiveIdentity, PatchOp } from "../reconcile/core/types";
import { Api, call, deleteTolerant, readJson } from "./api";
import { OryApiError } from "./errors";

/** A create or PUT body as JSON: identity fields (`schema_id`, `traits`, …) plus `credentials` in the admin API's
 * import format (`{password: {config: {password | hashed_password | use_password_migration_hook}}, oidc: …}`). */
export type IdentityWriteBody = JsonObject;

export interface BatchItem {
  /** The caller's name for this item (e.g. the identity's key); results carry it back. */
  patchId: string;
  body: IdentityWriteBody;
}

export type BatchResult =
  | { patchId: string; ok: true; id: string }
  /** `whole`: the server refused the whole request (HTTP 400/409), not this item on its own. */
  | { patchId: string; ok: false; status?: number; reason: string; whole?: true };

interface PatchResponseItem {
  action?: string;
  identity?: string;
  patch_id?: string;
  error?: { code?: number; reason?: string; message?: string };
}

const COLLECTION = { method: "PATCH", path: "/admin/identities" };

/**
 * Creates identities with one `PATCH /admin/identities`. Results come back in input order. On the wire every item
 * gets a fresh UUID as `patch_id` (the server requires UUIDs); results are matched by its echo, or by position
 * when the server echoes none. A whole-batch 400/409 becomes a failure of every item marked `whole`: every server
 * (Kratos v1.3.1, v26.2.0, master) refuses a whole batch with 400 when one item has a malformed hash, and answers a
 * one-item batch that conflicts with 409; a batch whose items conflict gets 200 with a 409 per item. Beware: Kratos v1.3.1 rolls back the whole batch on a conflict yet reports the other
 * items as created (with ids that do not exist): verify by listing.
 */
export async function batchCreate(api: Api, items: BatchItem[]): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  const wireIds = items.map(() => randomUUID());
  const identities = items.map((item, i) => ({ patch_id: wireIds[i], create: CreateIdentityBodyFromJSON(item.body) }));
  let body: unknown;
  try {
    const response = await call(api, COLLECTION, () =>
      api.identity.batchPatchIdentitiesRaw({ patchIdentitiesBody: { identities } }),
    );
    body = await readJson(response, COLLECTION);
  } catch (error) {
    if (error instanceof OryApiError && (error.status === 400 || error.status === 409)) {
      return items.map((item) => ({
        patchId: item.patchId,
        ok: false,
        status: error.status,
        reason: error.reason,
        whole: true,
      }));
    }
    throw error;
  }
  const answers = (body as { identities?: PatchResponseItem[] } | null)?.identities ?? [];
  const byWireId = new Map(answers.filter((answer) => answer.patch_id).map((answer) => [answer.patch_id, answer]));
  return items.map((item, i) => toResult(item.patchId, byWireId.size > 0 ? byWireId.get(wireIds[i]) : answers[i]));
}

function toResult(patchId: string, answer: PatchResponseItem | undefined): BatchResult {
  if (!answer) return { patchId, ok: false, reason: "the server's answer has no result for this item" };
  if (answer.action === "create" && answer.identity) return { patchId, ok: true, id: answer.identity };
  const reason =
    answer.error?.reason ?? answer.error?.message ?? `unexpected result (action: ${answer.action ?? "none"})`;
  return { patchId, ok: false, status: answer.error?.code, reason };
}

/** `POST /admin/identities`. Not retried after a lost connection: that throws UncertainWriteError. */
export async function createIdentity(api: Api, body: IdentityWriteBody): Promise<LiveIdentity> {
  const op = { method: "POST", path: "/admin/identities" };
  const response = await call(api, op, () =>
    api.identity.createIdentityRaw({ createIdentityBody: CreateIdentityBodyFromJSON(body) }),
  );
  return (await readJson(response, op)) as LiveIdentity;
}

/** `PATCH /admin/identities/{id}` with an RFC 6902 JSON Patch. */
export async function patchIdentity(api: Api, id: string, ops: PatchOp[]): Promise<LiveIdentity> {
  const op = { method: "PATCH", path: identityPath(id) };
  // Passed as is: JsonPatchFromJSON would turn a `value: null` into "no value".
  const response = await call(api, op, () => api.identity.patchIdentityRaw({ id, jsonPatch: ops }));
  return (await readJson(response, op)) as LiveIdentity;
}

/** `PUT /admin/identities/{id}`: the full identity; credentials, when given, are added/replaced. */
export async function putIdentity(api: Api, id: string, body: IdentityWriteBody): Promise<LiveIdentity> {
  const op = { method: "PUT", path: identityPath(id) };
  const response = await call(api, op, () =>
    api.identity.updateIdentityRaw({ id, updateIdentityBody: UpdateIdentityBodyFromJSON(body) }),
  );
  return (await readJson(response, op)) as LiveIdentity;
}

/** `DELETE /admin/identities/{id}`; a 404 means someone (or a lost earlier attempt) already deleted it. */
export async function deleteIdentity(api: Api, id: string): Promise<"deleted" | "already-gone"> {
  const op = { method: "DELETE", path: identityPath(id) };
  return deleteTolerant(api, op, () => api.identity.deleteIdentityRaw({ id }));
}

/**
 * `DELETE /admin/identities/{id}/credentials/{type}?identifier=<provider>:<subject>`: removes one OIDC or SAML link
 * (its identifier as Kratos lists it) and keeps the identity's other links. Every supported server has it (Kratos
 * v1.3.1, v26.2.0, master, Ory Network). Kratos >= v25 answers 400 "You cannot remove the last first factor
 * credential." when the identity would be left with no way to sign in (no password, no other link); v1.3.1 removes
 * it all the same. A 404 (this link or the identity is gone: an earlier attempt whose answer was lost) is the goal
 * reached.
 */
export async function deleteCredentialIdentifier(
  api: Api,
  id: string,
  type: "oidc" | "saml",
  identifier: string,
): Promise<"deleted" | "already-gone"> {
  const op = { method: "DELETE", path: `${identityPath(id)}/credentials/${type}` };
  return deleteTolerant(api, op, () => api.identity.deleteIdentityCredentialsRaw({ id, type, identifier }));
}

/**
 * `DELETE /admin/identities/{id}/credentials/{type}` for a whole credential type (totp, lookup_secret, webauthn;
 * Kratos answers 400 "Credentials type passkey cannot be deleted." for passkeys, on v26.2.0 and master alike). A 404
 * (the identity has no such credential, seen on v1.3.1, v26.2.0 and master, or the identity is gone) is the goal
 * reached.
 */
export async function deleteCredentialType(api: Api, id: string, type: string): Promise<"deleted" | "already-gone"> {
  const op = { method: "DELETE", path: `${identityPath(id)}/credentials/${type}` };
  return deleteTolerant(api, op, () => api.identity.deleteIdentityCredentialsRaw({ id, type: type as "totp" }));
}

function identityPath(id: string): string {
  return `/admin/identities/${encodeURIComponent(id)}`;
}
