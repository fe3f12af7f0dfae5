// The values Kratos lets only one identity hold, and the writes of a plan that would clash over them. Kratos keeps
// unique indexes on credential identifiers (per credential type), verifiable and recovery addresses (per channel)
// and `external_id` (v25+); a write that repeats another identity's value is refused with 409. Identifiers and
// addresses come from the traits that the identity schema marks (`ory.sh/kratos`), normalized as Kratos does
// (identity/extension_credentials.go, extension_verification.go, extension_recovery.go). OIDC links are unique too
// (provider and subject, compared exactly: the credential identifier `provider:subject`). A value that another
// write of the same plan takes away from its live holder is a move: the write that frees it is ordered first
// (Plan.after); moves that form a cycle (a swap) cannot be written in one apply and are refused with how to do it
// in two. Pure.
import { isObject } from "./json";
import { formatPos } from "./issues";
import { goLower, goTrim, phoneFold, precisFold, resolveRef } from "./normalize";
import { defaultSchemaId, ServerSchema } from "./schema-check";
import type {
  Action,
  DesiredIdentity,
  IdentifierRules,
  Issue,
  Json,
  JsonObject,
  LiveIdentity,
  Plan,
  SourcePos,
} from "./types";
import { subject } from "./types";

/** One value that only one identity may hold: what it is (`password identifier`, `verifiable address (email)`, …),
 * the field that holds it (`traits.email`, `external_id`), the value as written, and as the server compares it. */
export interface UniqueValue {
  kind: string;
  field: string;
  value: string;
  compared: string;
}

interface Mark {
  kind: string;
  normalize: (value: string) => string;
  /** Kratos after v26.2.0 rewrites this trait to E.164 (identity/validator.go isPhoneIdentifier). */
  phone?: boolean;
}

const lowerTrimmed = (value: string) => goLower(goTrim(value));

/** The unique values a schema field's `ory.sh/kratos` extension makes of it. With `precis` rules (Kratos after
 * v26.2.0) identifiers and e-mail addresses are compared as {@link precisFold} makes them; phone numbers (sms) are
 * normalized to E.164 by the server, which is not reproduced here: they are compared trimmed. */
function marksOf(field: JsonObject, rules: IdentifierRules): Mark[] {
  const precis = rules === "precis";
  // After v26.2.0 a login identifier that reads as a phone number is stored in E.164 too (GracefulNormalization).
  const lower = precis ? (value: string) => phoneFold(precisFold(value)) : goLower;
  const lowerTrim = precis ? precisFold : lowerTrimmed;
  const extension = field["ory.sh/kratos"];
  if (!isObject(extension)) return [];
  const marks: Mark[] = [];
  const credentials = isObject(extension.credentials) ? extension.credentials : {};
  const identifier = (type: string) =>
    isObject(credentials[type]) && (credentials[type] as JsonObject).identifier === true;
  if (identifier("password")) marks.push({ kind: "password identifier", normalize: lower });
  if (identifier("webauthn")) marks.push({ kind: "webauthn identifier", normalize: lower });
  if (identifier("code")) {
    const via = (credentials.code as JsonObject).via ?? "email";
    // Every server stores a code identifier via sms in E.164 (seen on v1.3.1, v26.2.0 and master).
    marks.push({ kind: "code identifier", normalize: via === "email" ? lowerTrim : phoneFold, phone: via === "sms" });
  }
  const verification = isObject(extension.verification) ? extension.verification.via : undefined;
  if (typeof verification === "string" && verification !== "") {
    const format = field.format ?? (verification === "email" ? "email" : "");
    // Addresses via sms: E.164 after v26.2.0, as written (trimmed) before.
    marks.push({
      kind: `verifiable address (${verification})`,
      normalize: format === "email" ? lowerTrim : precis && verification === "sms" ? phoneFold : goTrim,
      phone: verification === "sms",
    });
  }
  const recovery = isObject(extension.recovery) ? extension.recovery.via : undefined;
  if (recovery === "email" || recovery === "sms")
    marks.push({
      kind: `recovery address (${recovery})`,
      normalize: recovery === "email" ? lowerTrim : precis ? phoneFold : goTrim,
      phone: recovery === "sms",
    });
  return marks;
}

/** The marked fields of a schema's traits, as paths (`[]` for the items of an array). */
function markedFields(root: unknown, rules: IdentifierRules): Array<{ path: string[]; marks: Mark[] }> {
  const out: Array<{ path: string[]; marks: Mark[] }> = [];
  const walk = (schema: unknown, path: string[]) => {
    const node = resolveRef(root, schema);
    if (!node || path.length > 32) return;
    const marks = marksOf(node, rules);
    if (marks.length > 0) out.push({ path, marks });
    const properties = resolveRef(root, node.properties);
    if (properties) for (const [name, sub] of Object.entries(properties)) walk(sub, [...path, name]);
    if (isObject(node.items)) walk(node.items, [...path, "[]"]);
  };
  const top = resolveRef(root, root);
  const traits = top && resolveRef(root, top.properties)?.traits;
  if (traits !== undefined) walk(traits, []);
  return out;
}

/** The strings at `path` in `traits`, with their dotted field names. */
function stringsAt(node: unknown, path: string[], field: string): Array<{ field: string; value: string }> {
  if (path.length === 0) return typeof node === "string" ? [{ field, value: node }] : [];
  const [head, ...rest] = path;
  if (head === "[]")
    return Array.isArray(node) ? node.flatMap((item, i) => stringsAt(item, rest, `${field}[${i}]`)) : [];
  return isObject(node) ? stringsAt(node[head], rest, `${field}.${head}`) : [];
}

/** How unique values are found: from the server's identity schemas when they could be read, else external_id only. */
export class UniqueValues {
  readonly #fields = new Map<string, Array<{ path: string[]; marks: Mark[] }>>();
  readonly #fallback: string;
  constructor(
    private readonly schemas: ReadonlyArray<ServerSchema> = [],
    private readonly rules: IdentifierRules = "lower",
  ) {
    this.#fallback = defaultSchemaId(schemas);
  }

  #fieldsOf(schemaId: string | undefined): Array<{ path: string[]; marks: Mark[] }> {
    const id = schemaId ?? this.#fallback;
    let fields = this.#fields.get(id);
    if (!fields)
      this.#fields.set(id, (fields = markedFields(this.schemas.find((s) => s.id === id)?.schema, this.rules)));
    return fields;
  }

  /**
   * Declared traits as a server after v26.2.0 stores them: it rewrites phone-number traits (a code identifier or an
   * address via sms) to E.164, so where the live value is what {@link phoneFold} makes of the declared one, the live
   * value is taken (no drift, no write). Other servers keep traits as written: `traits` itself. Object paths only.
   */
  storedTraits(schemaId: string | undefined, traits: JsonObject, live: JsonObject | null): JsonObject {
    if (this.rules !== "precis" || !live) return traits;
    let out = traits;
    for (const { path, marks } of this.#fieldsOf(schemaId)) {
      if (!marks.some((m) => m.phone) || path.includes("[]")) continue;
      const [declared, held] = [valueAt(out, path), valueAt(live, path)];
      if (typeof declared !== "string" || typeof held !== "string" || declared === held || phoneFold(declared) !== held)
        continue;
      out = withValueAt(out, path, held);
    }
    return out;
  }

  /** The unique values of an identity with these traits under schema `schemaId` (undefined: the server's default). */
  of(
    schemaId: string | undefined,
    traits: Json | null | undefined,
    externalId: string | null | undefined,
  ): UniqueValue[] {
    const fields = this.#fieldsOf(schemaId);
    const out: UniqueValue[] = [];
    for (const { path, marks } of fields) {
      for (const { field, value } of stringsAt(traits, path, "traits")) {
        for (const mark of marks)
          out.push({ kind: mark.kind, field, value, compared: `${mark.kind}\u0000${mark.normalize(value)}` });
      }
    }
    if (externalId)
      out.push({
        kind: "external_id",
        field: "external_id",
        value: externalId,
        compared: `external_id\u0000${externalId}`,
      });
    return out;
  }

  /** What a live identity holds: from its traits and schema, the addresses the server lists for it, and its OIDC
   * links (listed only when the plan asked for credential identifiers). */
  live(identity: LiveIdentity): UniqueValue[] {
    const out = this.of(identity.schema_id, identity.traits, identity.external_id);
    for (const link of identity.credentials?.oidc?.identifiers ?? []) out.push(oidcLink(link));
    const listed = (list: ReadonlyArray<{ value: string; via: string }> | undefined, kind: string, field: string) => {
      for (const a of list ?? [])
        out.push({ kind: `${kind} (${a.via})`, field, value: a.value, compared: `${kind} (${a.via})\u0000${a.value}` });
    };
    listed(identity.verifiable_addresses, "verifiable address", "verifiable_addresses");
    listed(identity.recovery_addresses, "recovery address", "recovery_addresses");
    return out;
  }

  /** What a declared identity will hold; an existing identity keeps its schema unless the manifest names one. */
  declared(identity: DesiredIdentity, current?: LiveIdentity): UniqueValue[] {
    const b = identity.body;
    const out = this.of(b.schema_id ?? current?.schema_id, b.traits, b.external_id ?? current?.external_id);
    const providers = identity.credentials?.oidc?.providers;
    // Links are declared as the complete list; an identity that declares none keeps the links it has.
    if (providers) for (const p of providers) out.push(oidcLink(`${p.provider}:${p.subject}`));
    else for (const link of current?.credentials?.oidc?.identifiers ?? []) out.push(oidcLink(link));
    return out;
  }
}

function valueAt(node: Json | undefined, path: string[]): Json | undefined {
  for (const segment of path) node = isObject(node) ? node[segment] : undefined;
  return node;
}

/** `node` with the value at `path` (whose parents exist) replaced, copying only the objects on the way. */
function withValueAt(node: JsonObject, path: string[], value: Json): JsonObject {
  const [head, ...rest] = path;
  return { ...node, [head]: rest.length === 0 ? value : withValueAt(node[head] as JsonObject, rest, value) };
}

/** An OIDC link as a unique value (Kratos compares `provider:subject` exactly). */
function oidcLink(identifier: string): UniqueValue {
  return {
    kind: "OIDC link",
    field: "credentials.oidc.providers",
    value: identifier,
    compared: `oidc\u0000${identifier}`,
  };
}

/** Live identities by the unique values they hold (`UniqueValue.compared`). */
export type Holders = Map<string, Array<{ identity: LiveIdentity; value: UniqueValue }>>;

export function holdersOf(live: ReadonlyArray<LiveIdentity>, uniques: UniqueValues): Holders {
  const holders: Holders = new Map();
  for (const identity of live) {
    const seen = new Set<string>();
    for (const value of uniques.live(identity)) {
      if (seen.has(value.compared)) continue;
      seen.add(value.compared);
      const list = holders.get(value.compared);
      if (list) list.push({ identity, value });
      else holders.set(value.compared, [{ identity, value }]);
    }
  }
  return holders;
}

/** The live identities other than `self` that hold any of `values`. */
export function heldBy(values: ReadonlyArray<UniqueValue>, holders: Holders, self?: string): LiveIdentity[] {
  const found = new Map<string, LiveIdentity>();
  for (const value of values)
    for (const h of holders.get(value.compared) ?? []) if (h.identity.id !== self) found.set(h.identity.id, h.identity);
  return [...found.values()];
}

function where(pos: SourcePos | undefined, who: string): string {
  return pos ? `${formatPos(pos)} (${who})` : who;
}

/** `password identifier, code identifier and recovery address (email)`. */
function kinds(values: ReadonlyArray<UniqueValue>): string {
  const names = [...new Set(values.map((v) => v.kind))];
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The issues of {@link clashIssues}, and the order of the moves it found: per write (its subject), the subjects of
 * the updates that must be written before it because they free a value it takes. */
export interface Clashes {
  issues: Issue[];
  after: Record<string, string[]>;
}

/**
 * Every write of `plan` (create, update, adopt) that would give its identity a unique value which another live
 * identity holds when the write is sent (apply deletes only after every create and update), or which another write
 * of the plan gives too. One issue per clashing pair, naming the live identity (id, owning set), the fields and
 * the value. Values are trait strings, external ids and OIDC links, never secrets.
 *
 * A value whose live holder is updated by the same plan to no longer hold it is moved, not a clash: the write that
 * takes it waits for that update (`after`). When such waits form a cycle (A takes B's value while B takes A's), no
 * order frees each value before it is written: one issue per cycle, with how to do it in two applies.
 */
export function clashIssues(
  plan: Plan,
  declared: ReadonlyMap<string, DesiredIdentity>,
  live: ReadonlyArray<LiveIdentity>,
  uniques: UniqueValues,
  holders: Holders,
  owner: (identity: LiveIdentity) => string | undefined,
): Clashes {
  const issues: Issue[] = [];
  const after: Record<string, string[]> = {};
  const byId = new Map(live.map((identity) => [identity.id, identity]));
  // The updates of the plan by live id, with what each leaves its identity holding.
  const updated = new Map<string, { who: string; keeps: Set<string> }>();
  for (const action of plan.sets.flatMap((s) => s.actions)) {
    if (action.action !== "update" && action.action !== "adopt") continue;
    const identity = declared.get(subject(action.set, action.key));
    const current = byId.get(action.id);
    if (identity && current)
      updated.set(action.id, {
        who: subject(action.set, action.key),
        keeps: new Set(uniques.declared(identity, current).map((v) => v.compared)),
      });
  }
  const written = new Map<string, { who: string; pos?: SourcePos; value: UniqueValue }>();
  for (const action of plan.sets.flatMap((s) => s.actions)) {
    if (!writes(action)) continue;
    const identity = declared.get(subject(action.set, action.key));
    if (!identity) continue;
    const who = subject(action.set, action.key);
    const self = action.action === "create" ? undefined : byId.get(action.id);
    const holds = new Set(self ? uniques.live(self).map((v) => v.compared) : []);
    const values = uniques.declared(identity, self).filter((v) => !holds.has(v.compared));
    const clashes = new Map<string, { holder: LiveIdentity; mine: UniqueValue[]; theirs: UniqueValue[] }>();
    const twins = new Map<
      string,
      { other: { who: string; pos?: SourcePos; value: UniqueValue }; mine: UniqueValue[] }
    >();
    for (const value of values) {
      for (const { identity: holder, value: theirs } of holders.get(value.compared) ?? []) {
        if (holder.id === self?.id) continue;
        const freeing = updated.get(holder.id);
        if (freeing && !freeing.keeps.has(value.compared)) {
          if (!(after[who] ??= []).includes(freeing.who)) after[who].push(freeing.who);
          continue;
        }
        const clash = clashes.get(holder.id) ?? { holder, mine: [], theirs: [] };
        clash.mine.push(value);
        clash.theirs.push(theirs);
        clashes.set(holder.id, clash);
      }
      const other = written.get(value.compared);
      if (!other) written.set(value.compared, { who, pos: identity.source, value });
      else if (other.who !== who) {
        const twin = twins.get(other.who) ?? { other, mine: [] };
        twin.mine.push(value);
        twins.set(other.who, twin);
      }
    }
    for (const { other, mine } of twins.values()) {
      issues.push({
        pos: identity.source,
        path: mine[0].field,
        message: `${who}: ${mine[0].field} ${JSON.stringify(mine[0].value)} would also be the ${kinds(mine)} of ${where(other.pos, other.who)} (${other.value.field})`,
        hint: "each of these values can belong to one identity only: change one of the two declarations",
      });
    }
    for (const { holder, mine, theirs } of clashes.values()) {
      const set = owner(holder);
      const managed = set === undefined ? "not managed by ory-reconcile" : `managed by set ${set}`;
      const fields = [...new Set(mine.map((v) => v.field))].join(", ");
      const heldAs = [...new Set(theirs.map((v) => v.field))].join(", ");
      const pruned = plan.sets.some((s) => s.actions.some((a) => a.action === "delete" && a.id === holder.id));
      issues.push({
        pos: identity.source,
        path: mine[0].field,
        message: `${who}: ${fields} ${JSON.stringify(mine[0].value)} is already held by live identity ${holder.id} (${managed}) in ${heldAs}, as its ${kinds(theirs)}; the server would refuse this ${action.action}`,
        hint: pruned
          ? `${holder.id} is deleted by this plan, but only after its writes: declare it under its old key to update it in place, or remove it first and run again`
          : `each of these values can belong to one identity only: change the declared value, or remove it from ${holder.id} (or delete that identity) first`,
      });
    }
  }
  issues.push(...cycleIssues(after, declared));
  return { issues, after };
}

/** One issue per cycle of moves (`after`): A waits for B, which waits (through others) for A. */
function cycleIssues(after: Record<string, string[]>, declared: ReadonlyMap<string, DesiredIdentity>): Issue[] {
  const issues: Issue[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (who: string) => {
    state.set(who, "open");
    path.push(who);
    for (const next of after[who] ?? []) {
      if (state.get(next) === "open") {
        const cycle = path.slice(path.indexOf(next));
        const first = cycle[0];
        issues.push({
          pos: declared.get(first)?.source,
          message: `${cycle.join(", ")}: these writes exchange unique values (${[...cycle, first].join(" → ")} each takes a value the next one holds now); the server holds each value on one identity at a time, so no order can write them in one apply`,
          hint: `apply in two steps: first declare ${first} with a value nobody holds (e.g. a temporary e-mail) and apply, then declare the final values and apply again`,
        });
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(who, "done");
  };
  for (const who of Object.keys(after)) if (!state.has(who)) visit(who);
  return issues;
}

function writes(action: Action): action is Extract<Action, { action: "create" | "update" | "adopt" }> {
  return action.action === "create" || action.action === "update" || action.action === "adopt";
}
