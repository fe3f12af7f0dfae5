// `plan --show-unmanaged`: the live identities that no set manages (no ownership marker), so that a team sees what
// lives on the server outside its manifests. Pure: made from the identities the plan listed anyway.
import { managerOf } from "./managed";
import { liveKey } from "./normalize";
import { hideIn, hiddenOf } from "./sensitive";
import type { DesiredSet, LiveIdentity, Plan } from "./types";

/** How many identities `first` shows. */
export const UNMANAGED_SHOWN = 10;

/** The unmanaged live identities, as the JSON plan's `unmanaged` field holds them. */
export interface UnmanagedReport {
  /** Live identities without an ownership marker that this plan does not adopt. */
  total: number;
  /** Their number per `schema_id`, schema ids sorted. */
  by_schema: Record<string, number>;
  /**
   * The first few (in the server's list order): id, schema and an identifier, the value of the first set's key path
   * (in manifest order) that the identity has, else its external_id; absent when it has neither.
   */
  first: Array<{ id: string; schema_id: string; identifier?: string }>;
}

/**
 * The report of `live` (every live identity, as listed for the plan) under `plan`: identities the plan adopts are
 * managed once it is applied and are not counted. Values that a manifest declares as sensitive (`${env:}`,
 * `${file:}`) are shown as `(sensitive)`.
 */
export function unmanagedReport(
  sets: ReadonlyArray<DesiredSet>,
  live: ReadonlyArray<LiveIdentity>,
  plan: Plan,
): UnmanagedReport {
  const adopted = new Set(
    plan.sets.flatMap((set) => set.actions.filter((a) => a.action === "adopt").map((a) => (a as { id: string }).id)),
  );
  const hidden = hiddenOf(sets);
  const counts = new Map<string, number>();
  const first: UnmanagedReport["first"] = [];
  let total = 0;
  for (const identity of live) {
    if (managerOf(identity) !== undefined || adopted.has(identity.id)) continue;
    total++;
    counts.set(identity.schema_id, (counts.get(identity.schema_id) ?? 0) + 1);
    if (first.length >= UNMANAGED_SHOWN) continue;
    const identifier = identifierOf(identity, sets);
    first.push({
      id: identity.id,
      schema_id: identity.schema_id,
      ...(identifier !== undefined ? { identifier: hideIn(identifier, hidden) } : {}),
    });
  }
  const by_schema = Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { total, by_schema, first };
}

function identifierOf(identity: LiveIdentity, sets: ReadonlyArray<DesiredSet>): string | undefined {
  for (const set of sets) {
    const key = liveKey(identity, set.key);
    if (key !== undefined) return key;
  }
  return identity.external_id ?? undefined;
}
