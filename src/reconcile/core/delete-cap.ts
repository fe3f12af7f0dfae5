// The default cap on deletes: a run that would delete more than 20 identities, or more than a tenth of what its
// sets manage when that is more, is refused before the first write unless the user names a cap (`--max-deletes N`)
// or lifts it (`--max-deletes all`). A typo in a manifest (a renamed set, an emptied list) must not wipe a tenant.
import type { Plan } from "./types";

export const DEFAULT_MAX_DELETES = 20;

/**
 * The cap when the user named none: the larger of {@link DEFAULT_MAX_DELETES} and a tenth (rounded down) of the
 * live identities that the plan's sets manage (their ownership marker names the set).
 */
export function defaultDeleteCap(plan: Plan): number {
  const managed = plan.sets.reduce((n, set) => n + (set.managed ?? 0), 0);
  return Math.max(DEFAULT_MAX_DELETES, Math.floor(managed / 10));
}

/**
 * Why `plan` may not be applied under `cap` (a number, `"default"` for {@link defaultDeleteCap}, undefined for no
 * cap): a message and a hint naming the flag, or undefined when it may.
 */
export function deleteCapRefusal(
  plan: Plan,
  cap: number | "default" | undefined,
): { message: string; hint: string } | undefined {
  if (cap === undefined) return undefined;
  const deletes = plan.sets.reduce((n, set) => n + set.actions.filter((a) => a.action === "delete").length, 0);
  const limit = cap === "default" ? defaultDeleteCap(plan) : cap;
  if (deletes <= limit) return undefined;
  const managed = plan.sets.reduce((n, set) => n + (set.managed ?? 0), 0);
  const why =
    cap === "default"
      ? `the default cap of ${limit} (the larger of ${DEFAULT_MAX_DELETES} and a tenth of the ${managed} identities these sets manage)`
      : `--max-deletes ${cap}`;
  return {
    message: `the plan deletes ${deletes} identities, more than ${why}; nothing was written`,
    hint: `review the deletes in the plan, then run again with --max-deletes ${deletes} (or --max-deletes all)`,
  };
}
