// The versioned JSON plan (`--output json`, `--out plan.json`): plain data, secrets redacted. Text output is
// rendered from it, and `apply --plan` compares a saved one with a fresh plan.
import { Action, DeleteReason, FieldChange, Holdings, Json, Plan, RevokeOn, shownKey, Summary } from "./types";
import { redactJson } from "./sensitive";
import { jsonEqual } from "./json";
import { MARKER_KEY } from "./marker";
import { SENSITIVE } from "./types";
import type { Estimate } from "./estimate";
import type { UnmanagedReport } from "./unmanaged";

export const FORMAT_VERSION = 1;

/** What every saved action has: the key as outputs show it (its label when the key is sensitive). */
interface JsonActionBase {
  key: string;
  /** The `generate` entry of the manifest that declared this identity (`spec.generate[0]`), when one did. */
  generate?: string;
}

/** `+ create`: the field changes the new identity gets (values redacted). */
export interface JsonCreate extends JsonActionBase {
  action: "create";
  changes: FieldChange[];
}

/** `~ update`: the JSON Patch (values redacted) and what a PUT or the calls after it change. */
export interface JsonUpdate extends JsonActionBase {
  action: "update";
  id: string;
  patch: Json[];
  changes: FieldChange[];
  /** The credentials the write sets (values redacted): present when a PUT is needed. */
  credentials?: Json;
  /** OIDC links the apply removes (`provider:subject`). */
  unlink?: string[];
  /** Credential types the apply removes (declared `absent`). */
  remove?: string[];
  /** Why the identity's sessions are revoked after the write (`deactivate`, `adopt`, `password_change`). */
  revoke_sessions?: RevokeOn[];
  /** Digest of the live identity the action was planned against. */
  live_digest: string;
}

/** `> adopt`: an update that adds the ownership marker, and what the live identity already holds. */
export interface JsonAdopt extends Omit<JsonUpdate, "action"> {
  action: "adopt";
  /** What the live identity already holds that the manifest does not write (see Holdings). */
  holds?: Holdings;
}

/** `- delete`: a managed identity, and why it is deleted (rendered as `because it is not in configuration`). */
export interface JsonDelete extends JsonActionBase {
  action: "delete";
  id: string;
  reason: DeleteReason;
  live_digest: string;
}

/**
 * One action of a saved plan, per kind: the serialised form of an `Action` (no-ops are counted, not listed; secrets
 * are `(sensitive)`). `action`, `key`, `id` and `patch` are the fields CONTRACT §3 names; the others are extras.
 */
export type JsonAction = JsonCreate | JsonUpdate | JsonAdopt | JsonDelete;

export interface JsonPlan {
  format_version: number;
  /** `noop`: the set's identities that are already as declared (counted, not listed). */
  sets: Array<{ name: string; state_digest: string; actions: JsonAction[]; noop?: number }>;
  summary: Summary;
  issues?: Array<{ message: string; hint?: string; file?: string; line?: number; col?: number }>;
  /** `plan --show-unmanaged`: the live identities no set manages. */
  unmanaged?: UnmanagedReport;
  /** On a server that announces rate limits (Ory Network): what applying the plan costs. */
  estimate?: Estimate;
}

/**
 * A password fingerprint lets a reader test guesses of the password, and the marker's key digest guesses of a key
 * (which may be sensitive): neither is ever printed, neither where the marker is written (a patch op or a whole
 * marker) nor in the credentials.
 */
function hideFingerprints(this: unknown, name: string, value: unknown): unknown {
  if (name === "fingerprint") return undefined;
  if (name === MARKER_KEY && isObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const field of HIDDEN_MARKER_FIELDS) if (out[field] !== undefined) out[field] = SENSITIVE;
    return out;
  }
  const op = this as { path?: unknown };
  if (
    name === "value" &&
    isObject(op) &&
    typeof op.path === "string" &&
    HIDDEN_MARKER_FIELDS.some((field) => (op.path as string).endsWith(`/${MARKER_KEY}/${field}`))
  )
    return SENSITIVE;
  return value;
}

const HIDDEN_MARKER_FIELDS = ["password", "key"];

/** JSON round trip: `Secret`s turn into "(sensitive)" through their toJSON, and fingerprints are hidden. */
function redacted<T>(value: T): Json {
  return JSON.parse(JSON.stringify(value, hideFingerprints)) as Json;
}

function jsonAction(action: Exclude<Action, { action: "noop" }>): JsonAction {
  const base: JsonActionBase = {
    key: shownKey(action),
    ...(action.generate !== undefined ? { generate: action.generate } : {}),
  };
  if (action.action === "create")
    return { action: "create", ...base, changes: redacted(action.changes) as unknown as FieldChange[] };
  if (action.action === "delete")
    return { action: "delete", ...base, id: action.id, reason: action.reason, live_digest: action.live_digest };
  const sensitive = action.sensitive;
  const out: JsonUpdate | JsonAdopt = {
    action: action.action,
    ...base,
    changes: redacted(action.changes) as unknown as FieldChange[],
    id: action.id,
    live_digest: action.live_digest,
    patch: redacted(
      action.patch.map((op) => ("value" in op ? { ...op, value: redactJson(op.value, op.path, sensitive) } : op)),
    ) as Json[],
  };
  if (action.credentials) out.credentials = redacted(action.credentials);
  if (action.unlink) out.unlink = [...action.unlink];
  if (action.remove) out.remove = [...action.remove];
  if (action.holds) (out as JsonAdopt).holds = redacted(action.holds) as unknown as Holdings;
  if (action.revoke_sessions) out.revoke_sessions = [...action.revoke_sessions];
  return out;
}

/** The serialised plan (`--output json`, `plan --out`): `plan` with secrets as `(sensitive)`, fingerprints hidden. */
export function toJsonPlan(plan: Plan): JsonPlan {
  const json: JsonPlan = {
    format_version: FORMAT_VERSION,
    sets: plan.sets.map((set) => ({
      name: set.name,
      state_digest: set.state_digest,
      actions: set.actions.filter((a): a is Exclude<Action, { action: "noop" }> => a.action !== "noop").map(jsonAction),
      noop: set.actions.filter((a) => a.action === "noop").length,
    })),
    summary: { ...plan.summary },
  };
  if (plan.issues.length > 0) {
    json.issues = plan.issues.map((i) => ({
      message: i.message,
      hint: i.hint,
      file: i.pos?.file,
      line: i.pos?.line,
      col: i.pos?.col,
    }));
  }
  return json;
}

export function hasChanges(summary: Summary): boolean {
  return summary.create + summary.update + summary.delete + summary.adopt > 0;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Why a saved set and a fresh one of the same live state differ when only the prune deletes (`not_in_configuration`)
 * do: the plan was made with `--prune` and the apply runs without it, or the other way round (or `spec.prune` changed).
 */
function pruneDiffers(name: string, saved: JsonAction[], fresh: JsonAction[]): string | undefined {
  const isPrune = (a: JsonAction) => a.action === "delete" && a.reason === "not_in_configuration";
  if (
    !jsonEqual(
      saved.filter((a) => !isPrune(a)),
      fresh.filter((a) => !isPrune(a)),
    )
  )
    return undefined;
  const [before, now] = [saved.filter(isPrune).length, fresh.filter(isPrune).length];
  const deletes = (n: number) => `${n} ${n === 1 ? "identity" : "identities"} not in configuration`;
  if (before > 0 && now === 0)
    return `set ${name}: the plan was made with --prune (it deletes ${deletes(before)}) and this apply runs without it; give apply the same --prune as plan`;
  if (before === 0 && now > 0)
    return `set ${name}: the plan was made without --prune and this apply prunes (it would delete ${deletes(now)}); give apply the same --prune as plan`;
  return undefined;
}

/** Why a saved plan may not be applied to the live state a fresh plan saw; empty when it still holds. */
export function stalePlanReasons(saved: JsonPlan, fresh: JsonPlan): string[] {
  const reasons: string[] = [];
  const freshSets = new Map(fresh.sets.map((s) => [s.name, s]));
  for (const set of saved.sets) {
    const now = freshSets.get(set.name);
    if (!now) {
      reasons.push(`set ${set.name} is no longer declared`);
      continue;
    }
    if (now.state_digest !== set.state_digest)
      reasons.push(`set ${set.name}: live identities changed since the plan was made`);
    else if (!jsonEqual(now.actions, set.actions))
      reasons.push(
        pruneDiffers(set.name, set.actions, now.actions) ??
          `set ${set.name}: the manifests changed since the plan was made`,
      );
  }
  for (const name of freshSets.keys()) {
    if (!saved.sets.some((s) => s.name === name)) reasons.push(`set ${name} was not in the saved plan`);
  }
  return reasons;
}
