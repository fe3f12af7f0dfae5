// The traits of the identities a plan writes, checked against the server's own identity schemas before the first
// write: every violation of every identity at once, each at the identity's source position, instead of one
// server 400 per identity in the middle of an apply. Pure: the schemas are passed in (`GET /schemas`).
//
// Only identities the plan creates, updates or adopts are checked: those are the ones the server validates on
// this apply (a PATCH validates the whole identity, not just the changed field). An unchanged identity is sent
// nothing, so a schema tightened on the server after it was created does not block an apply that leaves it alone.
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { formatPos } from "./issues";
import { parsePointer } from "./json";
import { checkableSchema, isMultipleOf, SERVER_PATTERN, serverFormats } from "./server-rules";
import type {
  Action,
  DesiredIdentity,
  DesiredSet,
  IdentityBody,
  Issue,
  JsonObject,
  LiveIdentity,
  Plan,
  SourcePos,
} from "./types";
import { subject } from "./types";

/** An identity schema as `GET /schemas` lists it. */
export interface ServerSchema {
  id: string;
  schema: unknown;
}

/** One identity to check: its subject, the schema the server will use (undefined: the server's default), traits,
 * and the address lists it declares (for addressIssues). */
export interface TraitsCheck {
  subject: string;
  schemaId?: string;
  traits: JsonObject;
  addresses?: Pick<IdentityBody, "verifiable_addresses" | "recovery_addresses">;
  source?: SourcePos;
}

/**
 * The schema Kratos uses for an identity that names none. The admin API does not tell which one is configured as
 * the default: `default` when there is one (the Kratos and Ory Network convention), else the first listed.
 */
export function defaultSchemaId(schemas: ReadonlyArray<ServerSchema>): string {
  return schemas.some((s) => s.id === "default") || schemas.length === 0 ? "default" : schemas[0].id;
}

/** The identities `plan` writes, with the schema each will be validated against. */
export function identitiesToCheck(
  sets: ReadonlyArray<DesiredSet>,
  plan: Plan,
  live: ReadonlyArray<LiveIdentity>,
): TraitsCheck[] {
  const declared = new Map(sets.map((set) => [set.name, new Map(set.identities.map((i) => [i.key, i]))]));
  const liveSchema = new Map(live.map((identity) => [identity.id, identity.schema_id]));
  const out: TraitsCheck[] = [];
  for (const action of plan.sets.flatMap((s) => s.actions)) {
    if (!writesTraits(action)) continue;
    const identity: DesiredIdentity | undefined = declared.get(action.set)?.get(action.key);
    if (!identity) continue;
    // An existing identity keeps its schema unless the manifest names one.
    const schemaId = identity.body.schema_id ?? (action.action === "create" ? undefined : liveSchema.get(action.id));
    const item: TraitsCheck = { subject: subject(action.set, action.key), traits: identity.body.traits };
    if (schemaId !== undefined) item.schemaId = schemaId;
    const { verifiable_addresses, recovery_addresses } = identity.body;
    if (verifiable_addresses || recovery_addresses) item.addresses = { verifiable_addresses, recovery_addresses };
    if (identity.source) item.source = identity.source;
    out.push(item);
  }
  return out;
}

function writesTraits(action: Action): action is Extract<Action, { action: "create" | "update" | "adopt" }> {
  return action.action === "create" || action.action === "update" || action.action === "adopt";
}

/** Every violation of every item, as issues. Copies of one `generate` entry that fail alike are reported once. */
export function schemaIssues(items: ReadonlyArray<TraitsCheck>, schemas: ReadonlyArray<ServerSchema>): Issue[] {
  const fallback = defaultSchemaId(schemas);
  const known = schemas.map((s) => s.id);
  const validators = new Validators(schemas);
  // Insertion-ordered: issues come out in the order of the items.
  const groups = new Map<string, { item: TraitsCheck; path: string; text: string; hint: string; count: number }>();
  const add = (item: TraitsCheck, path: string, text: string, hint: string) => {
    const where = item.source ? formatPos(item.source) : item.subject;
    const group = `${where}|${path}|${text}`;
    const seen = groups.get(group);
    if (seen) seen.count++;
    else groups.set(group, { item, path, text, hint, count: 1 });
  };

  for (const item of items) {
    const schemaId = item.schemaId ?? fallback;
    const validate = validators.get(schemaId);
    if (validate === "unknown") {
      const has = known.length > 0 ? known.join(", ") : "none";
      add(
        item,
        "schema_id",
        `identity schema "${schemaId}" does not exist on the server (it has: ${has})`,
        `use one of: ${has}; or add the schema to the server's configuration`,
      );
      continue;
    }
    // A schema this check cannot compile (e.g. a remote $ref) is left to the server, which validates anyway.
    if (validate === "uncompilable" || validate({ traits: item.traits })) continue;
    for (const error of validate.errors ?? []) {
      const { path, text, hint } = describe(error, schemaId);
      add(item, path, text, hint);
    }
  }

  return [...groups.values()].map(({ item, path, text, hint, count }) => {
    const who = count === 1 ? item.subject : `${item.subject} (and ${count - 1} more from the same declaration)`;
    const issue: Issue = { path, message: `${who}: ${text}`, hint };
    if (item.source) issue.pos = item.source;
    return issue;
  });
}

class Validators {
  readonly #compiled = new Map<string, ValidateFunction | "uncompilable">();
  readonly #ajv: Ajv;
  constructor(private readonly schemas: ReadonlyArray<ServerSchema>) {
    // Kratos schemas are draft-07 with `ory.sh/kratos` extension keywords: not strict, unknown keywords ignored;
    // formats as Kratos checks them, others ignored as Kratos ignores them (server-rules.ts); schemas are not
    // registered by $id (two server schemas may share one).
    this.#ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: false,
      logger: false,
      addUsedSchema: false,
      validateSchema: false,
      formats: serverFormats(),
    });
    this.#ajv.removeKeyword("multipleOf");
    this.#ajv.addKeyword({
      keyword: "multipleOf",
      type: "number",
      schemaType: "number",
      errors: false,
      validate: isMultipleOf,
    });
  }

  get(id: string): ValidateFunction | "uncompilable" | "unknown" {
    const cached = this.#compiled.get(id);
    if (cached) return cached;
    const found = this.schemas.find((s) => s.id === id);
    if (!found) return "unknown";
    let validate: ValidateFunction | "uncompilable";
    try {
      validate =
        typeof found.schema === "object" && found.schema !== null
          ? this.#ajv.compile(checkableSchema(found.schema) as object)
          : "uncompilable";
    } catch {
      validate = "uncompilable";
    }
    this.#compiled.set(id, validate);
    return validate;
  }
}

/** `/traits/name/first` -> `traits.name.first`; array items as `[i]`. */
function dotted(pointer: string, extra?: string): string {
  const segments = parsePointer(pointer);
  if (extra !== undefined) segments.push(extra);
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out === "" ? s : `${out}.${s}`), "");
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** What is wrong, in words, without repeating the declared value. */
function describe(error: ErrorObject, schemaId: string): { path: string; text: string; hint: string } {
  const by = `identity schema "${schemaId}"`;
  const fix = `change the traits to match the server's ${by}, or choose another schema_id`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const path = dotted(error.instancePath, String(params.missingProperty));
      return { path, text: `${path} is required by ${by}`, hint: `add ${path}` };
    }
    case "additionalProperties": {
      const path = dotted(error.instancePath, String(params.additionalProperty));
      const allowed = Object.keys(
        ((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object,
      );
      const hint = allowed.length > 0 ? `remove it; allowed here: ${allowed.join(", ")}` : "remove it";
      return { path, text: `${path} is not allowed by ${by}`, hint };
    }
    case "type": {
      const path = dotted(error.instancePath);
      return { path, text: `${path} must be ${String(params.type)}, got ${typeName(error.data)} (${by})`, hint: fix };
    }
    case "format": {
      const path = dotted(error.instancePath);
      return { path, text: `${path} must be a valid ${String(params.format)} (${by})`, hint: fix };
    }
    case "pattern": {
      const path = dotted(error.instancePath);
      const pattern = (error.parentSchema as Record<string, unknown> | undefined)?.[SERVER_PATTERN] ?? params.pattern;
      return { path, text: `${path} must match pattern ${JSON.stringify(pattern)} (${by})`, hint: fix };
    }
    case "multipleOf": {
      const path = dotted(error.instancePath);
      return { path, text: `${path} must be a multiple of ${String(error.schema)} (${by})`, hint: fix };
    }
    case "enum": {
      const path = dotted(error.instancePath);
      const allowed = (params.allowedValues as unknown[] | undefined)?.map((v) => JSON.stringify(v)).join(", ");
      return { path, text: `${path} must be one of ${allowed} (${by})`, hint: fix };
    }
    default: {
      const path = dotted(error.instancePath);
      return { path, text: `${path} ${error.message ?? `violates "${error.keyword}"`} (${by})`, hint: fix };
    }
  }
}
