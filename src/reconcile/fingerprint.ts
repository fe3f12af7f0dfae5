// A fingerprint of a declared password, kept in the ownership marker so that policy `enforce` can tell a changed
// declaration without ever reading a secret back from the server. Anyone who can read `metadata_admin` can try to
// guess the password from it, so it costs at least what guessing from the server's own hash does (bcrypt cost 12),
// or, with ORY_RECONCILE_FINGERPRINT_KEY set, is an HMAC that is useless without that key. It is never printed.
// Formats, by prefix (the salt binds each one to one identity):
//   s2: scrypt N=2^17, r=8, p=1 (128 MiB), salt "ory-reconcile:<set>/<key>:"      — without a key (current)
//   k1: HMAC-SHA256(ORY_RECONCILE_FINGERPRINT_KEY, "<set>/<key>\0<password>")        — with a key (current)
//   s1: scrypt N=2^12, salt "ory-reconcile:<set>/<key>:<key or empty>"             — old, still recognised
import { createHmac, scrypt, scryptSync, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import { runPool } from "./pool";
import type { DesiredIdentity, DesiredSet, PasswordDecl } from "./types";

const S1 = { N: 1 << 12, r: 8, p: 1 };
const S2 = { N: 1 << 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };

/** The value a password declaration is fingerprinted by (a migration hook has none of its own). */
function secretOf(decl: PasswordDecl): string {
  return decl.kind === "migration_hook" ? "migration-hook" : decl.value.reveal();
}

function fingerprintKey(): string {
  return process.env.ORY_RECONCILE_FINGERPRINT_KEY ?? "";
}

function hmac(set: string, key: string, secret: string, fpKey: string): string {
  return "k1:" + createHmac("sha256", fpKey).update(`${set}/${key}\0${secret}`).digest("base64url");
}

const s2Salt = (set: string, key: string) => `ory-reconcile:${set}/${key}:`;

/**
 * The current fingerprint of `secret` declared for `set`/`key`: an HMAC when a fingerprint key is given (or set
 * in ORY_RECONCILE_FINGERPRINT_KEY), otherwise scrypt (about as slow as bcrypt cost 12).
 */
export function passwordFingerprint(set: string, key: string, secret: string, fpKey = fingerprintKey()): string {
  if (fpKey !== "") return hmac(set, key, secret, fpKey);
  return "s2:" + scryptSync(secret, s2Salt(set, key), 18, S2).toString("base64url");
}

/** passwordFingerprint without blocking: scrypt runs on the thread pool, so several run in parallel. */
export async function passwordFingerprintAsync(set: string, key: string, secret: string, fpKey = fingerprintKey()): Promise<string> {
  if (fpKey !== "") return hmac(set, key, secret, fpKey);
  const hash = await new Promise<Buffer>((resolve, reject) => scrypt(secret, s2Salt(set, key), 18, S2, (error, out) => (error ? reject(error) : resolve(out))));
  return "s2:" + hash.toString("base64url");
}

/** The current fingerprint of a declared password: the one computed ahead (see withFingerprints) or a new one. */
export function fingerprintOf(set: string, key: string, decl: PasswordDecl): string {
  return decl.fingerprint ?? passwordFingerprint(set, key, secretOf(decl));
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Whether a stored fingerprint (any format this tool ever wrote) was made from the declared password. A format
 * that needs the fingerprint key while none is set cannot be checked: it does not match.
 */
export function fingerprintMatches(stored: string | undefined, set: string, key: string, decl: PasswordDecl, fpKey = fingerprintKey()): boolean {
  if (stored === undefined) return false;
  const current = fingerprintOf(set, key, decl);
  if (stored === current) return true;
  const secret = secretOf(decl);
  if (stored.startsWith("s1:")) return same(stored, "s1:" + scryptSync(secret, `ory-reconcile:${set}/${key}:${fpKey}`, 18, S1).toString("base64url"));
  if (stored.startsWith("s2:") && !current.startsWith("s2:")) return same(stored, passwordFingerprint(set, key, secret, ""));
  if (stored.startsWith("k1:") && fpKey !== "") return same(stored, hmac(set, key, secret, fpKey));
  return false;
}

/**
 * The sets with the fingerprint of every `enforce` password computed ahead, in parallel (one scrypt per CPU at a
 * time: each needs 128 MiB), so that planning does not compute them one after another.
 */
export async function withFingerprints(sets: ReadonlyArray<DesiredSet>): Promise<DesiredSet[]> {
  const todo = sets.flatMap((set) => set.identities.filter((i) => i.credentials?.password?.policy === "enforce" && i.credentials.password.fingerprint === undefined).map((identity) => ({ set: set.name, identity })));
  if (todo.length === 0) return [...sets];
  const done = new Map<DesiredIdentity, DesiredIdentity>();
  await runPool(todo, Math.max(1, availableParallelism()), async ({ set, identity }) => {
    const password = identity.credentials?.password as PasswordDecl;
    const fingerprint = await passwordFingerprintAsync(set, identity.key, secretOf(password));
    done.set(identity, { ...identity, credentials: { ...identity.credentials, password: { ...password, fingerprint } } });
  });
  return sets.map((set) => ({ ...set, identities: set.identities.map((identity) => done.get(identity) ?? identity) }));
}
