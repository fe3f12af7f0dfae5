// Executes a plan against the admin API. Creates are batched and verified; updates use the minimal JSON Patch
// (PUT only when credentials change); deletes last, and none in a set where a create failed. A failed item never
// stops the others; a terminal error (the server unreachable), an internal one or a cancellation stops the run, and
// every action then still gets its outcome. This file keeps applyPlan, its options and result, and the run/stop
// bookkeeping; the phases live in creates.ts (batched creates and their read-back), updates.ts (updates and
// adoptions), schemas.ts (the schema cache); writer.ts holds the types they share.
import { BATCHES_IN_FLIGHT } from "../core/capabilities";
import { addressesNotKept } from "../core/addresses";
import { deleteCapRefusal } from "../core/delete-cap";
import { ApiError, errorMessage, InternalError, UserError } from "../core/errors";
import type { Outcome, Result } from "../core/outcomes";
import type { OryAdmin } from "./admin";
import { passwordHasher } from "../core/bodies";
import { failureOf, stopsTheRun } from "./failures";
import { runPool } from "../core/pool";
import { issueRecoveries, recoveriesPlanned, recoveryRefusal, RecoveryRecord } from "./recovery";
import { Plan, shownKey, subject } from "../core/types";
import { applyCreates } from "./creates";
import { applyUpdate, inOrder, notKept, writtenAddresses } from "./updates";
import type { CreateAction, DeleteAction, Recorder, RunState, Stop, UpdateAction, WriteAction, Writer } from "./writer";

export type { Failure, FailureKind, Outcome, Result } from "../core/outcomes";
export type { Stop } from "./writer";
export { identitySchemas, resetSchemaCache } from "./schemas";

export interface ApplyOptions {
  /**
   * Parallel writes. Default 8: single-identity writes (PATCH/PUT/DELETE; each to its own path) up to this many,
   * create batches up to `BATCHES_IN_FLIGHT` (or this, when lower). 1: one request at a time.
   */
  concurrency?: number;
  /**
   * Refuse before the first write when the plan deletes more than this; `"default"`: more than the default cap
   * (see defaultDeleteCap); absent: no cap (Pulumi, whose preview lists every delete before `up`).
   */
  maxDeletes?: number | "default";
  /** Called after every finished item (and for every item not attempted, once the run stopped). */
  onOutcome?: (outcome: Outcome, done: number, total: number) => void;
  /**
   * Hash plaintext passwords locally with bcrypt and send them as `hashed_password`: the server hashes nothing, and
   * a batch may hold the larger limit (1000 instead of 200 on Ory Network / Kratos >= v25).
   */
  prehashPasswords?: boolean;
  /** bcrypt cost of `prehashPasswords`, 4..31 (default 10: a quarter of the work of Kratos' own default, 12). */
  bcryptCost?: number;
  /**
   * The caller keeps the recovery links and codes of created identities that declare `recovery:` (`--recovery-out`,
   * a Pulumi secret output). Without it a plan that creates such an identity is refused before any write.
   */
  keepRecoveries?: boolean;
  /**
   * Cancels the run: once it fires no new write (or batch) is started; the requests in flight finish, and every
   * action not yet started gets the outcome `not_attempted`. A write still unanswered `cancelGraceMs` after the
   * signal (a server that stopped answering) is not waited for: it fails as `outcome_unknown`, and apply returns.
   */
  signal?: AbortSignal;
  /** How long a cancelled run waits for the writes in flight, ms (default {@link CANCEL_GRACE_MS}). */
  cancelGraceMs?: number;
}

/** How long a cancelled run waits for the answers to the writes in flight, ms: 10 s. */
export const CANCEL_GRACE_MS = 10_000;

export const DEFAULT_BCRYPT_COST = 10;

export interface ApplyResult {
  /**
   * One per action of the plan, whatever happened: done (`created`, `present`, `configured`, `adopted`, `deleted`),
   * `failed` (with its typed `failure`), or `not_attempted` (the run stopped first; see `stopped`).
   */
  outcomes: Outcome[];
  /** Failed and not attempted outcomes, plus recovery links or codes that could not be issued. */
  failed: number;
  /** One per created identity that declares `recovery:` (links and codes as Secrets; `error` when none was issued). */
  recoveries: RecoveryRecord[];
  /** Set when the run stopped before it tried every action. */
  stopped?: Stop;
}

/**
 * Writes `plan` (from `planSets` / `buildPlan`, or a saved plan read back) through `admin`, in this order:
 * - creates: batched `PATCH /admin/identities` (batch sizes from the server's capabilities, `GET /admin/version`;
 *   `GET /schemas` when a create names no schema_id), verified by `GET /admin/identities?ids=…`; a create the server
 *   refuses as a conflict (409) is read back and planned again (resolveConflicts: by external_id or credential
 *   identifier, or one listing): `present` when that identity is already as declared, else updated or adopted as the
 *   plan's rules allow;
 * - updates and adoptions: a JSON Patch (`PATCH /admin/identities/{id}`), or `GET` + `PUT /admin/identities/{id}`
 *   when credentials change; then removed links and credential types (`DELETE /admin/identities/{id}/credentials/
 *   {type}[?identifier=…]`) and, where the plan says so, `DELETE /admin/identities/{id}/sessions` before and after;
 *   writes that take a value another update frees (`plan.after`) wait for that update;
 * - recovery links or codes of created identities that declare `recovery:` (`POST /admin/recovery/link|code`);
 * - deletes (`DELETE /admin/identities/{id}`; a 404 counts as deleted), skipped for every set where a create failed.
 *
 * `options`: parallel writes (`concurrency`, default 8), the delete cap (`maxDeletes`), local bcrypt hashing of
 * passwords (`prehashPasswords`, `bcryptCost`), whether the caller keeps recovery secrets (`keepRecoveries`), and a
 * progress callback (`onOutcome`, called after each item with the items done and the total), and a cancellation
 * `signal` (AbortSignal).
 *
 * Returns one {@link Outcome} per action (`created`, `present`, `configured`, `adopted`, `deleted`, `failed` with
 * the reason and a typed failure — see FailureKind — or `not_attempted`), the failure count, the recoveries issued
 * (links and codes as Secrets) and, when the run stopped early, `stopped` with why. A failure of one identity never
 * stops the others. A cancellation (`signal`), a terminal API error (the server unreachable) or an internal error
 * stops the run: no new write starts, the writes in flight finish, the rest is `not_attempted`. Once a write may have
 * happened it never throws. Throws a UserError before any write when the plan has issues, deletes more than
 * `maxDeletes`, creates identities with `recovery:` without `keepRecoveries`, or has a bcrypt cost out of range.
 */
export async function applyPlan(plan: Plan, admin: OryAdmin, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (plan.issues.length > 0) throw new UserError(`the plan has ${plan.issues.length} error(s); nothing was written`);
  const actions = plan.sets.flatMap((s) => s.actions);
  let creates = actions.filter((a): a is CreateAction => a.action === "create");
  let updates = actions.filter((a): a is UpdateAction => a.action === "update" || a.action === "adopt");
  const deletes = actions.filter((a): a is DeleteAction => a.action === "delete");
  const capped = deleteCapRefusal(plan, options.maxDeletes);
  if (capped) throw new UserError(capped.message, [], capped.hint);
  const invites = recoveriesPlanned(plan);
  if (invites > 0 && !options.keepRecoveries) throw new UserError(recoveryRefusal(invites));
  if (options.prehashPasswords)
    [creates, updates] = await prehashed(creates, updates, options.bcryptCost ?? DEFAULT_BCRYPT_COST);

  const total = creates.length + updates.length + deletes.length;
  const outcomes: Outcome[] = [];
  const recorded = new Set<WriteAction>();
  const invited: Array<{ action: CreateAction; id: string }> = [];
  const run = runState(options.signal);
  /** Actions whose write was started; set when apply returned without waiting for their answers. */
  const started = new Set<WriteAction>();
  let returned = false;
  const record: Recorder = (action, result, id, reason, failure) => {
    if (recorded.has(action) || returned) return;
    recorded.add(action);
    if (action.action === "create" && action.recovery && result === "created" && id && reason === undefined)
      invited.push({ action, id });
    const outcome: Outcome = {
      set: action.set,
      key: shownKey(action),
      subject: subject(action.set, shownKey(action)),
      action: action.action,
      result,
      id,
      reason,
      ...(failure ? { failure } : {}),
    };
    outcomes.push(outcome);
    try {
      options.onOutcome?.(outcome, outcomes.length, total);
    } catch (error) {
      run.stop(error); // the outcome stands; a caller's callback that throws (a bug) ends the run
    }
  };
  /** `work` for one action, started only while the run goes on; what escapes it fails the action and stops the run. */
  const each =
    <A extends WriteAction>(work: (a: A) => Promise<void>) =>
    async (action: A) => {
      if (run.halted()) return;
      started.add(action);
      try {
        await work(action);
      } catch (error) {
        if (!recorded.has(action))
          record(action, "failed", "id" in action ? action.id : undefined, errorMessage(error), { kind: "internal" });
        run.stop(error);
      }
    };
  const concurrency = Math.max(1, options.concurrency ?? 8);

  // Writes that take a unique value another update frees (a move, Plan.after) wait for that update.
  const after = plan.after ?? {};
  const waits = (a: CreateAction | UpdateAction) => after[subject(a.set, a.key)] ?? [];
  const results = new Map<string, Result>();
  /** Why `a` is not written: an update it waits for failed (undefined when none did). */
  const blocked = (a: CreateAction | UpdateAction) => {
    const failed = waits(a).filter((w) => results.get(w) === "failed");
    return failed.length > 0
      ? `not written: it takes a value that ${failed.join(", ")} was to free first, and that write failed`
      : undefined;
  };
  const recordDone: Recorder = (action, result, id, reason, failure) => {
    if (action.action !== "delete") results.set(subject(action.set, action.key), result);
    record(action, result, id, reason, failure);
  };
  const writer: Writer = {
    record: recordDone,
    fail: (action, error, id, reason = errorMessage(error)) => {
      recordDone(action, "failed", id, reason, failureOf(error));
      if (stopsTheRun(error)) run.stop(error);
    },
    run,
    started: (action) => started.add(action),
  };
  const inFlight = Math.min(concurrency, BATCHES_IN_FLIGHT);
  let recoveries: RecoveryRecord[] = [];

  const work = (async () => {
    try {
      const [early, late] = [creates.filter((a) => waits(a).length === 0), creates.filter((a) => waits(a).length > 0)];
      if (early.length > 0 && !run.halted()) await applyCreates(plan, early, admin, writer, inFlight);
      await inOrder(
        updates,
        waits,
        concurrency,
        each(async (action) => {
          const reason = blocked(action);
          if (reason) return recordDone(action, "failed", action.id, reason, { kind: "blocked" });
          try {
            const answered = await applyUpdate(action, admin);
            const lost =
              answered && addressesNotKept(writtenAddresses(action.patch), answered, plan.options?.identifierRules);
            if (lost) recordDone(action, "failed", action.id, notKept(lost), { kind: "not_kept" });
            else recordDone(action, action.action === "adopt" ? "adopted" : "configured", action.id);
          } catch (error) {
            writer.fail(action, error, action.id);
          }
        }),
      );
      if (!run.halted()) {
        for (const action of late) {
          const reason = blocked(action);
          if (reason) recordDone(action, "failed", undefined, reason, { kind: "blocked" });
        }
        const unblocked = late.filter((a) => !blocked(a));
        if (unblocked.length > 0) await applyCreates(plan, unblocked, admin, writer, inFlight);
      }
      if (!run.halted()) recoveries = await issueRecoveries(invited, admin, concurrency);
      // A set's deletes wait for its creates: a failed create may be the replacement of an identity to be deleted
      // (a new key for the same person), and deleting it anyway would leave that person without an identity.
      const failedCreates = new Set(
        outcomes.filter((o) => o.action === "create" && o.result === "failed").map((o) => o.set),
      );
      await runPool(
        deletes,
        concurrency,
        each(async (action) => {
          if (failedCreates.has(action.set)) {
            record(
              action,
              "failed",
              action.id,
              `not deleted: a create in set ${action.set} failed, and it may be meant to replace this identity; fix it and run again`,
              { kind: "blocked" },
            );
            return;
          }
          try {
            await admin.deleteIdentity(action.id);
            record(action, "deleted", action.id);
          } catch (error) {
            writer.fail(action, error, action.id);
          }
        }),
      );
    } catch (error) {
      // Outside any one action (a read the creates need, the read-back of refused creates): the run ends here.
      run.stop(error);
    }
  })();
  // A cancelled run waits for the writes in flight, but not for a server that stopped answering.
  const grace = afterCancel(options.signal, options.cancelGraceMs ?? CANCEL_GRACE_MS);
  const waited = await Promise.race([work.then(() => true), grace.expired.then(() => false)]);
  grace.clear();
  if (!waited) {
    run.halted();
    const seconds = (options.cancelGraceMs ?? CANCEL_GRACE_MS) / 1000;
    for (const action of [...creates, ...updates, ...deletes].filter((a) => started.has(a))) {
      record(
        action,
        "failed",
        "id" in action ? action.id : undefined,
        `its write had no answer ${seconds} s after the run was cancelled; it may have been made: re-run to converge`,
        { kind: "outcome_unknown" },
      );
    }
  }

  const left = [...creates, ...updates, ...deletes].filter((a) => !recorded.has(a));
  if (left.length > 0 && !run.stopped)
    run.stop(new InternalError(`apply ended without an outcome for ${left.length} action(s)`));
  const why =
    run.stopped?.why === "cancelled"
      ? "the run was cancelled first"
      : `the run stopped first: ${run.stopped?.error.message}`;
  for (const action of left) record(action, "not_attempted", "id" in action ? action.id : undefined, why);
  // Identities created before the run stopped whose links were not asked for yet.
  const asked = new Set(recoveries.map((r) => r.id));
  for (const { action, id } of invited.filter((c) => !asked.has(c.id))) {
    const { method } = action.recovery!;
    recoveries.push({
      set: action.set,
      key: shownKey(action),
      id,
      method,
      error: `${subject(action.set, shownKey(action))}: created, but no recovery ${method} was issued: ${why}`,
    });
  }
  const failed =
    outcomes.filter((o) => o.result === "failed" || o.result === "not_attempted").length +
    recoveries.filter((r) => r.error !== undefined).length;
  // Writes not waited for may still answer: their outcomes stand as returned.
  returned = true;
  return { outcomes, failed, recoveries, ...(run.stopped ? { stopped: run.stopped } : {}) };
}

/**
 * A fresh run state. `halted()` turns true once `stop(error)` was called (an ApiError stops it as `terminal`,
 * anything else as `internal`) or `signal` fired (`cancelled`, with a UserError); the first reason is kept.
 */
function runState(signal: AbortSignal | undefined): RunState {
  let stopped: Stop | undefined;
  return {
    get stopped() {
      return stopped;
    },
    halted() {
      if (!stopped && signal?.aborted)
        stopped = {
          why: "cancelled",
          error: new UserError(
            "the apply was cancelled: no write was started after that",
            [],
            "run it again: the next plan shows what is left",
          ),
        };
      return stopped !== undefined;
    },
    stop(error) {
      if (stopped) return;
      stopped =
        error instanceof ApiError
          ? { why: "terminal", error }
          : { why: "internal", error: error instanceof Error ? error : new InternalError(String(error)) };
    },
  };
}

/**
 * The creates and updates with their plaintext passwords hashed locally (bcrypt, `cost` rounds) so they are sent as
 * `hashed_password`. Throws a UserError, before any write, when `cost` is not a whole number from 4 to 31.
 */
async function prehashed(
  creates: CreateAction[],
  updates: UpdateAction[],
  cost: number,
): Promise<[CreateAction[], UpdateAction[]]> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31)
    throw new UserError(`the bcrypt cost must be a whole number from 4 to 31, got ${cost}; nothing was written`);
  const hash = passwordHasher(cost);
  const each = <A extends CreateAction | UpdateAction>(list: A[]) =>
    Promise.all(
      list.map(async (a): Promise<A> => (a.credentials ? { ...a, credentials: await hash(a.credentials) } : a)),
    );
  return [await each(creates), await each(updates)];
}

/** `expired` resolves `graceMs` after `signal` fires (never without a signal); `clear` drops the timer and listener. */
function afterCancel(signal: AbortSignal | undefined, graceMs: number): { expired: Promise<void>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => undefined as void;
  const expired = new Promise<void>((resolve) => {
    onAbort = () => void (timer = setTimeout(resolve, graceMs));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  return { expired, clear: () => (clearTimeout(timer), signal?.removeEventListener("abort", onAbort)) };
}
