// `credentials.<type>` beyond passwords and OIDC (TOTP, lookup secrets, WebAuthn, passkeys, SAML) and `recovery:`
// of a checked identity, as the engine's declarations. Every string inside such a credential is already a Secret
// (parse.ts); the import config is built here and kept as one Secret, so no part of it can reach an output.
import { ImportedCredential, ImportedType, IMPORTED_TYPES, RecoveryDecl, Secret } from "../reconcile/core/types";
import { isPlainObject, Path, Reporter } from "./path";
import type { Obj } from "./identity";

/** A copy of `value` with every Secret replaced by its value (for the import config only). */
function revealed(value: unknown): unknown {
  if (value instanceof Secret) return value.reveal();
  if (Array.isArray(value)) return value.map(revealed);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, revealed(item)]));
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

const NANOSECONDS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
/** The longest duration the server takes: Go's time.Duration, 2^63-1 ns (2562047h47m16.854775807s). */
const MAX_NANOSECONDS = 2n ** 63n - 1n;

/** A duration as the schema admits it (`48h`, `1h30m`) in nanoseconds. */
export function durationNanoseconds(text: string): bigint {
  let total = 0n;
  for (const [, digits, unit] of text.matchAll(/([0-9]+)(ns|us|ms|s|m|h)/g))
    total += BigInt(digits) * NANOSECONDS[unit];
  return total;
}

/**
 * What the schema cannot say about `recovery:`. Every server refuses (400, seen on v1.3.1, v26.2.0 and master)
 * an `expires_in` of zero ("must result to a future time") and one beyond Go's longest duration (2562047h47m16s);
 * by then apply has created the identity, and a re-run no longer asks for its invite. Links and codes both take
 * several units (`1h30m`), although the admin API documents one unit only for links: every server tested takes
 * them. Returns whether it is fine.
 */
export function checkRecovery(merged: Obj, path: Path, reporter: Reporter): boolean {
  const raw = merged.recovery;
  if (!isPlainObject(raw) || typeof raw.expires_in !== "string" || !/^([0-9]+(ns|us|ms|s|m|h))+$/.test(raw.expires_in))
    return true;
  const at = [...path, "recovery", "expires_in"];
  const nanoseconds = durationNanoseconds(raw.expires_in);
  if (nanoseconds === 0n) {
    reporter.add(
      at,
      `a recovery ${raw.method === "code" ? "code" : "link"} must expire in the future, got "${raw.expires_in}"`,
      "give a duration above zero (e.g. 48h), or omit expires_in for the server's lifespan",
    );
    return false;
  }
  if (nanoseconds > MAX_NANOSECONDS) {
    reporter.add(
      at,
      `the server takes durations up to 2562047h47m16s (about 292 years), got "${raw.expires_in}"`,
      "give a shorter duration (e.g. 720h for 30 days)",
    );
    return false;
  }
  return true;
}
