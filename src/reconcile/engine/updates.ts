// One identity's writes for an update or an adoption (a JSON Patch, or a PUT when credentials change; credential and
// link removals; session revocations), the order updates run in (a write that takes a value another update frees
// waits for it), and what the server is checked to have kept of the addresses a patch writes.
import { notInPutBody, putBody } from "../core/bodies";
import { Doc } from "../core/normalize";
import { retrySafe } from "../core/patch";
import { runPool } from "../core/pool";
import { LiveIdentity, PatchOp, subject } from "../core/types";
import { OryApiError } from "../../ory/errors";
import type { OryAdmin } from "./admin";
import { WriteFailure } from "./failures";
import type { UpdateAction } from "./writer";

/**
 * Runs `work` for every item, at most `concurrency` at a time, each only after the items it waits for (`waits`, by
 * subject; waits on subjects that are not items are already met) have finished. Items in a cycle (which a plan
 * refuses before apply) run last, in any order.
 */
export async function inOrder(
  items: UpdateAction[],
  waits: (a: UpdateAction) => string[],
  concurrency: number,
  work: (a: UpdateAction) => Promise<void>,
): Promise<void> {
  const pending = new Set(items.map((a) => subject(a.set, a.key)));
  let left = items;
  while (left.length > 0) {
    let ready = left.filter((a) => waits(a).every((w) => !pending.has(w)));
    if (ready.length === 0) ready = left;
    await runPool(ready, concurrency, work);
    const finished = new Set(ready);
    for (const a of ready) pending.delete(subject(a.set, a.key));
    left = left.filter((a) => !finished.has(a));
  }
}

/**
 * One identity's writes: a JSON Patch (`PATCH /admin/identities/{id}`), or when credentials change a PUT of the full
 * document (`GET` then `PUT /admin/identities/{id}`, then a PATCH of what a PUT cannot carry); then one `DELETE
 * /admin/identities/{id}/credentials/{type}` per credential type declared `absent`, and one `DELETE
 * /admin/identities/{id}/credentials/oidc?identifier=…` per link to remove. Links are added before any is removed,
 * so a changed subject never leaves the identity without a way to sign in in between. When the plan revokes the
 * sessions (revoke_sessions), `DELETE /admin/identities/{id}/sessions` comes before the writes and again after them.
 * Resolves to the identity as
 * the server answered the last PATCH or PUT (undefined when neither was sent).
 */
export async function applyUpdate(action: UpdateAction, admin: OryAdmin): Promise<LiveIdentity | undefined> {
  let answered: LiveIdentity | undefined;
  // Before the write: when revoking fails, nothing is written, and a re-run (which plans the same deactivation,
  // adoption or password) revokes again. Once the identity is written, a later plan could no longer tell.
  if (action.revoke_sessions) await admin.deleteIdentitySessions(action.id);
  // The client retries a PATCH whose answer was lost: send it in a form that survives being applied twice.
  if (!action.credentials) {
    if (action.patch.length > 0) answered = await admin.patchIdentity(action.id, retrySafe(action.patch));
  } else {
    const current = await admin.getIdentity(action.id);
    try {
      answered = await admin.putIdentity(action.id, putBody(current, action.patch, action.credentials));
    } catch (error) {
      if (!(error instanceof OryApiError) || error.status !== 409 || !action.credentials.oidc) throw error;
      return linkConflict(action, admin, error);
    }
    const afterPut = action.patch.filter(notInPutBody);
    if (afterPut.length > 0) answered = await admin.patchIdentity(action.id, retrySafe(afterPut));
  }
  for (const type of action.remove ?? []) {
    if (!admin.deleteCredentialType)
      throw new WriteFailure(`cannot remove the ${type} credential: this client has no way to`, { kind: "internal" });
    try {
      await admin.deleteCredentialType(action.id, type);
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400)
        throw new WriteFailure(`cannot remove the ${type} credential: ${error.message}`, {
          kind: "rejected",
          status: 400,
        });
      throw error;
    }
  }
  for (const link of action.unlinkSaml ?? []) {
    try {
      await admin.deleteCredentialIdentifier(action.id, "saml", link.reveal());
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400)
        throw new WriteFailure(
          `cannot remove a SAML link: ${error.message} (the server keeps an identity's last way to sign in; a Kratos without a SAML strategy counts no SAML link as one, so it needs two other first factors, e.g. a password and an OIDC link)`,
          { kind: "rejected", status: 400 },
        );
      throw error;
    }
  }
  for (const identifier of action.unlink ?? []) {
    try {
      await admin.deleteCredentialIdentifier(action.id, "oidc", identifier);
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400) {
        throw new WriteFailure(
          `cannot remove the OIDC link ${identifier}: ${error.message} (the server keeps an identity's last way to sign in: give it a password or keep one provider)`,
          { kind: "rejected", status: 400 },
        );
      }
      throw error;
    }
  }
  // And after it: a login in between would otherwise keep a session (suspended, to come back on reactivation).
  if (action.revoke_sessions) await admin.deleteIdentitySessions(action.id);
  return answered;
}

/**
 * A PUT that adds OIDC links answered 409: another run may have added the same links to this identity since the
 * plan read it (Kratos appends a PUT's links, so a second add of the same link conflicts), or another identity holds
 * one of them. The identity is read back (`GET /admin/identities/{id}?include_credential=oidc`): when it already holds
 * every link to add, the rest of the update is written without them (it is success); otherwise the error names the
 * links that another identity holds.
 */
async function linkConflict(
  action: UpdateAction,
  admin: OryAdmin,
  error: OryApiError,
): Promise<LiveIdentity | undefined> {
  const current = await admin.getIdentity(action.id);
  const held = new Set(current.credentials?.oidc?.identifiers ?? []);
  const adding = (action.credentials?.oidc?.providers ?? []).map((p) => `${p.provider}:${p.subject}`);
  const missing = adding.filter((link) => !held.has(link));
  if (missing.length > 0) {
    throw new WriteFailure(
      `the server refused to link ${missing.map((l) => `OIDC ${l}`).join(", ")} (${error.status}: ${error.message}): another identity holds ${missing.length === 1 ? "it" : "them"}; remove it there first, or declare another subject`,
      { kind: "conflict", status: error.status },
    );
  }
  const { oidc: _linked, ...rest } = action.credentials ?? {};
  return applyUpdate({ ...action, credentials: Object.keys(rest).length > 0 ? rest : undefined }, admin);
}

/** The address lists a patch writes (replaced whole, as desiredDoc shapes them). */
export function writtenAddresses(patch: ReadonlyArray<PatchOp>): Doc {
  const out: Doc = {};
  for (const op of patch) {
    if (op.op !== "remove" && (op.path === "/verifiable_addresses" || op.path === "/recovery_addresses"))
      out[op.path.slice(1)] = op.value;
  }
  return out;
}

/** The reason of a write whose addresses the server did not keep: `lost` names them (see addressesNotKept). */
export function notKept(lost: string): string {
  return `not kept by the server: ${lost} (the identity schema derives the addresses it keeps from marked traits)`;
}
