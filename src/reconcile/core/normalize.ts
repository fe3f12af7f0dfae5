// Both sides brought to one comparable shape before they are compared.
// Ignored: server-generated fields (ids, timestamps, schema_url, credentials, address ids and timestamps).
// `null` metadata equals absent metadata. Addresses are compared as Kratos stores them (lower-cased, trimmed values,
// sorted); a verifiable address's `status` follows from the manifest: the declared one, else `completed` when verified
// and `pending` when not, as on create (a live `sent`, a verification message under way, counts as `pending`).
// Fields a manifest leaves out (schema_id, external_id, organization_id, addresses) are not managed and not compared;
// traits, both metadata and state (default `active`) always are.
import { digest, isObject, unescapePointerSegment } from "./json";
import { Marker, readMarker, withMarker } from "./marker";
import { identityState } from "./state";
import type {
  AddressDecl,
  DesiredIdentity,
  IdentifierRules,
  IdentityBody,
  Json,
  JsonObject,
  KeyFold,
  KeySpec,
  LiveIdentity,
} from "./types";

export type Doc = JsonObject;

/** An address value as Kratos stores it: lower-cased and trimmed; with `precis` rules as {@link precisFold} makes it. */
function addressValue(value: unknown, rules: IdentifierRules = "lower", via?: unknown): string {
  const text = String(value ?? "");
  if (rules === "precis") return via === "sms" ? phoneFold(text) : precisFold(text);
  return goLower(text).replace(GO_TRIM, "");
}

/** The status a verifiable address gets when none is declared: what Kratos gives it on create. */
export function impliedStatus(verified: boolean | undefined): string {
  return verified === true ? "completed" : "pending";
}

type StatusOf = (address: Partial<AddressDecl>) => string | undefined;

function verifiable(list: ReadonlyArray<Partial<AddressDecl>>, statusOf: StatusOf, rules?: IdentifierRules): Json {
  return list
    .map((a) => {
      // Keys in sorted order, so that `canonical` can hand a fingerprint to JSON.stringify as it is.
      const status = statusOf(a);
      const item: JsonObject = status !== undefined ? { status } : {};
      item.value = addressValue(a.value, rules, a.via);
      item.verified = a.verified === true;
      item.via = a.via ?? "email";
      return item;
    })
    .sort((x, y) => `${x.via}:${x.value}`.localeCompare(`${y.via}:${y.value}`));
}

function recovery(list: ReadonlyArray<{ value?: unknown; via?: unknown }>, rules?: IdentifierRules): Json {
  return list
    .map((a) => ({ value: addressValue(a.value, rules, a.via), via: String(a.via ?? "email") }))
    .sort((x, y) => `${x.via}:${x.value}`.localeCompare(`${y.via}:${y.value}`));
}

/** A live status as compared with a manifest that does not ask for `sent`: a message under way is still `pending`. */
export function comparedStatus(live: Partial<AddressDecl>, sentDeclared = false): string {
  const status = live.status ?? impliedStatus(live.verified);
  return status === "sent" && live.verified !== true && !sentDeclared ? "pending" : status;
}

/** The declared identity as the server should hold it, with the ownership marker in metadata_admin; addresses as a
 * server of `rules` stores them. */
export function desiredDoc(identity: DesiredIdentity, marker: Marker, rules?: IdentifierRules): Doc {
  const b = identity.body;
  const doc: Doc = {
    traits: b.traits,
    metadata_public: b.metadata_public ?? null,
    metadata_admin: withMarker(b.metadata_admin ?? null, marker),
    state: identityState(b),
  };
  if (b.schema_id !== undefined) doc.schema_id = b.schema_id;
  if (b.external_id !== undefined) doc.external_id = b.external_id;
  if (b.organization_id !== undefined) doc.organization_id = b.organization_id;
  return { ...doc, ...desiredAddresses(b, rules) };
}

/** The address lists a body declares, shaped as desiredDoc shapes them (absent lists left out). */
export function desiredAddresses(body: IdentityBody, rules?: IdentifierRules): Doc {
  const doc: Doc = {};
  if (body.verifiable_addresses !== undefined)
    doc.verifiable_addresses = verifiable(
      body.verifiable_addresses,
      (a) => a.status ?? impliedStatus(a.verified),
      rules,
    );
  if (body.recovery_addresses !== undefined) doc.recovery_addresses = recovery(body.recovery_addresses, rules);
  return doc;
}

/** The live identity projected onto the fields of `like` (the desired document), in the same shape. */
export function liveDoc(live: LiveIdentity, like: Doc, rules?: IdentifierRules): Doc {
  const doc: Doc = {
    traits: live.traits ?? {},
    metadata_public: live.metadata_public ?? null,
    metadata_admin: live.metadata_admin ?? null,
    state: identityState(live),
  };
  if ("schema_id" in like) doc.schema_id = live.schema_id;
  if ("external_id" in like) doc.external_id = live.external_id ?? null;
  if ("organization_id" in like) doc.organization_id = live.organization_id ?? null;
  if ("verifiable_addresses" in like) {
    const wanted = Array.isArray(like.verifiable_addresses) ? like.verifiable_addresses : [];
    const sent = new Set(
      wanted.flatMap((a) =>
        isObject(a) && a.status === "sent"
          ? [`${String(a.via ?? "email")}:${addressValue(a.value, rules, a.via)}`]
          : [],
      ),
    );
    doc.verifiable_addresses = verifiable(
      live.verifiable_addresses ?? [],
      (a) => comparedStatus(a, sent.has(`${a.via ?? "email"}:${addressValue(a.value, rules, a.via)}`)),
      rules,
    );
  }
  if ("recovery_addresses" in like) doc.recovery_addresses = recovery(live.recovery_addresses ?? [], rules);
  return doc;
}

/**
 * Everything of a live identity that a plan depends on, for the stale-plan check of `apply --plan`. Built with its
 * keys in sorted order (addresses too), so `canonical` can hand it to JSON.stringify as it is.
 */
export function liveFingerprintSource(live: LiveIdentity): Json {
  const identifiers: JsonObject = {};
  for (const [type, credential] of Object.entries(live.credentials ?? {}))
    identifiers[type] = credential.identifiers ?? [];
  return {
    credentials: identifiers,
    external_id: live.external_id ?? null,
    id: live.id,
    metadata_admin: live.metadata_admin ?? null,
    metadata_public: live.metadata_public ?? null,
    organization_id: live.organization_id ?? null,
    recovery_addresses: recovery(live.recovery_addresses ?? []),
    schema_id: live.schema_id,
    state: identityState(live),
    traits: live.traits ?? {},
    verifiable_addresses: verifiable(live.verifiable_addresses ?? [], (a) => a.status),
  };
}

/**
 * Only the fields of a live identity that planning reads (liveDoc, liveFingerprintSource, liveKey, liveOidcLinks,
 * the marker, the schema check): no timestamps, schema URL, address ids or credential configs. Applied to every
 * listed page, it about halves the memory a large tenant takes while it is planned; plans and digests are the same.
 */
export function planningView(live: LiveIdentity): LiveIdentity {
  const view: LiveIdentity = { id: live.id, schema_id: live.schema_id, traits: live.traits };
  if (live.metadata_public !== undefined) view.metadata_public = live.metadata_public;
  if (live.metadata_admin !== undefined) view.metadata_admin = live.metadata_admin;
  if (live.state !== undefined) view.state = live.state;
  if (live.external_id !== undefined) view.external_id = live.external_id;
  if (live.organization_id !== undefined) view.organization_id = live.organization_id;
  if (live.credentials) {
    const credentials: NonNullable<LiveIdentity["credentials"]> = {};
    for (const [type, credential] of Object.entries(live.credentials)) {
      credentials[type] = credential.identifiers !== undefined ? { identifiers: credential.identifiers } : {};
      // The password's timestamps tell whether it was changed outside ory-reconcile (see passwordChangedOutside).
      const { created_at, updated_at } = credential;
      if (type === "password" && typeof created_at === "string" && typeof updated_at === "string")
        Object.assign(credentials[type], { created_at, updated_at });
    }
    view.credentials = credentials;
  }
  // The address fields that verifiable() / recovery() read; absent and undefined are the same to them.
  if (live.verifiable_addresses)
    view.verifiable_addresses = live.verifiable_addresses.map((a) => ({
      value: a.value,
      via: a.via,
      verified: a.verified,
      status: a.status,
    }));
  if (live.recovery_addresses)
    view.recovery_addresses = live.recovery_addresses.map((a) => ({ value: a.value, via: a.via }));
  return view;
}

const digests = new WeakMap<LiveIdentity, string>();

/** `digest(liveFingerprintSource(live))`, computed once per identity object (the planner asks for it repeatedly). */
export function liveDigest(live: LiveIdentity): string {
  let value = digests.get(live);
  if (value === undefined) digests.set(live, (value = digest(liveFingerprintSource(live))));
  return value;
}

/**
 * `planningView` for each listed identity as its page arrives, with the digest of every managed one computed right
 * away: the listing reads one page ahead, so this work overlaps the wait for the next page instead of adding to
 * the planner's time after the last one. (Unmanaged identities are digested only if a plan adopts them.)
 */
export function listedForPlanning(live: LiveIdentity): LiveIdentity {
  const view = planningView(live);
  if (readMarker(view.metadata_admin)) liveDigest(view);
  return view;
}

/** The key of a live identity under a set's key spec, or undefined when it has none. */
export function liveKey(live: LiveIdentity, spec: KeySpec): string | undefined {
  if (spec.kind === "external_id") return live.external_id ?? undefined;
  let node: unknown = live.traits;
  for (const segment of spec.path) {
    if (!isObject(node)) return undefined;
    node = node[segment];
  }
  return typeof node === "string" ? node : typeof node === "number" ? String(node) : undefined;
}

/** The OIDC links of a live identity, as `provider:subject`, sorted (servers list them in different orders). */
export function liveOidcLinks(live: LiveIdentity): string[] {
  return [...(live.credentials?.oidc?.identifiers ?? [])].sort();
}

/** Go's `strings.ToLower`: each code point's simple lower case (JS would turn `İ` into two code points). */
export function goLower(value: string): string {
  let out = "";
  for (const ch of value) out += ch === "\u0130" ? "i" : ch.toLowerCase();
  return out;
}

/** Go's `strings.TrimSpace` (unicode.IsSpace; unlike JS `trim`, not U+FEFF). */
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");

/** Go's `strings.TrimSpace`. */
export function goTrim(value: string): string {
  return value.replace(GO_TRIM, "");
}

/** Code points Kratos after v26.2.0 removes from identifiers (x/normalize.go disallowedIdentifierRunes): bidi
 * controls, invisible (default-ignorable) code points, control / format / surrogate / private-use / unassigned ones,
 * and noncharacters. */
const NOT_IN_IDENTIFIERS = /[\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{C}\p{Noncharacter_Code_Point}]/gu;

/**
 * An identifier as Kratos after v26.2.0 stores and compares it (x/normalize.go, the graceful PRECIS e-mail profile
 * used for password, webauthn and code identifiers and for e-mail addresses): trimmed (Go's TrimSpace), NFKC (which
 * also folds full-width forms to their ASCII ones), the code points of NOT_IN_IDENTIFIERS removed, lower-cased with
 * full Unicode case mapping. `ＤＡＮＡ@Example.com` → `dana@example.com`.
 */
export function precisFold(value: string): string {
  return goTrim(value).normalize("NFKC").replace(NOT_IN_IDENTIFIERS, "").toLowerCase();
}

/**
 * A phone number as far as this tool can tell how Kratos normalizes it to E.164 (x/normalize.go: PRECIS width
 * folding, then libphonenumber): a value that is `+` followed only by digits, spaces and `-().\/` (full-width forms
 * included) becomes `+` and its digits (`+1 415-555-2671` → `+14155552671`); anything else is only trimmed, as what
 * libphonenumber would make of it (a national prefix, an extension, letters) is not reproduced. Two values that fold
 * the same are the same number to the server; two that do not may still be.
 */
export function phoneFold(value: string): string {
  const text = goTrim(value.normalize("NFKC"));
  return /^\+[\d\s\-().\/]+$/.test(text) ? `+${text.replace(/\D/g, "")}` : text;
}

/** A key value as the server compares it under `fold` (the value itself when there is no fold). */
export function foldKey(value: string, fold: KeyFold | undefined): string {
  if (!fold) return value;
  let folded = value;
  // After v26.2.0 a login identifier that reads as a phone number is stored in E.164 too (GracefulNormalization).
  if (fold.precis) folded = phoneFold(precisFold(value));
  else if (fold.trimEmail && value.includes("@")) folded = goLower(value).replace(GO_TRIM, "");
  else if (fold.lower) folded = goLower(value);
  return fold.phone ? phoneFold(folded) : folded;
}

/** The coarsest fold: a cheap test of whether any fold could pair two values that differ. */
export const ANY_FOLD: KeyFold = { lower: true, trimEmail: true, precis: true, phone: true };

/** `schema` with local `$ref`s (`#/definitions/x`) followed; undefined when it is not an object. */
export function resolveRef(root: unknown, schema: unknown): JsonObject | undefined {
  let node = schema;
  for (let hops = 0; hops < 32 && isObject(node) && typeof node.$ref === "string"; hops++) {
    const ref: string = node.$ref;
    if (ref !== "#" && !ref.startsWith("#/")) return undefined;
    node = ref
      .slice(2)
      .split("/")
      .filter((s) => s !== "")
      .map((s) => unescapePointerSegment(decodeURIComponent(s)))
      .reduce<unknown>((at, segment) => (isObject(at) ? at[segment] : undefined), root);
  }
  return isObject(node) ? node : undefined;
}

/**
 * How the server compares values of the trait at `path` in an identity schema: the credential identifier marks of
 * its `ory.sh/kratos` extension (password, webauthn: lower-cased; code via email: lower-cased and trimmed; code via
 * sms: normalized to E.164, as far as {@link phoneFold} can tell). Undefined when the trait is not an identifier (or
 * the schema cannot be followed to it).
 */
export function identifierFold(schema: unknown, path: ReadonlyArray<string>): KeyFold | undefined {
  let node = resolveRef(schema, schema);
  for (const segment of ["traits", ...path]) {
    const properties = node && resolveRef(schema, node.properties);
    node = properties && resolveRef(schema, properties[segment]);
    if (!node) return undefined;
  }
  const extension = node?.["ory.sh/kratos"];
  const credentials = isObject(extension) && isObject(extension.credentials) ? extension.credentials : {};
  const marked = (type: string) => isObject(credentials[type]) && (credentials[type] as JsonObject).identifier === true;
  const code = isObject(credentials.code) ? credentials.code : {};
  const lower = marked("password") || marked("webauthn");
  const trimEmail = marked("code") && (code.via ?? "email") === "email";
  const phone = marked("code") && code.via === "sms";
  if (phone && !lower && !trimEmail) return { lower: false, trimEmail: false, phone };
  return lower || trimEmail ? { lower, trimEmail } : undefined;
}
