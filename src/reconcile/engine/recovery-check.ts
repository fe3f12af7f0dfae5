// Recovery (invite) methods the server would refuse, found before any write: apply creates the identity first and
// asks for its link or code afterwards, and a re-run no longer asks (the identity exists), so a refusal then would
// lose the invite.
import type { OryAdmin } from "./admin";
import { DesiredSet, Issue, Plan, RecoveryDecl, shownKey } from "../core/types";

/**
 * One issue per set and recovery method that the plan's creates ask for but the server refuses
 * (`OryAdmin.recoveryRefusedBy`, one `POST /admin/recovery/link|code` per method that issues nothing), at the first
 * created identity that declares it. None when the plan creates no identity with `recovery:` (then nothing is asked).
 */
export async function recoveryIssues(sets: ReadonlyArray<DesiredSet>, plan: Plan, admin: OryAdmin): Promise<Issue[]> {
  const first = new Map<
    string,
    { set: string; key: string; shown: string; method: RecoveryDecl["method"]; count: number }
  >();
  for (const set of plan.sets) {
    for (const action of set.actions) {
      if (action.action !== "create" || !action.recovery) continue;
      const seen = first.get(`${set.name}\n${action.recovery.method}`);
      if (seen) seen.count++;
      else
        first.set(`${set.name}\n${action.recovery.method}`, {
          set: set.name,
          key: action.key,
          shown: shownKey(action),
          method: action.recovery.method,
          count: 1,
        });
    }
  }
  if (first.size === 0 || !admin.recoveryRefusedBy) return [];
  const methods = [...new Set([...first.values()].map((use) => use.method))];
  const refused = new Map(
    await Promise.all(methods.map(async (method) => [method, await admin.recoveryRefusedBy!(method)] as const)),
  );
  return [...first.values()].flatMap(({ set, key, shown, method, count }) => {
    const reason = refused.get(method);
    if (reason === undefined) return [];
    const pos = sets.find((s) => s.name === set)?.identities.find((i) => i.key === key)?.source;
    return [
      {
        pos,
        path: "recovery.method",
        message: `${set}/${shown} declares recovery: {method: ${method}}${count > 1 ? ` (as do ${count - 1} more identities this plan creates in the set)` : ""}, but the server refuses to issue recovery ${method}s: ${reason}`,
        hint: `enable selfservice.methods.${method} on the server, use method: ${method === "link" ? "code" : "link"} if that one is enabled, or remove recovery:`,
      },
    ];
  });
}
