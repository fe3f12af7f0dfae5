// Invites: after apply created identities that declare `recovery:`, ask the server for their recovery links or codes.
import type { OryAdmin } from "./admin";
import { runPool } from "../core/pool";
import { Action, Plan, RecoveryDecl, Secret, shownKey, subject } from "../core/types";

/** One identity's invite as `apply --recovery-out` writes it; `link` and `code` stay Secrets until written. */
export interface RecoveryRecord {
  set: string;
  key: string;
  id: string;
  method: RecoveryDecl["method"];
  link?: Secret;
  code?: Secret;
  expires_at?: string;
  /** Why none could be issued (the identity was created all the same). */
  error?: string;
}

type CreateAction = Extract<Action, { action: "create" }>;

/** How many creates of the plan ask for a recovery link or code. */
export function recoveriesPlanned(plan: Plan): number {
  return plan.sets.reduce(
    (n, set) => n + set.actions.filter((a) => a.action === "create" && a.recovery !== undefined).length,
    0,
  );
}

/** The refusal of an apply that would create identities with `recovery:` and has nowhere to put their links. */
export function recoveryRefusal(count: number): string {
  return `the plan creates ${count} identit${count === 1 ? "y" : "ies"} with recovery: (invite links or codes), and they need a file to go to: pass --recovery-out FILE; nothing was written`;
}

/**
 * For every created identity (`id`) whose create declares `recovery:`, `POST /admin/recovery/link|code` (at most
 * `concurrency` at once). One record per identity, in the order given; a failed request gives a record with `error`
 * (its reason never holds a link or code).
 */
export async function issueRecoveries(
  created: ReadonlyArray<{ action: CreateAction; id: string }>,
  admin: OryAdmin,
  concurrency: number,
): Promise<RecoveryRecord[]> {
  const records = new Map<number, RecoveryRecord>();
  const wanted = created.filter((c) => c.action.recovery !== undefined);
  await runPool(
    wanted.map((c, i) => ({ ...c, i })),
    concurrency,
    async ({ action, id, i }) => {
      const recovery = action.recovery!;
      const base = { set: action.set, key: shownKey(action), id, method: recovery.method };
      try {
        if (!admin.createRecovery) throw new Error("this client cannot ask for recovery links");
        const grant = await admin.createRecovery(id, recovery);
        records.set(i, {
          ...base,
          link: new Secret(grant.link),
          ...(grant.code !== undefined ? { code: new Secret(grant.code) } : {}),
          expires_at: grant.expires_at,
        });
      } catch (error) {
        records.set(i, {
          ...base,
          error: `${subject(action.set, shownKey(action))}: created, but no recovery ${recovery.method} was issued: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    },
  );
  return wanted.map((_, i) => records.get(i)!);
}

/** The records as the `--recovery-out` file holds them: `[{set, key, id, method, link, code?, expires_at}]`. */
export function recoveryFile(records: ReadonlyArray<RecoveryRecord>): string {
  const issued = records.filter((r) => r.error === undefined);
  const rows = issued.map((r) => ({
    set: r.set,
    key: r.key,
    id: r.id,
    method: r.method,
    ...(r.link ? { link: r.link.reveal() } : {}),
    ...(r.code ? { code: r.code.reveal() } : {}),
    expires_at: r.expires_at,
  }));
  return JSON.stringify(rows, null, 2) + "\n";
}
