// Addresses the server keeps. Kratos derives `verifiable_addresses` and `recovery_addresses` from the traits its
// identity schema marks (`"ory.sh/kratos": {verification: {via}}` / `{recovery: {via}}`): on create and on every
// update it keeps one address per marked trait value, takes `verified` / `status` of a declared address with the same
// value and `via`, and drops every other declared address. A declared list the schema cannot produce would be
// "updated" on every apply and never match, so it is refused before the first write (addressIssues), and what the
// server answered after a write is compared with what was declared (addressesNotKept).
import { isObject, jsonEqual } from "./json";
import { Doc, liveDoc, resolveRef } from "./normalize";
import type { ServerSchema, TraitsCheck } from "./schema-check";
import { defaultSchemaId } from "./schema-check";
import type { IdentifierRules, Issue, Json, JsonObject, LiveIdentity } from "./types";

/** The address lists of an identity: `verification` marks make verifiable addresses, `recovery` marks recovery ones. */
const LISTS = [
  { field: "verifiable_addresses", mark: "verification" },
  { field: "recovery_addresses", mark: "recovery" },
] as const;
type Mark = (typeof LISTS)[number]["mark"];

/** An address the schema derives from a trait: its dotted trait path, channel and value. */
export interface DerivedAddress {
  path: string;
  via: string;
  value: string;
}

const EXTENSION = "ory.sh/kratos";

function markVia(node: JsonObject, mark: Mark): string | undefined {
  const extension = node[EXTENSION];
  const config = isObject(extension) ? extension[mark] : undefined;
  return isObject(config) && typeof config.via === "string" && config.via !== "" ? config.via : undefined;
}

/** Every schema object carrying a verification or recovery mark, wherever it is (also inside allOf, if, …). */
function markedNodes(node: unknown, out = new Set<unknown>()): Set<unknown> {
  if (Array.isArray(node)) node.forEach((item) => markedNodes(item, out));
  else if (isObject(node)) {
    if (markVia(node, "verification") || markVia(node, "recovery")) out.add(node);
    Object.values(node).forEach((value) => markedNodes(value, out));
  }
  return out;
}

/**
 * The addresses identity schema `schema` derives from `traits`, per list. Followed as Kratos runs its extensions:
 * through `properties` and `items` (and local `$ref`s) to every string value. Undefined when a marked part of the
 * schema cannot be reached that way (a mark inside `allOf`, `if`, a remote `$ref`, …): the server then decides.
 */
export function schemaAddresses(schema: unknown, traits: Json): Record<Mark, DerivedAddress[]> | undefined {
  const root = resolveRef(schema, schema);
  const properties = root && resolveRef(schema, root.properties);
  const top = properties && resolveRef(schema, properties.traits);
  if (!top) return undefined;
  const out: Record<Mark, DerivedAddress[]> = { verification: [], recovery: [] };
  const reached = new Set<unknown>();
  const visit = (node: JsonObject, value: Json | undefined, path: string, seen: ReadonlySet<JsonObject>) => {
    if (seen.has(node)) return; // a recursive schema: each node once per path
    const inner = new Set(seen).add(node);
    reached.add(node);
    for (const { mark } of LISTS) {
      const via = markVia(node, mark);
      if (via && typeof value === "string") out[mark].push({ path, via, value });
    }
    const props = resolveRef(schema, node.properties);
    for (const [name, sub] of Object.entries(props ?? {})) {
      const child = resolveRef(schema, sub);
      if (child) visit(child, isObject(value) ? value[name] : undefined, `${path}.${name}`, inner);
    }
    const items = resolveRef(schema, node.items);
    if (items) {
      if (Array.isArray(value)) value.forEach((item, i) => visit(items, item, `${path}[${i}]`, inner));
      else visit(items, undefined, `${path}[]`, inner);
    }
  };
  visit(top, traits, "traits", new Set());
  for (const node of markedNodes(schema)) if (!reached.has(node)) return undefined;
  return out;
}

/**
 * An address value folded so that two values the server may treat as one fold alike on every server: Kratos
 * lower-cases and trims e-mail addresses (v1.3, v25+), and newer builds also fold width and NFKC-normalize and drop
 * invisible characters. Folding more than the server only makes the check accept more, never refuse more.
 */
export function addressFold(value: string): string {
  return value
    .normalize("NFKC")
    .replace(/\p{Cf}/gu, "")
    .toLowerCase()
    .trim();
}

/** Whether a declared address may be the derived one. Phone numbers (`sms`) are normalized by newer servers in ways
 * this check does not follow, so any derived `sms` address may be it. */
function sameAddress(declared: { value: string; via: string }, derived: DerivedAddress): boolean {
  return (
    declared.via === derived.via &&
    (declared.via === "sms" || addressFold(declared.value) === addressFold(derived.value))
  );
}

function marks(derived: DerivedAddress[], via: string): string {
  const paths = [...new Set(derived.filter((d) => d.via === via).map((d) => d.path))];
  return paths.length > 0 ? paths.join(", ") : "none";
}

/**
 * Every declared address list of `items` that identity schema of the item cannot produce, as issues at the
 * identity's source position: an address that is not the value of a trait the schema marks for that list with that
 * `via` (the server drops it), one declared twice (the server keeps one), and a marked trait value the list leaves
 * out (the server adds it). Values are not repeated in messages; trait paths name them. Pure: the schemas come from
 * `GET /schemas`; an item whose schema is unknown or cannot be followed is left to the server.
 */
export function addressIssues(items: ReadonlyArray<TraitsCheck>, schemas: ReadonlyArray<ServerSchema>): Issue[] {
  const fallback = defaultSchemaId(schemas);
  const issues: Issue[] = [];
  for (const item of items) {
    if (!item.addresses) continue;
    const schemaId = item.schemaId ?? fallback;
    const derived = schemaAddresses(schemas.find((s) => s.id === schemaId)?.schema, item.traits);
    if (!derived) continue;
    const by = `identity schema "${schemaId}"`;
    const add = (path: string, text: string, hint: string) => {
      const issue: Issue = { path, message: `${item.subject}: ${text}`, hint };
      if (item.source) issue.pos = item.source;
      issues.push(issue);
    };
    for (const { field, mark } of LISTS) {
      const declared = item.addresses[field];
      if (!declared) continue;
      const rule = (via: string) => `${by} marks for ${mark} via ${via}: ${marks(derived[mark], via)}`;
      const matched = new Set<DerivedAddress>();
      declared.forEach((address, i) => {
        const at = `${field}[${i}]`;
        const first = declared.findIndex(
          (other) => other.via === address.via && addressFold(other.value) === addressFold(address.value),
        );
        if (first < i) {
          add(at, `${at} repeats ${field}[${first}] (the server keeps one address per value and via)`, `remove ${at}`);
          return;
        }
        const derivedFrom = derived[mark].find((d) => sameAddress(address, d) && !matched.has(d));
        if (derivedFrom) {
          matched.add(derivedFrom);
          return;
        }
        add(
          at,
          `${at} (via ${address.via}) is not the value of a trait that ${rule(address.via)}; the server keeps only addresses it derives from those traits and would drop this one`,
          `declare only the values of those traits in ${field}, mark the trait that holds this address with "${EXTENSION}": {${mark}: {via: ${address.via}}} in the identity schema, or leave ${field} out`,
        );
      });
      for (const d of derived[mark]) {
        if (matched.has(d) || (d.via === "sms" && declared.some((a) => a.via === "sms"))) continue;
        if (declared.some((a) => a.via === d.via && addressFold(a.value) === addressFold(d.value))) continue;
        add(
          field,
          `${field} leaves out the address of ${d.path} (via ${d.via}), which ${by} marks for ${mark}; the server adds it`,
          `add { value: <the value of ${d.path}>, via: ${d.via} } to ${field}, or leave ${field} out`,
        );
      }
    }
  }
  return issues;
}

function describe(item: Json): string {
  if (!isObject(item)) return JSON.stringify(item);
  const extra =
    "verified" in item ? `, ${item.verified ? "verified" : "not verified"}, status ${String(item.status)}` : "";
  return `${String(item.value)} (via ${String(item.via)}${extra})`;
}

/**
 * What of `expected` (address lists as desiredDoc shapes them) the identity the server answered does not hold, in
 * words (`verifiable_addresses: x@example.com (via email, verified, status completed)`), or undefined when it holds
 * all of it. Addresses the server holds beyond the declared ones are named too.
 */
export function addressesNotKept(expected: Doc, answered: LiveIdentity, rules?: IdentifierRules): string | undefined {
  const live = liveDoc(answered, expected, rules);
  const out: string[] = [];
  for (const { field } of LISTS) {
    const want = expected[field];
    const have = live[field];
    if (!Array.isArray(want) || !Array.isArray(have)) continue;
    const missing = want.filter((w) => !have.some((h) => jsonEqual(h, w)));
    const added = have.filter((h) => !want.some((w) => jsonEqual(h, w)));
    if (missing.length > 0) out.push(`${field}: ${missing.map(describe).join(", ")}`);
    if (added.length > 0) out.push(`${field} holds undeclared ${added.map(describe).join(", ")}`);
  }
  return out.length > 0 ? out.join("; ") : undefined;
}
