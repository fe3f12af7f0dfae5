// Plans at seeding scale: the copies of one `generate` entry that a plan creates or updates are summarized as one
// item (count, first and last key, the field changes every copy shares, the fields that differ per copy) instead of
// one item per copy. Pure; the JSON plan itself always lists every action.
import type { JsonAction, JsonCreate, JsonUpdate } from "./jsonplan";
import { escapePointerSegment, isObject, jsonEqual } from "./json";
import type { FieldChange, RevokeOn } from "./types";

/** The copies of one generate entry with the same action, summarized. */
export interface ActionGroup {
  action: "create" | "update";
  /** The generate entry (`spec.generate[0]`). */
  generate: string;
  count: number;
  /** The keys of the first and the last copy, in plan order. */
  first: string;
  last: string;
  /** The field changes every copy shares (leaf paths, e.g. `/traits/name/first`), in the first copy's order. */
  shared: FieldChange[];
  /** The leaf paths whose change differs between copies. */
  varying: string[];
  /** How many copies have their sessions revoked, and why (every reason of any copy, in first-seen order). */
  revoke_sessions?: { count: number; reasons: RevokeOn[] };
}

export type PlanItem = { kind: "action"; action: JsonAction } | ({ kind: "group" } & ActionGroup);

/** Fewest copies that are summarized: a lone copy is shown as it is. */
export const GROUP_MIN = 2;

/**
 * A set's actions as the items a human plan shows: every create and update of the copies of one `generate` entry
 * as one group (placed where its first copy is), unless `verbose`; every other action (adopt and delete included:
 * a reviewer must see what each adopted identity already holds) on its own.
 */
export function planItems(actions: ReadonlyArray<JsonAction>, verbose = false): PlanItem[] {
  const members = new Map<string, Array<JsonCreate | JsonUpdate>>();
  const groupOf = (a: JsonAction) =>
    !verbose && a.generate !== undefined && (a.action === "create" || a.action === "update")
      ? `${a.action}\u0000${a.generate}`
      : undefined;
  for (const action of actions) {
    const id = groupOf(action);
    if (id !== undefined && (action.action === "create" || action.action === "update"))
      members.set(id, [...(members.get(id) ?? []), action]);
  }
  const items: PlanItem[] = [];
  const placed = new Set<string>();
  for (const action of actions) {
    const id = groupOf(action);
    const copies = id === undefined ? undefined : members.get(id);
    if (id === undefined || !copies || copies.length < GROUP_MIN) {
      items.push({ kind: "action", action });
      continue;
    }
    if (placed.has(id)) continue;
    placed.add(id);
    items.push({ kind: "group", ...summarize(copies) });
  }
  return items;
}

function summarize(copies: Array<JsonCreate | JsonUpdate>): ActionGroup {
  const leaves = copies.map(
    (copy) => new Map(copy.changes.flatMap(leafChanges).map((change) => [change.path, change])),
  );
  const paths = [...new Set(leaves.flatMap((map) => [...map.keys()]))];
  const shared: FieldChange[] = [];
  const varying: string[] = [];
  for (const path of paths) {
    const first = leaves[0].get(path);
    const same =
      first !== undefined &&
      leaves.every((map) => {
        const change = map.get(path);
        return (
          change !== undefined &&
          jsonEqual(change.before ?? null, first.before ?? null) &&
          jsonEqual(change.after ?? null, first.after ?? null) &&
          "before" in change === "before" in first &&
          "after" in change === "after" in first
        );
      });
    if (same) shared.push(first);
    else varying.push(path);
  }
  const head = copies[0];
  const revoked = (copy: JsonCreate | JsonUpdate) => (copy.action === "update" ? copy.revoke_sessions : undefined);
  const revoking = copies.filter((copy) => revoked(copy) !== undefined);
  const reasons = [...new Set(revoking.flatMap((copy) => revoked(copy) ?? []))];
  return {
    action: head.action as "create" | "update",
    generate: head.generate as string,
    count: copies.length,
    first: head.key,
    last: copies[copies.length - 1].key,
    shared,
    varying,
    ...(revoking.length > 0 ? { revoke_sessions: { count: revoking.length, reasons } } : {}),
  };
}

/**
 * A change split into the changes of its leaves (objects are descended into, arrays and scalars are leaves):
 * `/traits: {email: a, name: {first: B}}` gives `/traits/email` and `/traits/name/first`, so that copies sharing
 * all but their e-mail share their other traits.
 */
export function leafChanges(change: FieldChange): FieldChange[] {
  const { before, after } = change;
  if (
    !(isObject(before) || before === undefined) ||
    !(isObject(after) || after === undefined) ||
    (before === undefined && after === undefined)
  )
    return [change];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  if (keys.length === 0) return [change];
  return keys.flatMap((key) => {
    const leaf: FieldChange = { path: `${change.path}/${escapePointerSegment(key)}` };
    if (before?.[key] !== undefined) leaf.before = before[key];
    if (after?.[key] !== undefined) leaf.after = after[key];
    return leaf.before === undefined && leaf.after === undefined ? [] : leafChanges(leaf);
  });
}
