// Values that came from `${env:…}` or `${file:…}`: found in a declared identity, and replaced by `(sensitive)`
// wherever a plan shows a value (field changes, JSON Patch ops).
import { pointer } from "./json";
import { printable } from "./printable";
import { DesiredSet, FieldChange, Holdings, Issue, Json, Secret, Sensitive, SENSITIVE, subject } from "./types";

/** Whether a string is (or, in a `generate` template, was expanded from) one of the sensitive strings. */
export type SensitiveTest = (value: string) => boolean;

/** A test for the given sensitive strings; `{{i}}` in one of them stands for any copy number. */
export function sensitiveTest(values: ReadonlySet<string>): SensitiveTest {
  const patterns = [...values]
    .filter((value) => value.includes("{{i}}"))
    .map((value) => new RegExp("^" + value.split("{{i}}").map(escapeRegExp).join("[0-9]+") + "$", "s"));
  return (value) => values.has(value) || patterns.some((pattern) => pattern.test(value));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The sensitive strings of a document (an identity's fields), or undefined when it holds none. */
export function findSensitive(doc: Record<string, unknown>, test: SensitiveTest): Sensitive | undefined {
  const paths: string[] = [];
  const values = new Set<string>();
  const walk = (node: unknown, at: Array<string | number>) => {
    if (typeof node === "string") {
      if (test(node)) {
        paths.push(pointer(at));
        values.add(node);
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...at, i]));
    else if (typeof node === "object" && node !== null && !(node instanceof Secret)) {
      for (const [key, item] of Object.entries(node)) walk(item, [...at, key]);
    }
  };
  walk(doc, []);
  return paths.length > 0 ? { paths, values: [...values].map((value) => new Secret(value)) } : undefined;
}

/**
 * `value`, found at pointer `at` of an identity, with every sensitive part replaced by `(sensitive)`: whatever sits
 * at a sensitive path (also the live value it replaces), and any string equal to a sensitive value (the server
 * copies traits into addresses, for example).
 */
export function redactJson(value: Json | undefined, at: string, sensitive: Sensitive | undefined): Json | undefined {
  if (!sensitive || value === undefined) return value;
  const values = new Set(sensitive.values.map((secret) => fold(secret.reveal())));
  const paths = new Set(sensitive.paths);
  const walk = (node: Json, where: string): Json => {
    if (paths.has(where)) return SENSITIVE;
    if (typeof node === "string") return values.has(fold(node)) ? SENSITIVE : node;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${where}/${i}`));
    if (node !== null && typeof node === "object") {
      const out: { [key: string]: Json } = {};
      for (const [key, item] of Object.entries(node)) out[key] = walk(item, where + pointer([key]));
      return out;
    }
    return node;
  };
  return walk(value, at);
}

/**
 * A string as the server may store a value it was sent: lower-cased (Kratos lower-cases identifiers and addresses)
 * and NFKC-normalized (newer servers). Comparing folded forms hides those copies too; hiding more is always safe.
 */
export function fold(value: string): string {
  return value.normalize("NFKC").toLowerCase();
}

/**
 * What an adopted identity holds (see Holdings: the server's strings), with every sensitive value in it, in any
 * letter case, replaced by `(sensitive)`: `google:(sensitive)`; a string that holds one only in a form that cannot
 * be cut out (NFKC) is `(sensitive)` as a whole.
 */
export function redactHoldings(holds: Holdings, sensitive: Sensitive | undefined): Holdings {
  if (!sensitive) return holds;
  const hidden = hidingOrder(
    sensitive.values.map((value) => ({ value: value.reveal(), shown: SENSITIVE, secret: true })),
  );
  const redact = (items: string[]) => items.map((item) => hideIn(item, hidden));
  const out: Holdings = { ...holds, verified_addresses: redact(holds.verified_addresses) };
  if (holds.credentials) out.credentials = redact(holds.credentials);
  if (holds.providers) out.providers = redact(holds.providers);
  return out;
}

/** Field changes with their sensitive values replaced. */
export function redactChanges(changes: FieldChange[], sensitive: Sensitive | undefined): FieldChange[] {
  if (!sensitive) return changes;
  return changes.map((change) => {
    const out: FieldChange = { path: change.path };
    if ("before" in change) out.before = redactJson(change.before, change.path, sensitive);
    if ("after" in change) out.after = redactJson(change.after, change.path, sensitive);
    return out;
  });
}

/** The label that stands for a sensitive key: the identity's 1-based position in its set. */
export function keyLabel(position: number): string {
  return `(sensitive #${position})`;
}

/** Whether a key as shown is a label (the key itself is sensitive). */
export function isKeyLabel(shown: string): boolean {
  return /^\(sensitive #[0-9]+\)$/.test(shown);
}

/** A string that must not appear in output, and what stands for it there (`(sensitive)`, or a key's label). */
export interface Hidden {
  value: string;
  shown: string;
  /** A secret (password, hash): hidden whatever its length. */
  secret?: boolean;
}

/**
 * Values shorter than this are hidden in free text only where a message quotes them (`"ab"`): replaced anywhere, a
 * one- to three-character value would eat letters out of ordinary words and make every message unreadable, while
 * so short a value gives little away. Secrets (passwords, hashes) are hidden whatever their length.
 */
export const MIN_HIDDEN_LENGTH = 4;

/** What the declared identities of `sets` must hide: sensitive keys (as labels), sensitive values, secrets (see hidingOrder). */
export function hiddenOf(sets: ReadonlyArray<DesiredSet>): Hidden[] {
  const out: Hidden[] = [];
  for (const set of sets) {
    for (const identity of set.identities) {
      if (identity.label)
        out.push(
          { value: subject(set.name, identity.key), shown: subject(set.name, identity.label) },
          { value: identity.key, shown: identity.label },
        );
      for (const value of identity.sensitive?.values ?? []) out.push({ value: value.reveal(), shown: SENSITIVE });
      const password = identity.credentials?.password;
      if (password && password.kind !== "migration_hook")
        out.push({ value: password.value.reveal(), shown: SENSITIVE, secret: true });
    }
  }
  return hidingOrder(out);
}

/**
 * `hidden` as hideIn takes it: each value once (a secret if any of its entries is), the longest first, so that a key
 * holding a shorter value stays whole. Many identities often share one value (a seeded password), so this keeps
 * hiding a string proportional to the distinct values, not to the identities. A value is also hidden in the forms
 * that output escapes it into (see escapedForms), so that redacting after escaping still finds it.
 */
export function hidingOrder(hidden: ReadonlyArray<Hidden>): Hidden[] {
  const byValue = new Map<string, Hidden>();
  for (const entry of hidden.flatMap((item) => escapedForms(item.value).map((value) => ({ ...item, value })))) {
    if (entry.value === "") continue;
    const seen = byValue.get(entry.value);
    byValue.set(entry.value, seen ? { ...seen, secret: seen.secret || entry.secret } : entry);
  }
  return [...byValue.values()].sort((a, b) => b.value.length - a.value.length);
}

/**
 * `value` as it is, and as text output writes it once escaped: control characters as escapes (printable) and as a
 * JSON string's contents (quotes and backslashes escaped too; Go's %q, which server messages use, writes the same
 * for these characters). Usually just `[value]`.
 */
export function escapedForms(value: string): string[] {
  const forms = new Set([value, printable(value), JSON.stringify(value).slice(1, -1)]);
  return [...forms];
}

/**
 * `text` with every hidden value replaced by what stands for it, in any letter case (the server stores identifiers
 * and addresses lower-cased), and, should a value only be found once both are NFKC-normalized, `text` as a whole;
 * `hidden` in hidingOrder (hiddenOf gives it so).
 */
export function hideIn(text: string, hidden: ReadonlyArray<Hidden>): string {
  let out = text;
  let folded = fold(out);
  for (const { value, shown, secret } of hidden) {
    const long = secret || value.length >= MIN_HIDDEN_LENGTH;
    const target = long ? value : JSON.stringify(value);
    const foldedTarget = foldOnce(target);
    if (!folded.includes(foldedTarget)) continue;
    out = out.replace(new RegExp(escapeRegExp(target), "giu"), long ? shown : JSON.stringify(shown));
    folded = fold(out);
    if (folded.includes(foldedTarget)) return long ? shown : SENSITIVE;
  }
  return out;
}

/** fold of a hidden value, remembered (the same values are looked for in every string of an output). */
const foldedValues = new Map<string, string>();
function foldOnce(value: string): string {
  let folded = foldedValues.get(value);
  if (folded === undefined) {
    if (foldedValues.size >= 100_000) foldedValues.clear();
    foldedValues.set(value, (folded = fold(value)));
  }
  return folded;
}

/** Issues with every hidden value removed from their messages, hints and field paths (a key path can hold one). */
export function hideInIssues(issues: ReadonlyArray<Issue>, hidden: ReadonlyArray<Hidden>): Issue[] {
  if (hidden.length === 0) return [...issues];
  return issues.map((issue) => ({
    ...issue,
    message: hideIn(issue.message, hidden),
    ...(issue.hint !== undefined ? { hint: hideIn(issue.hint, hidden) } : {}),
    ...(issue.path !== undefined ? { path: hideIn(issue.path, hidden) } : {}),
  }));
}
