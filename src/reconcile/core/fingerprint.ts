// A fingerprint of a declared password, kept in the ownership marker so that policy `enforce` can tell a changed
// declaration without ever reading a secret back from the server. Anyone who can read `metadata_admin` can try to
// guess the password from it, so it costs at least what guessing from the server's own hash does (bcrypt cost 12),
// or, with ORY_RECONCILE_FINGERPRINT_KEY set, is an HMAC that is useless without that key. It is never printed.
// Formats, by prefix. The salt binds each one to one identity by its key, not by its set, so renaming a set or moving
// an identity to another one keeps it valid:
//   s3: scrypt N=2^17, r=8, p=1 (128 MiB), salt "ory-reconcile:s3:<key>"                 — without a key (current)
//   k2: HMAC-SHA256(ORY_RECONCILE_FINGERPRINT_KEY, "k2\0<key>\0<password>")              — with a key (current)
//   s2: scrypt N=2^17, salt "ory-reconcile:<set>/<key>:"                                 — old, bound to the set
//   k1: HMAC-SHA256(ORY_RECONCILE_FINGERPRINT_KEY, "<set>/<key>\0<password>")           — old, bound to the set
//   s1: scrypt N=2^12, salt "ory-reconcile:<set>/<key>:<key or empty>"                  — old, still recognised
// An old fingerprint is checked against the set its marker names (and the current one) and the identity's key as
// declared and as live (a renamed key), and is replaced by the current format with the next write to the identity.
// scrypt results are kept in memory for the process (by a digest of salt and value), so that a value is hashed
// once however many times a run plans it (Pulumi's preview, then its update), and computed ahead in parallel.
import { createHash, createHmac, scrypt, scryptSync, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import { runPool } from "./pool";
import type { DesiredIdentity, DesiredSet, PasswordDecl } from "./types";

interface Cost {
  N: number;
  r: number;
  p: number;
  maxmem?: number;
}
const S1: Cost = { N: 1 << 12, r: 8, p: 1 };
const S2: Cost = { N: 1 << 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };

/** The value a password declaration is fingerprinted by (a migration hook has none of its own). */
function secretOf(decl: PasswordDecl): string {
  return decl.kind === "migration_hook" ? "migration-hook" : decl.value.reveal();
}

function fingerprintKey(): string {
  return process.env.ORY_RECONCILE_FINGERPRINT_KEY ?? "";
}

/** scrypt results of this process, by a digest of cost, salt and value (the value itself is not kept as a key). */
const computed = new Map<string, Promise<string> | string>();
const MAX_CACHED = 100_000;

function cacheKey(secret: string, salt: string, cost: Cost): string {
  return createHash("sha256").update(`${cost.N}\0${salt}\0${secret}`).digest("base64url");
}

function remember(key: string, value: Promise<string> | string): void {
  if (computed.size >= MAX_CACHED) computed.clear();
  computed.set(key, value);
}

function scryptOnce(secret: string, salt: string, cost: Cost): string {
  const key = cacheKey(secret, salt, cost);
  const known = computed.get(key);
  if (typeof known === "string") return known;
  const value = scryptSync(secret, salt, 18, cost).toString("base64url");
  remember(key, value);
  return value;
}

/** scryptOnce on the thread pool (several run in parallel); a value already under way is awaited, not hashed again. */
async function scryptOnceAsync(secret: string, salt: string, cost: Cost): Promise<string> {
  const key = cacheKey(secret, salt, cost);
  const known = computed.get(key);
  if (known !== undefined) return known;
  const value = new Promise<string>((resolve, reject) =>
    scrypt(secret, salt, 18, cost, (error, out) => (error ? reject(error) : resolve(out.toString("base64url")))),
  );
  remember(key, value);
  value.then(
    (done) => computed.get(key) === value && computed.set(key, done),
    () => computed.delete(key),
  );
  return value;
}

const s3Salt = (key: string) => `ory-reconcile:s3:${key}`;
const s2Salt = (set: string, key: string) => `ory-reconcile:${set}/${key}:`;
const k2 = (key: string, secret: string, fpKey: string) =>
  "k2:" + createHmac("sha256", fpKey).update(`k2\0${key}\0${secret}`).digest("base64url");
const k1 = (set: string, key: string, secret: string, fpKey: string) =>
  "k1:" + createHmac("sha256", fpKey).update(`${set}/${key}\0${secret}`).digest("base64url");

/**
 * The current fingerprint of `secret` declared for the identity with key `key`: an HMAC (`k2:`) when a fingerprint
 * key is given (or set in ORY_RECONCILE_FINGERPRINT_KEY), otherwise scrypt (`s3:`, about as slow as bcrypt cost 12).
 */
export function passwordFingerprint(key: string, secret: string, fpKey = fingerprintKey()): string {
  return fpKey !== "" ? k2(key, secret, fpKey) : "s3:" + scryptOnce(secret, s3Salt(key), S2);
}

/** passwordFingerprint without blocking: scrypt runs on the thread pool, so several run in parallel. */
export async function passwordFingerprintAsync(key: string, secret: string, fpKey = fingerprintKey()): Promise<string> {
  return fpKey !== "" ? k2(key, secret, fpKey) : "s3:" + (await scryptOnceAsync(secret, s3Salt(key), S2));
}

/** The current fingerprint of a declared password: the one computed ahead (see withFingerprints) or a new one. */
export function fingerprintOf(key: string, decl: PasswordDecl): string {
  return decl.fingerprint ?? passwordFingerprint(key, secretOf(decl));
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * What a stored fingerprint may have been bound to: the identity's keys (as declared, and as live when the tool
 * renames it) and, for the old set-bound formats, the sets (the one its marker names, the declaring one).
 */
export interface Binding {
  keys: ReadonlyArray<string>;
  sets: ReadonlyArray<string>;
}

/** Each (set, key) pair of a binding once. */
function pairs(binding: Binding): Array<[string, string]> {
  const keys = [...new Set(binding.keys)];
  return [...new Set(binding.sets)].flatMap((set) => keys.map((key): [string, string] => [set, key]));
}

/**
 * Whether a stored fingerprint (any format this tool ever wrote) was made from the declared password for one of the
 * binding's keys (and sets, for the old formats). A format that needs the fingerprint key while none is set cannot
 * be checked: it does not match. Each check of an scrypt format costs one scrypt (remembered: see warmFingerprints).
 */
export function fingerprintMatches(
  stored: string | undefined,
  decl: PasswordDecl,
  binding: Binding,
  fpKey = fingerprintKey(),
): boolean {
  if (stored === undefined) return false;
  const secret = secretOf(decl);
  const keys = [...new Set(binding.keys)];
  if (decl.fingerprint !== undefined && stored === decl.fingerprint) return true;
  if (stored.startsWith("s3:")) return keys.some((key) => same(stored, "s3:" + scryptOnce(secret, s3Salt(key), S2)));
  if (stored.startsWith("k2:")) return fpKey !== "" && keys.some((key) => same(stored, k2(key, secret, fpKey)));
  if (stored.startsWith("s2:"))
    return pairs(binding).some(([set, key]) => same(stored, "s2:" + scryptOnce(secret, s2Salt(set, key), S2)));
  if (stored.startsWith("k1:"))
    return fpKey !== "" && pairs(binding).some(([set, key]) => same(stored, k1(set, key, secret, fpKey)));
  if (stored.startsWith("s1:"))
    return pairs(binding).some(([set, key]) =>
      same(stored, "s1:" + scryptOnce(secret, `ory-reconcile:${set}/${key}:${fpKey}`, S1)),
    );
  return false;
}

/**
 * Computes ahead, in parallel, the scrypt checks that fingerprintMatches will make for a stored fingerprint in a
 * format other than the current one (`stored`, with the password and binding it is checked against), so that the
 * planner finds them remembered instead of computing them one after another.
 */
export async function warmFingerprints(
  checks: ReadonlyArray<{ stored: string; decl: PasswordDecl; binding: Binding }>,
): Promise<void> {
  const work: Array<() => Promise<unknown>> = [];
  for (const { stored, decl, binding } of checks) {
    if (decl.fingerprint !== undefined && stored === decl.fingerprint) continue;
    const secret = secretOf(decl);
    if (stored.startsWith("s3:"))
      for (const key of new Set(binding.keys)) work.push(() => scryptOnceAsync(secret, s3Salt(key), S2));
    if (stored.startsWith("s2:"))
      for (const [set, key] of pairs(binding)) work.push(() => scryptOnceAsync(secret, s2Salt(set, key), S2));
  }
  await runPool(work, Math.max(1, availableParallelism()), async (run) => void (await run()));
}

/**
 * The sets with the fingerprint of every `enforce` password computed ahead, in parallel (one scrypt per CPU at a
 * time: each needs 128 MiB), so that planning does not compute them one after another.
 */
export async function withFingerprints(sets: ReadonlyArray<DesiredSet>): Promise<DesiredSet[]> {
  const todo = sets.flatMap((set) =>
    set.identities.filter(
      (i) => i.credentials?.password?.policy === "enforce" && i.credentials.password.fingerprint === undefined,
    ),
  );
  if (todo.length === 0) return [...sets];
  const done = new Map<DesiredIdentity, DesiredIdentity>();
  await runPool(todo, Math.max(1, availableParallelism()), async (identity) => {
    const password = identity.credentials?.password as PasswordDecl;
    const fingerprint = await passwordFingerprintAsync(identity.markedKey?.key ?? identity.key, secretOf(password));
    done.set(identity, {
      ...identity,
      credentials: { ...identity.credentials, password: { ...password, fingerprint } },
    });
  });
  return sets.map((set) => ({ ...set, identities: set.identities.map((identity) => done.get(identity) ?? identity) }));
}
