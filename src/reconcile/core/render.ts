// Terraform-like text rendering of a JSON plan. One line per changed identity, then its field-level changes.
import { restoreExactIntegers } from "./exact-json";
import { planItems } from "./groups";
import { formatIssue, placeOf } from "./issues";
import type { JsonAction, JsonAdopt, JsonCreate, JsonPlan, JsonUpdate } from "./jsonplan";
import { printable, printablePlan } from "./printable";
import { extraLines, groupLines } from "./render-extras";
import type { DeleteReason, FieldChange, Holdings, Json } from "./types";

export const SYMBOL = { create: "+", update: "~", delete: "-", adopt: ">" } as const;
export const COLOR = { create: "\x1b[32m", update: "\x1b[33m", delete: "\x1b[31m", adopt: "\x1b[36m" } as const;
export const RESET = "\x1b[0m";

/** A value as plans show it: JSON, at most 120 characters, control characters escaped. */
export function show(value: Json | undefined): string {
  if (value === undefined) return "(absent)";
  const text = restoreExactIntegers(JSON.stringify(value));
  return printable(text.length > 120 ? text.slice(0, 117) + "..." : text);
}

/** What an adopted identity already holds, for its `> adopt` line: `holds credentials: password; providers: none; …`. */
function holdings(holds: Holdings): string {
  const list = (items: string[] | undefined) =>
    items === undefined ? "(not read)" : items.length > 0 ? items.join(", ") : "none";
  return `holds credentials: ${list(holds.credentials)}; providers: ${list(holds.providers)}; verified addresses: ${list(holds.verified_addresses)}`;
}

/** Why a plan deletes an identity, as text and Markdown plans print it under its `- delete` line. */
export const DELETE_REASON_TEXT: Readonly<Record<DeleteReason, string>> = {
  not_in_configuration: "because it is not in configuration",
  destroy: "because its set is destroyed",
};

/** One field change as a plan line (without indentation): `+ /path: value`, `- /path: value`, `~ /path: a -> b`. */
export function changeLine(action: Exclude<JsonAction["action"], "delete">, change: FieldChange): string {
  if (action === "create" || change.before === undefined) return `+ ${change.path}: ${show(change.after)}`;
  if (change.after === undefined) return `- ${change.path}: ${show(change.before)}`;
  return `~ ${change.path}: ${show(change.before)} -> ${show(change.after)}`;
}

/**
 * The lines an action shows after its field changes (text and Markdown plans): whether its sessions are revoked
 * (`sessions: revoke (deactivate)`), and why an update or adoption without field changes is one.
 */
export function actionNotes(action: JsonCreate | JsonUpdate | JsonAdopt): string[] {
  const notes: string[] = [];
  if (action.action === "create") return notes;
  if (action.revoke_sessions) notes.push(`sessions: revoke (${action.revoke_sessions.join(", ")})`);
  if (action.action === "adopt" && action.changes.length === 0)
    notes.push("(no drift: only the ownership marker is added)");
  if (action.action === "update" && action.changes.length === 0) notes.push("(only the ownership marker changes)");
  return notes;
}

/** An action's head without colour: `~ update staff/bob@example.com (id)`. */
export function actionHead(set: string, action: JsonAction): string {
  return `${SYMBOL[action.action]} ${action.action} ${set}/${action.key}${action.action !== "create" ? ` (${action.id})` : ""}`;
}

/** The lines under an action's head (without indentation): its field changes and notes, or why it is deleted. */
export function actionLines(action: JsonAction): string[] {
  if (action.action === "delete") return [DELETE_REASON_TEXT[action.reason]];
  return [...action.changes.map((change) => changeLine(action.action, change)), ...actionNotes(action)];
}

/**
 * The text plan. `verbose`: every identity on its own; otherwise the creates and updates of the copies of one
 * `generate` entry are summarized in one item each (see planItems).
 */
export function renderPlan(raw: JsonPlan, options: { color?: boolean; verbose?: boolean } = {}): string {
  const plan = printablePlan(raw);
  const lines: string[] = [];
  for (const set of plan.sets) {
    for (const item of planItems(set.actions, options.verbose)) {
      if (item.kind === "group") {
        lines.push(...groupLines(set.name, item, options.color === true));
        continue;
      }
      const action = item.action;
      const paint = options.color ? COLOR[action.action] : "";
      const reset = options.color ? RESET : "";
      const holds = action.action === "adopt" && action.holds ? ` ${holdings(action.holds)}` : "";
      lines.push(`${paint}${actionHead(set.name, action)}${reset}${holds}`);
      for (const line of actionLines(action)) lines.push(`    ${line}`);
    }
  }
  for (const issue of plan.issues ?? []) {
    lines.push(`Error: ${formatIssue({ pos: placeOf(issue), message: issue.message, hint: issue.hint })}`);
  }
  lines.push(...extraLines(plan));
  const s = plan.summary;
  if (s.noop > 0) lines.push(`${s.noop} ${s.noop === 1 ? "identity is" : "identities are"} unchanged.`);
  lines.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.adopt} to adopt.`);
  return lines.join("\n") + "\n";
}
