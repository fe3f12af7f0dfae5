// Text output shows strings the server controls (keys, set names, ids, reasons): their control characters are
// escaped, so that a value cannot move the cursor, erase or recolour a line, or start a line of its own (a forged
// summary line).
import type { JsonAction, JsonPlan } from "./jsonplan";
import type { FieldChange, Holdings } from "./types";

// C0 controls (newline and tab included: a value is never more than one line), DEL, C1 controls, and the Unicode
// marks that reorder text (bidirectional overrides and isolates).
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every control character written as an escape (`\r`, `\u001b`), as JSON would write it. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The plan with every string a text rendering prints as it is (names, keys, ids, paths, messages) made printable. */
export function printablePlan(plan: JsonPlan): JsonPlan {
  return {
    ...plan,
    sets: plan.sets.map((set) => ({
      ...set,
      name: printable(set.name),
      actions: set.actions.map(printableAction),
    })),
    ...(plan.issues
      ? {
          issues: plan.issues.map((i) => ({
            ...i,
            message: printable(i.message),
            ...(i.hint !== undefined ? { hint: printable(i.hint) } : {}),
            ...(i.file !== undefined ? { file: printable(i.file) } : {}),
          })),
        }
      : {}),
  };
}

/** An action with its key, id, change paths, unlinked providers and holdings made printable. */
function printableAction(action: JsonAction): JsonAction {
  const key = printable(action.key);
  if (action.action === "create") return { ...action, key, changes: printableChanges(action.changes) };
  if (action.action === "delete") return { ...action, key, id: printable(action.id) };
  const out = {
    ...action,
    key,
    id: printable(action.id),
    changes: printableChanges(action.changes),
    ...(action.unlink !== undefined ? { unlink: action.unlink.map(printable) } : {}),
  };
  return out.action === "adopt" && out.holds !== undefined ? { ...out, holds: printableHolds(out.holds) } : out;
}

const printableChanges = (changes: FieldChange[]): FieldChange[] =>
  changes.map((change) => ({ ...change, path: printable(change.path) }));

/** What an adopted identity holds (credential types, providers, addresses: the server's strings), made printable. */
function printableHolds(holds: Holdings): Holdings {
  const out: Holdings = { ...holds, verified_addresses: holds.verified_addresses.map((item) => printable(item)) };
  if (holds.credentials) out.credentials = holds.credentials.map((item) => printable(item));
  if (holds.providers) out.providers = holds.providers.map((item) => printable(item));
  return out;
}
