// The checked reader of saved plans (`apply --plan FILE`): the text `plan --out` wrote, parsed and checked against
// the JSON Schema of the JSON plan (format_version 1) with ajv, then for the counts a hand edit breaks. Pure: the
// caller reads the file and names it in the error. A plan that passes is compared with a fresh plan before anything
// is written (stalePlanReasons), so this check only has to refuse what is no plan of this format at all.
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { restoreExactIntegers } from "./exact-json";
import { digest } from "./json";
import { FORMAT_VERSION, JsonPlan } from "./jsonplan";
import { DELETE_REASONS, IMPORTED_TYPES, REVOKE_ON } from "./types";

/**
 * A saved plan, or why the text is none: `notJson` (JSON.parse failed; `problem` is its message) or `notAPlan`
 * (`problem` names the JSON path, e.g. `sets[0].actions[1].reason: must be one of not_in_configuration, destroy`).
 */
export type SavedPlan = { ok: true; plan: JsonPlan } | { ok: false; kind: "notJson" | "notAPlan"; problem: string };

const string = { type: "string" };
const strings = { type: "array", items: string };
const sha256 = { type: "string", pattern: "^sha256:[A-Za-z0-9_-]+$" };
const count = { type: "integer", minimum: 0 };
const change = {
  type: "object",
  required: ["path"],
  properties: { path: string, before: {}, after: {} },
  additionalProperties: false,
};
const patchOp = {
  type: "object",
  required: ["op", "path"],
  properties: { op: { enum: ["add", "remove", "replace", "test"] }, path: string, value: {} },
  additionalProperties: false,
};
const write = {
  id: string,
  patch: { type: "array", items: patchOp },
  changes: { type: "array", items: change },
  credentials: { type: "object" },
  unlink: strings,
  remove: { type: "array", items: { enum: [...IMPORTED_TYPES] } },
  revoke_sessions: { type: "array", items: { enum: [...REVOKE_ON] } },
  live_digest: sha256,
};
const holds = {
  type: "object",
  required: ["verified_addresses"],
  properties: { credentials: strings, providers: strings, verified_addresses: strings },
  additionalProperties: false,
};
/** One of JsonCreate, JsonUpdate, JsonAdopt, JsonDelete, told apart by `action`. */
const action = {
  type: "object",
  required: ["action"],
  discriminator: { propertyName: "action" },
  oneOf: [
    {
      required: ["key", "changes"],
      properties: {
        action: { const: "create" },
        key: string,
        generate: string,
        changes: { type: "array", items: change },
      },
      additionalProperties: false,
    },
    {
      required: ["key", "id", "patch", "changes", "live_digest"],
      properties: { action: { const: "update" }, key: string, generate: string, ...write },
      additionalProperties: false,
    },
    {
      required: ["key", "id", "patch", "changes", "live_digest"],
      properties: { action: { const: "adopt" }, key: string, generate: string, ...write, holds },
      additionalProperties: false,
    },
    {
      required: ["key", "id", "reason", "live_digest"],
      properties: {
        action: { const: "delete" },
        key: string,
        generate: string,
        id: string,
        reason: { enum: [...DELETE_REASONS] },
        live_digest: sha256,
      },
      additionalProperties: false,
    },
  ],
};
const KINDS = ["create", "update", "delete", "adopt"] as const;
/** The JSON Schema of a JsonPlan as `plan --out` writes it. */
export const SAVED_PLAN_SCHEMA = {
  type: "object",
  required: ["format_version", "sets", "summary"],
  properties: {
    format_version: { const: FORMAT_VERSION },
    sets: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "state_digest", "actions"],
        properties: { name: string, state_digest: sha256, actions: { type: "array", items: action }, noop: count },
        additionalProperties: false,
      },
    },
    summary: {
      type: "object",
      required: [...KINDS, "noop"],
      properties: Object.fromEntries([...KINDS, "noop"].map((kind) => [kind, count])),
      additionalProperties: false,
    },
    issues: { type: "array" },
    unmanaged: { type: "object" },
    estimate: { type: "object" },
    plan_digest: sha256,
  },
  additionalProperties: false,
};

let compiled: ValidateFunction | undefined;
const validator = () =>
  (compiled ??= new Ajv({ allErrors: true, discriminator: true, strict: true, strictRequired: false }).compile(
    SAVED_PLAN_SCHEMA,
  ));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const kind = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value);

/** A JSON pointer of ajv (`/sets/0/actions/1`) as a JSON path (`sets[0].actions[1]`); `(the plan)` for the root. */
export function jsonPath(pointer: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const path = segments
    .map((s, i) =>
      /^\d+$/.test(s)
        ? `[${s}]`
        : i === 0
          ? s
          : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)
            ? `.${s}`
            : `[${JSON.stringify(s)}]`,
    )
    .join("");
  return path === "" ? "(the plan)" : path;
}

/** One schema error as a sentence: its JSON path, what is wrong, and what is expected. */
function describe(error: ErrorObject): string {
  const at = jsonPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `${jsonPath(`${error.instancePath}/${String(params.missingProperty)}`)} is missing`;
    case "additionalProperties":
      return `${jsonPath(`${error.instancePath}/${String(params.additionalProperty)}`)}: unexpected field`;
    case "enum":
      return `${at}: must be one of ${(params.allowedValues as unknown[]).join(", ")}`;
    default:
      return `${at}: ${error.message ?? "is not valid"}`;
  }
}

/** The problem the first schema error shows; errors that older versions reported in their own words keep them. */
function schemaProblem(errors: ErrorObject[]): string {
  const top = errors.find(
    (e) =>
      (e.instancePath === "" &&
        e.keyword === "required" &&
        ["sets", "summary"].includes(String(e.params.missingProperty))) ||
      /^\/(sets|summary)$/.test(e.instancePath),
  );
  if (top && (top.keyword === "required" || top.keyword === "type")) return "sets or summary missing";
  for (const error of errors) {
    const set = /^\/sets\/(\d+)(\/(name|state_digest|actions))?$/.exec(error.instancePath);
    const action = /^\/sets\/(\d+)\/actions\/\d+(\/(action|key))?$/.exec(error.instancePath);
    const setField =
      set &&
      (set[2] === undefined
        ? error.keyword === "type" ||
          (error.keyword === "required" &&
            ["name", "state_digest", "actions"].includes(String(error.params.missingProperty)))
        : true);
    const actionKind =
      action &&
      (action[2] !== undefined ||
        error.keyword === "discriminator" ||
        error.keyword === "type" ||
        (error.keyword === "required" && error.params.missingProperty === "key"));
    if (setField || actionKind) return `sets[${(set ?? action)![1]}] lacks its name, state_digest or actions`;
  }
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more ${errors.length === 2 ? "problem" : "problems"})` : "";
  return describe(errors[0]) + more;
}

/** What a hand edit breaks that the schema cannot see: a set listed twice, an identity twice in a set, the summary's counts. */
function countProblem(plan: JsonPlan): string | undefined {
  const names = new Map<string, number>();
  for (const [i, set] of plan.sets.entries()) {
    const first = names.get(set.name);
    if (first !== undefined)
      return `sets[${i}].name: set ${JSON.stringify(set.name)} is listed twice (also sets[${first}])`;
    names.set(set.name, i);
  }
  for (const [i, set] of plan.sets.entries()) {
    const ids = new Map<string, string>();
    for (const [j, action] of set.actions.entries()) {
      if (action.action === "create") continue;
      const here = `sets[${i}].actions[${j}]`;
      const first = ids.get(action.id);
      if (first !== undefined) return `${here}.id: identity ${JSON.stringify(action.id)} is also written by ${first}`;
      ids.set(action.id, here);
    }
  }
  const actions = plan.sets.flatMap((set) => set.actions);
  for (const kind of KINDS) {
    const listed = actions.filter((a) => a.action === kind).length;
    if (plan.summary[kind] !== listed)
      return `summary.${kind} is ${plan.summary[kind]}, but the sets list ${listed} ${kind} ${listed === 1 ? "action" : "actions"}`;
  }
  const noop = plan.sets.reduce((n, set) => n + (set.noop ?? 0), 0);
  if (plan.summary.noop !== noop) return `summary.noop is ${plan.summary.noop}, but the sets count ${noop} unchanged`;
  return undefined;
}

/**
 * The text of a saved plan (`plan --out`, `plan --output json`): the JSON plan, indented, integers the server holds
 * beyond 2^53 written with their digits (exact-json.ts), and a final newline. parseSavedPlan reads it back.
 */
export function savedPlanText(plan: JsonPlan): string {
  return restoreExactIntegers(JSON.stringify({ ...plan, plan_digest: planDigest(plan) }, null, 2)) + "\n";
}

/**
 * The digest a saved plan carries (`plan_digest`, `sha256:…`) of its sets and summary (canonical JSON): a file edited
 * by hand no longer matches it. A check against edits, not a signature: whoever edits the file can recompute it.
 */
export function planDigest(plan: JsonPlan): string {
  return digest({ sets: plan.sets, summary: plan.summary });
}

/**
 * Parses the text of a saved plan (`plan --out`) and checks it: the JSON object of format_version 1 with every set's
 * state digest and actions, each action of a known kind with the fields that kind has (JSON Schema, ajv), the
 * summary counting the actions listed, no set or identity twice, no errors saved with it, and its `plan_digest`
 * (when it has one) matching. A leading byte order mark is ignored. The plan returned is without the digest. Never
 * throws.
 */
export function parseSavedPlan(text: string): SavedPlan {
  let value: unknown;
  try {
    // A byte order mark, which some editors put before the text they save, is no part of the JSON (RFC 8259 §8.1).
    value = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch (error) {
    return { ok: false, kind: "notJson", problem: (error as Error).message };
  }
  const refuse = (problem: string): SavedPlan => ({ ok: false, kind: "notAPlan", problem });
  if (!isObject(value)) return refuse(`expected the JSON object \`plan --out\` writes, got ${kind(value)}`);
  if (value.format_version !== FORMAT_VERSION)
    return refuse(`format_version ${JSON.stringify(value.format_version) ?? "missing"}, expected ${FORMAT_VERSION}`);
  const validate = validator();
  if (!validate(value)) return refuse(schemaProblem(validate.errors ?? []));
  const { plan_digest: saved, ...plan } = value as unknown as JsonPlan & { plan_digest?: string };
  const counts = countProblem(plan);
  if (counts) return refuse(counts);
  if (plan.issues && plan.issues.length > 0) return refuse(`it was saved with ${plan.issues.length} error(s)`);
  // Files written before plans carried a digest have none; they are checked by the schema and the counts alone.
  if (saved !== undefined && saved !== planDigest(plan))
    return refuse("plan_digest does not match its sets and summary: the file was edited after `plan --out` wrote it");
  return { ok: true, plan };
}
