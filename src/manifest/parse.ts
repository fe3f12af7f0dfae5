// Parsed values -> validated sets and identities. Pure apart from what the given Resolver does; never throws for
// user errors. The same code serves YAML documents (with positions) and plain objects (e.g. from Pulumi).
import type { DesiredIdentity, DesiredSet, Issue } from "../reconcile/core/types";
import { checkKey, checkMerged, checkOwn, Obj, parseKeyField, toDesired } from "./identity";
import { KEY_PATH_PATTERN } from "../reconcile/core/key-spec";
import { interpolate, Resolver } from "./interpolate";
import { deepFreeze } from "./merge";
import { hideInIssues, hidingOrder, sensitiveTest } from "../reconcile/core/sensitive";
import { IMPORTED_TYPES, SENSITIVE } from "../reconcile/core/types";
import { isPlainObject, Locate, Path, Reporter, typeName } from "./path";
import { validateIdentitySchema, validateSetSchema } from "./schema";
import { buildSet, SetDocument } from "./set";

export const API_VERSION = "ory-reconcile/v1";
export const KIND = "IdentitySet";

export type LoadResult = { ok: true; sets: DesiredSet[] } | { ok: false; issues: Issue[] };
export type IdentityResult = { ok: true; identity: DesiredIdentity } | { ok: false; issues: Issue[] };

export interface ParseContext {
  file: string;
  locate: Locate;
  resolver: Resolver;
  /** false: take strings literally (no `${env:…}`, `${file:…}` or `$${`). Default true. */
  references?: boolean;
}

/** One set document -> the set, or the issues found in it. */
export function parseSetValue(value: unknown, ctx: ParseContext): { set?: DesiredSet; issues: Issue[] } {
  const reporter = new Reporter(ctx.locate);
  if (!isPlainObject(value)) {
    reporter.add(
      [],
      `expected a mapping with apiVersion, kind, metadata and spec, got ${typeName(value)}`,
      "each YAML document must be one IdentitySet",
    );
    return { issues: reporter.issues };
  }
  if (!checkHeader(value, reporter)) return { issues: reporter.issues };
  const sensitive = new Set<string>();
  const resolved = resolve(value, [], ctx, reporter, isSetSecret, sensitive, setNameReason);
  if (!validateSetSchema(resolved, reporter)) return { issues: withoutSensitive(reporter.issues, sensitive) };
  const set = buildSet(resolved as SetDocument, reporter, sensitiveTest(sensitive));
  return set ? { set, issues: [] } : { issues: withoutSensitive(reporter.issues, sensitive) };
}

export interface IdentityContext extends ParseContext {
  /** The key as in `spec.key` (default `external_id`). */
  key?: string;
  /** Set name, used for password fingerprints (policy `enforce`). */
  set?: string;
  /** Where the identity sits, prefixed to issue paths. */
  base?: Path;
}

/** One identity (Ory admin API field names) -> DesiredIdentity, with the same checks and messages as a manifest. */
export function parseIdentityValue(value: unknown, ctx: IdentityContext): IdentityResult {
  const reporter = new Reporter(ctx.locate);
  const base = ctx.base ?? [];
  const key = parseKeyField(ctx.key);
  if (ctx.key !== undefined && !KEY_PATH_PATTERN.test(ctx.key)) {
    reporter.add([], `invalid key "${ctx.key}": expected external_id or traits.<dotted.path>`, "e.g. traits.email");
    return { ok: false, issues: reporter.issues };
  }
  const isSecret = (path: Path) => isSecretAt(path, base.length);
  const sensitive = new Set<string>();
  const resolved = resolve(value, base, ctx, reporter, isSecret, sensitive) as Obj;
  if (!validateIdentitySchema(resolved, base, reporter))
    return { ok: false, issues: withoutSensitive(reporter.issues, sensitive) };
  const ownOk = checkOwn(resolved, base, reporter);
  const valid = checkMerged(resolved, base, reporter, ownOk);
  const keyValue = valid ? checkKey(resolved, base, key, reporter) : undefined;
  if (reporter.issues.length > 0 || keyValue === undefined)
    return { ok: false, issues: withoutSensitive(reporter.issues, sensitive) };
  return {
    ok: true,
    identity: deepFreeze(toDesired(resolved, keyValue, ctx.locate(base), sensitiveTest(sensitive), 1)),
  };
}

function checkHeader(doc: Obj, reporter: Reporter): boolean {
  const header = [
    ["apiVersion", API_VERSION],
    ["kind", KIND],
  ] as const;
  let ok = true;
  for (const [field, expected] of header) {
    const value = doc[field];
    if (value === expected) continue;
    ok = false;
    const message =
      value === undefined
        ? `missing required field "${field}"`
        : `unsupported ${field} ${typeof value === "string" ? JSON.stringify(value) : typeName(value)}: expected "${expected}"`;
    reporter.add(value === undefined ? [] : [field], message, `set ${field}: ${expected}`);
  }
  return ok;
}

/**
 * Issues with every resolved `${env:…}` / `${file:…}` string hidden: messages quote values (`unexpected value
 * "…"`), and no caller may show one. A string of a `generate` template is hidden part by part around its `{{i}}`,
 * since the copies' messages hold it with the copy number filled in.
 */
function withoutSensitive(issues: Issue[], sensitive: ReadonlySet<string>): Issue[] {
  const hidden = hidingOrder(
    [...sensitive].flatMap((value) => value.split("{{i}}")).map((value) => ({ value, shown: SENSITIVE })),
  );
  return hideInIssues(issues, hidden);
}

function resolve(
  value: unknown,
  base: Path,
  ctx: ParseContext,
  reporter: Reporter,
  isSecret: (path: Path) => boolean,
  sensitive: Set<string>,
  publicReason?: (path: Path) => string | undefined,
): unknown {
  const resolver = ctx.references === false ? undefined : ctx.resolver;
  return interpolate(value, base, { file: ctx.file, resolver, reporter, isSecret, sensitive, publicReason });
}

/** A set name is public by nature (the ownership marker on the server, file names, Pulumi ids): never sensitive. */
function setNameReason(path: Path): string | undefined {
  return path.length === 2 && path[0] === "metadata" && path[1] === "name"
    ? "a set name is public: use a literal or ${var:NAME}"
    : undefined;
}

/**
 * Whether the value at `path` is secret, for an identity whose fields start at `path[owner]`: a password or password
 * hash, and every string inside a credential of {@link IMPORTED_TYPES} (a TOTP URL, lookup codes, WebAuthn keys,
 * SAML links), but not the word `absent` in place of one.
 */
function isSecretAt(path: Path, owner: number): boolean {
  if (path[owner] !== "credentials") return false;
  const tail = path.slice(owner + 1);
  if (tail.length === 2 && tail[0] === "password") return tail[1] === "password" || tail[1] === "hashed_password";
  return tail.length >= 2 && (IMPORTED_TYPES as ReadonlyArray<unknown>).includes(tail[0]);
}

/** Secrets directly under spec.defaults, an identity or a template (see isSecretAt). */
function isSetSecret(path: Path): boolean {
  if (path.length < 5 || path[0] !== "spec") return false;
  if (path[1] === "defaults") return isSecretAt(path, 2);
  if (path[1] === "identities" && typeof path[2] === "number") return isSecretAt(path, 3);
  return path[1] === "generate" && typeof path[2] === "number" && path[3] === "template" && isSecretAt(path, 4);
}
