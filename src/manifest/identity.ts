// One identity declaration (already interpolated and schema-valid): the checks the schema cannot express, its key,
// and its conversion into the engine's `DesiredIdentity`.
import { MARKER_KEY } from "../reconcile/core/marker";
import {
  DesiredCredentials,
  DesiredIdentity,
  IdentityBody,
  JsonObject,
  KeySpec,
  OidcProvider,
  PasswordDecl,
  PasswordPolicy,
  Secret,
  SourcePos,
} from "../reconcile/core/types";
import { findSensitive, keyLabel, SensitiveTest } from "../reconcile/core/sensitive";
import { keySpecOf, keyText } from "../reconcile/core/key-spec";
import { formatPath, isPlainObject, Path, Reporter, typeName } from "./path";
import { checkRecovery, toImported, toRecovery } from "./credentials";

export type Obj = Record<string, unknown>;

/** The key of a set as written in `spec.key`, parsed. */
export interface KeyField {
  spec: KeySpec;
  /** As written, e.g. `traits.email`; `external_id` also when defaulted. */
  text: string;
  /** Where the key sits inside an identity, e.g. ["traits", "email"]. */
  path: string[];
  defaulted: boolean;
}

/** `spec.key` as written (undefined: the default, `external_id`), parsed; check it with KEY_PATH_PATTERN first. */
export function parseKeyField(text: string | undefined): KeyField {
  const spec = keySpecOf(text);
  return {
    spec,
    text: keyText(spec),
    path: spec.kind === "external_id" ? ["external_id"] : ["traits", ...spec.path],
    defaulted: text === undefined,
  };
}

const PASSWORD_KINDS = ["password", "hashed_password", "use_password_migration_hook"] as const;

function passwordOf(identity: Obj): Obj | undefined {
  const credentials = identity.credentials;
  return isPlainObject(credentials) && isPlainObject(credentials.password) ? credentials.password : undefined;
}

function passwordKinds(identity: Obj): string[] {
  const password = passwordOf(identity);
  return password ? PASSWORD_KINDS.filter((kind) => password[kind] !== undefined) : [];
}

/**
 * Checks what one declaration (an identity, `spec.defaults` or a template) says on its own, before merging.
 * Returns false when its password kinds conflict (so the merged check does not report that again).
 */
export function checkOwn(own: Obj, path: Path, reporter: Reporter): boolean {
  if (isPlainObject(own.metadata_admin) && MARKER_KEY in own.metadata_admin) {
    reporter.add(
      [...path, "metadata_admin", MARKER_KEY],
      `"${MARKER_KEY}" in metadata_admin is reserved for the ownership marker`,
      "rename this key: ory-reconcile writes the marker itself",
      "key",
    );
  }
  const kinds = passwordKinds(own);
  if (kinds.length > 1) {
    reporter.add(
      [...path, "credentials", "password"],
      `conflicting password declarations: ${kinds.join(" and ")}`,
      `keep exactly one of ${PASSWORD_KINDS.join(", ")}`,
    );
    return false;
  }
  return true;
}

/**
 * The hash formats Kratos imports (`hash.IsValidHashFormat` in its hash/hash_comparator.go, the same prefixes in
 * v1.3.1, v26.2.0 and master): any other `hashed_password` is refused by the server, and with it the whole batch.
 */
const HASH_FORMATS: ReadonlyArray<[string, RegExp]> = [
  ["bcrypt", /^\$2[abzy]?\$/],
  ["argon2id", /^\$argon2id\$/],
  ["argon2i", /^\$argon2i\$/],
  ["pbkdf2", /^\$pbkdf2-sha[0-9]{1,3}\$/],
  ["scrypt", /^\$scrypt\$/],
  ["firescrypt", /^\$firescrypt\$/],
  ["md5-crypt", /^\$md5-crypt\$/],
  ["sha256-crypt", /^\$sha256-crypt\$/],
  ["sha512-crypt", /^\$sha512-crypt\$/],
  ["ssha", /^\{SSHA(256|512)?\}/],
  ["sha", /^\$sha(1|256|512)\$/],
  ["md5", /^\$md5\$/],
  ["hmac", /^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$/],
];

/** Whether the server would import this `hashed_password` (its prefix names a hash format Kratos knows). */
export function isImportableHash(hash: string): boolean {
  return HASH_FORMATS.some(([, format]) => format.test(hash));
}

/** Checks an identity after `spec.defaults` were merged under it; returns whether it can be converted. */
export function checkMerged(merged: Obj, path: Path, reporter: Reporter, reportConflict: boolean): boolean {
  let ok = true;
  if (merged.traits === undefined) {
    reporter.add(
      [...path, "traits"],
      'missing required field "traits"',
      "add traits: to this identity (or to spec.defaults)",
    );
    ok = false;
  }
  const kinds = passwordKinds(merged);
  if (passwordOf(merged) && kinds.length === 0) {
    reporter.add(
      [...path, "credentials", "password"],
      `credentials.password needs one of ${PASSWORD_KINDS.join(", ")}`,
      "add one of them, e.g. password: ${env:PASSWORD}",
    );
    ok = false;
  } else if (kinds.length > 1) {
    if (reportConflict) {
      reporter.add(
        [...path, "credentials", "password"],
        `conflicting password declarations after merging spec.defaults: ${kinds.join(" and ")}`,
        "declare only one kind of password here and in spec.defaults.credentials.password",
      );
    }
    ok = false;
  }
  const hashed = passwordOf(merged)?.hashed_password;
  const at = [...path, "credentials", "password", "hashed_password"];
  // A reference that could not be resolved was reported already; the value is never shown (it may be a real hash).
  const reported = reporter.issues.some((issue) => issue.path === formatPath(at));
  if (kinds.length === 1 && hashed instanceof Secret && !reported && !isImportableHash(hashed.reveal())) {
    reporter.add(
      at,
      `hashed_password is not in a hash format the server imports (the value is not shown)`,
      `use a hash in one of these formats: ${HASH_FORMATS.map(([name]) => name).join(", ")} (e.g. bcrypt "$2a$12$…"), or declare password: instead`,
    );
    ok = false;
  }
  return checkLinks(merged, path, reporter) && checkRecovery(merged, path, reporter) && ok;
}

/** The same provider and subject declared twice: the server would refuse the write (its identifiers are unique). */
function checkLinks(merged: Obj, path: Path, reporter: Reporter): boolean {
  const credentials = merged.credentials;
  const providers =
    isPlainObject(credentials) && isPlainObject(credentials.oidc) ? credentials.oidc.providers : undefined;
  if (!Array.isArray(providers)) return true;
  const seen = new Map<string, number>();
  let ok = true;
  providers.forEach((link: unknown, i) => {
    if (!isPlainObject(link)) return;
    const identifier = `${String(link.provider)}:${String(link.subject)}`;
    const first = seen.get(identifier);
    if (first === undefined) seen.set(identifier, i);
    else {
      reporter.add(
        [...path, "credentials", "oidc", "providers", i],
        `duplicate OIDC link ${identifier}: also declared at providers[${first}]`,
        "declare each provider and subject once",
      );
      ok = false;
    }
  });
  return ok;
}

/** The identity's value at the set's key (undefined when absent). */
export function keyValue(identity: Obj, key: KeyField): unknown {
  let node: unknown = identity;
  for (const segment of key.path) node = isPlainObject(node) ? node[segment] : undefined;
  return node;
}

/** The key string, or undefined after reporting why there is none. */
export function checkKey(identity: Obj, path: Path, key: KeyField, reporter: Reporter): string | undefined {
  const value = keyValue(identity, key);
  if (typeof value === "string" && value !== "") return value;
  const where = [...path, ...key.path];
  if (value === undefined) {
    const hint = key.defaulted
      ? "add external_id: to this identity, or set spec.key to a trait, e.g. key: traits.email"
      : `add ${key.text} to this identity, or change spec.key`;
    reporter.add(
      where,
      `missing key field "${key.text}" (spec.key${key.defaulted ? " defaults to external_id" : ""})`,
      hint,
    );
  } else {
    const got = value === "" ? "an empty string" : typeName(value);
    reporter.add(
      where,
      `key field "${key.text}" must be a non-empty string, got ${got}`,
      "every identity needs a unique string at the set's key",
    );
  }
  return undefined;
}

const BODY_FIELDS = [
  "schema_id",
  "metadata_public",
  "metadata_admin",
  "state",
  "external_id",
  "organization_id",
  "verifiable_addresses",
  "recovery_addresses",
] as const satisfies ReadonlyArray<keyof IdentityBody>;

/**
 * A checked, merged identity as the engine's `DesiredIdentity`. Strings that `sensitive` recognises (they came from
 * `${env:…}` or `${file:…}`) are recorded; a sensitive key is shown as its label, made from `position` (1-based,
 * the identity's place in its set).
 */
export function toDesired(
  identity: Obj,
  key: string,
  source: SourcePos | undefined,
  sensitive: SensitiveTest,
  position: number,
): DesiredIdentity {
  const body: IdentityBody = { traits: identity.traits as JsonObject };
  for (const field of BODY_FIELDS) {
    if (identity[field] !== undefined) (body as unknown as Obj)[field] = identity[field];
  }
  const desired: DesiredIdentity = { key, body };
  if (sensitive(key)) desired.label = keyLabel(position);
  const found = findSensitive(body as unknown as Obj, sensitive);
  if (found) desired.sensitive = found;
  const credentials = toCredentials(identity.credentials);
  if (credentials) desired.credentials = credentials;
  const recovery = toRecovery(identity.recovery);
  if (recovery) desired.recovery = recovery;
  if (source) desired.source = source;
  return desired;
}

function toCredentials(raw: unknown): DesiredCredentials | undefined {
  if (!isPlainObject(raw)) return undefined;
  const credentials: DesiredCredentials = {};
  if (isPlainObject(raw.password)) credentials.password = toPassword(raw.password);
  if (isPlainObject(raw.oidc)) credentials.oidc = { providers: raw.oidc.providers as OidcProvider[] };
  const imported = toImported(raw);
  if (imported) credentials.imported = imported;
  return credentials.password || credentials.oidc || imported ? credentials : undefined;
}

function toPassword(raw: Obj): PasswordDecl {
  const policy = (raw.policy as PasswordPolicy | undefined) ?? "initial";
  // The fingerprint of an `enforce` password is deliberately slow: the engine computes it when it plans.
  return raw.password instanceof Secret
    ? { kind: "password", value: raw.password, policy }
    : raw.hashed_password instanceof Secret
      ? { kind: "hashed_password", value: raw.hashed_password, policy }
      : { kind: "migration_hook", policy };
}
