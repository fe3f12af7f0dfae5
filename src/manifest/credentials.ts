// `credentials.<type>` beyond passwords and OIDC (TOTP, lookup secrets, WebAuthn, passkeys, SAML) and `recovery:`
// of a checked identity, as the engine's declarations. Every string inside such a credential is already a Secret
// (parse.ts); the import config is built here and kept as one Secret, so no part of it can reach an output.
import { ImportedCredential, ImportedType, IMPORTED_TYPES, RecoveryDecl, Secret } from "../reconcile/types";
import { isPlainObject, Path, Reporter } from "./path";
import type { Obj } from "./identity";

/** A copy of `value` with every Secret replaced by its value (for the import config only). */
function revealed(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return value.map(revealed);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, revealed(item)]));
  return value;
}

/**
 * The admin API's import `config` of one declared credential (Kratos identity/handler.go `IdentityWithCredentials`):
 * lookup codes become `{code}` objects, everything else is taken as written.
 */
function importConfig(type: ImportedType, raw: Obj): unknown {
  if (type === "lookup_secret") return { codes: (raw.codes as unknown[]).map((code) => ({ code: revealed(code) })) };
  return revealed(raw);
}

/** The declared credentials of {@link IMPORTED_TYPES} in `credentials`, or undefined when there are none. */
export function toImported(credentials: unknown): Partial<Record<ImportedType, ImportedCredential>> | undefined {
  if (!isPlainObject(credentials)) return undefined;
  const out: Partial<Record<ImportedType, ImportedCredential>> = {};
  for (const type of IMPORTED_TYPES) {
    const raw = credentials[type];
    if (raw === "absent") out[type] = "absent";
    else if (isPlainObject(raw)) out[type] = { config: new Secret(JSON.stringify(importConfig(type, raw))) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `recovery:` with its default method (`link`), or undefined. */
export function toRecovery(raw: unknown): RecoveryDecl | undefined {
  if (!isPlainObject(raw)) return undefined;
  const method = raw.method === "code" ? "code" : "link";
  return typeof raw.expires_in === "string" ? { method, expires_in: raw.expires_in } : { method };
}

/**
 * What the schema cannot say about `recovery:`: a link takes a duration of one unit (`POST /admin/recovery/link`
 * checks `^[0-9]+(ns|us|ms|s|m|h)$`, codes accept `1h30m`). Returns whether it is fine.
 */
export function checkRecovery(merged: Obj, path: Path, reporter: Reporter): boolean {
  const raw = merged.recovery;
  if (!isPlainObject(raw) || raw.method === "code" || typeof raw.expires_in !== "string") return true;
  if (/^[0-9]+(ns|us|ms|s|m|h)$/.test(raw.expires_in)) return true;
  reporter.add([...path, "recovery", "expires_in"], `a recovery link takes a duration of one unit, got "${raw.expires_in}"`, "write it in one unit (e.g. 90m instead of 1h30m), or use method: code");
  return false;
}
