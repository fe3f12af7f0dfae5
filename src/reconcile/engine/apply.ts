// Executes a plan against the admin API. Creates are batched and verified; updates use the minimal JSON Patch
// (PUT only when credentials change); deletes last, and none in a set where a create failed. A failed item never
// stops the others; a terminal error (the server unreachable), an internal one or a cancellation stops the run, and
// every action then still gets its outcome.
import { BATCHES_IN_FLIGHT, batchLimit, createBatchSizes } from "../core/capabilities";
import { addressesNotKept } from "../core/addresses";
import { deleteCapRefusal } from "../core/delete-cap";
import { ApiError, errorMessage, InternalError, UserError } from "../core/errors";
import type { Failure, Outcome, Result } from "../core/outcomes";
import { OryApiError } from "../../ory/errors";
import type { BatchItemResult, OryAdmin } from "./admin";
import { createBody, notInPutBody, passwordHasher, putBody } from "../core/bodies";
import { desiredAddresses, Doc } from "../core/normalize";
import { resolveConflicts } from "./conflicts";
import { failureOf, kindOfStatus, stopsTheRun, WriteFailure } from "./failures";
import { retrySafe } from "../core/patch";
import { defaultSchemaId, ServerSchema } from "../core/schema-check";
import { runPool } from "../core/pool";
import { issueRecoveries, recoveriesPlanned, recoveryRefusal, RecoveryRecord } from "./recovery";
import { Action, IdentifierRules, IdentityBody, JsonObject, LiveIdentity, PatchOp, Plan, shownKey, subject } from "../core/types";

export type { Failure, FailureKind, Outcome, Result } from "../core/outcomes";

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

/**
 * Why a run stopped before it tried every action: `cancelled` (ApplyOptions.signal; the error is a UserError),
 * `terminal` (an API error after which no request can succeed, e.g. the server unreachable), or `internal` (a bug,
 * or a failure the engine cannot work around, such as a read-back of created identities that failed).
 */
export interface Stop {
  why: "cancelled" | "terminal" | "internal";
  error: Error;
}

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

type CreateAction = Extract<Action, { action: "create" }>;
type UpdateAction = Extract<Action, { action: "update" | "adopt" }>;
type DeleteAction = Extract<Action, { action: "delete" }>;
type WriteAction = Exclude<Action, { action: "noop" }>;

/** Records one action's outcome: a result, the id, and for `failed` a reason and its typed failure. */
type Recorder = (action: WriteAction, result: Result, id?: string, reason?: string, failure?: Failure) => void;

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
  if (options.prehashPasswords) [creates, updates] = await prehashed(creates, updates, options.bcryptCost ?? DEFAULT_BCRYPT_COST);

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
    if (action.action === "create" && action.recovery && result === "created" && id && reason === undefined) invited.push({ action, id });
    const outcome: Outcome = { set: action.set, key: shownKey(action), subject: subject(action.set, shownKey(action)), action: action.action, result, id, reason, ...(failure ? { failure } : {}) };
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
        if (!recorded.has(action)) record(action, "failed", "id" in action ? action.id : undefined, errorMessage(error), { kind: "internal" });
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
    return failed.length > 0 ? `not written: it takes a value that ${failed.join(", ")} was to free first, and that write failed` : undefined;
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
    await inOrder(updates, waits, concurrency, each(async (action) => {
      const reason = blocked(action);
      if (reason) return recordDone(action, "failed", action.id, reason, { kind: "blocked" });
      try {
        const answered = await applyUpdate(action, admin);
        const lost = answered && addressesNotKept(writtenAddresses(action.patch), answered, plan.options?.identifierRules);
        if (lost) recordDone(action, "failed", action.id, notKept(lost), { kind: "not_kept" });
        else recordDone(action, action.action === "adopt" ? "adopted" : "configured", action.id);
      } catch (error) {
        writer.fail(action, error, action.id);
      }
    }));
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
    const failedCreates = new Set(outcomes.filter((o) => o.action === "create" && o.result === "failed").map((o) => o.set));
    await runPool(deletes, concurrency, each(async (action) => {
      if (failedCreates.has(action.set)) {
        record(action, "failed", action.id, `not deleted: a create in set ${action.set} failed, and it may be meant to replace this identity; fix it and run again`, { kind: "blocked" });
        return;
      }
      try {
        await admin.deleteIdentity(action.id);
        record(action, "deleted", action.id);
      } catch (error) {
        writer.fail(action, error, action.id);
      }
    }));
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
      record(action, "failed", "id" in action ? action.id : undefined, `its write had no answer ${seconds} s after the run was cancelled; it may have been made: re-run to converge`, { kind: "outcome_unknown" });
    }
  }

  const left = [...creates, ...updates, ...deletes].filter((a) => !recorded.has(a));
  if (left.length > 0 && !run.stopped) run.stop(new InternalError(`apply ended without an outcome for ${left.length} action(s)`));
  const why = run.stopped?.why === "cancelled" ? "the run was cancelled first" : `the run stopped first: ${run.stopped?.error.message}`;
  for (const action of left) record(action, "not_attempted", "id" in action ? action.id : undefined, why);
  // Identities created before the run stopped whose links were not asked for yet.
  const asked = new Set(recoveries.map((r) => r.id));
  for (const { action, id } of invited.filter((c) => !asked.has(c.id))) {
    const { method } = action.recovery!;
    recoveries.push({ set: action.set, key: shownKey(action), id, method, error: `${subject(action.set, shownKey(action))}: created, but no recovery ${method} was issued: ${why}` });
  }
  const failed = outcomes.filter((o) => o.result === "failed" || o.result === "not_attempted").length + recoveries.filter((r) => r.error !== undefined).length;
  // Writes not waited for may still answer: their outcomes stand as returned.
  returned = true;
  return { outcomes, failed, recoveries, ...(run.stopped ? { stopped: run.stopped } : {}) };
}

/** Whether a run goes on: `halted()` once it was stopped (the first reason wins) or `signal` fired. */
interface RunState {
  readonly stopped: Stop | undefined;
  halted(): boolean;
  stop(error: unknown): void;
}

function runState(signal: AbortSignal | undefined): RunState {
  let stopped: Stop | undefined;
  return {
    get stopped() {
      return stopped;
    },
    halted() {
      if (!stopped && signal?.aborted) stopped = { why: "cancelled", error: new UserError("the apply was cancelled: no write was started after that", [], "run it again: the next plan shows what is left") };
      return stopped !== undefined;
    },
    stop(error) {
      if (stopped) return;
      stopped = error instanceof ApiError ? { why: "terminal", error } : { why: "internal", error: error instanceof Error ? error : new InternalError(String(error)) };
    },
  };
}

/**
 * Runs `work` for every item, at most `concurrency` at a time, each only after the items it waits for (`waits`, by
 * subject; waits on subjects that are not items are already met) have finished. Items in a cycle (which a plan
 * refuses before apply) run last, in any order.
 */
async function inOrder(items: UpdateAction[], waits: (a: UpdateAction) => string[], concurrency: number, work: (a: UpdateAction) => Promise<void>): Promise<void> {
  const pending = new Set(items.map((a) => subject(a.set, a.key)));
  let left = items;
  while (left.length > 0) {
    let ready = left.filter((a) => waits(a).every((w) => !pending.has(w)));
    if (ready.length === 0) ready = left;
    await runPool(ready, concurrency, work);
    const finished = new Set(ready);
    for (const a of ready) pending.delete(subject(a.set, a.key));
    left = left.filter((a) => !finished.has(a));
  }
}

/**
 * One identity's writes: a JSON Patch (`PATCH /admin/identities/{id}`), or when credentials change a PUT of the full
 * document (`GET` then `PUT /admin/identities/{id}`, then a PATCH of what a PUT cannot carry); then one `DELETE
 * /admin/identities/{id}/credentials/{type}` per credential type declared `absent`, and one `DELETE
 * /admin/identities/{id}/credentials/oidc?identifier=…` per link to remove. Links are added before any is removed,
 * so a changed subject never leaves the identity without a way to sign in in between. When the plan revokes the
 * sessions (revoke_sessions), `DELETE /admin/identities/{id}/sessions` comes before the writes and again after them.
 * Resolves to the identity as
 * the server answered the last PATCH or PUT (undefined when neither was sent).
 */
async function applyUpdate(action: UpdateAction, admin: OryAdmin): Promise<LiveIdentity | undefined> {
  let answered: LiveIdentity | undefined;
  // Before the write: when revoking fails, nothing is written, and a re-run (which plans the same deactivation,
  // adoption or password) revokes again. Once the identity is written, a later plan could no longer tell.
  if (action.revoke_sessions) await admin.deleteIdentitySessions(action.id);
  // The client retries a PATCH whose answer was lost: send it in a form that survives being applied twice.
  if (!action.credentials) {
    if (action.patch.length > 0) answered = await admin.patchIdentity(action.id, retrySafe(action.patch));
  } else {
    const current = await admin.getIdentity(action.id);
    try {
      answered = await admin.putIdentity(action.id, putBody(current, action.patch, action.credentials));
    } catch (error) {
      if (!(error instanceof OryApiError) || error.status !== 409 || !action.credentials.oidc) throw error;
      return linkConflict(action, admin, error);
    }
    const afterPut = action.patch.filter(notInPutBody);
    if (afterPut.length > 0) answered = await admin.patchIdentity(action.id, retrySafe(afterPut));
  }
  for (const type of action.remove ?? []) {
    if (!admin.deleteCredentialType) throw new WriteFailure(`cannot remove the ${type} credential: this client has no way to`, { kind: "internal" });
    try {
      await admin.deleteCredentialType(action.id, type);
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400) throw new WriteFailure(`cannot remove the ${type} credential: ${error.message}`, { kind: "rejected", status: 400 });
      throw error;
    }
  }
  for (const link of action.unlinkSaml ?? []) {
    try {
      await admin.deleteCredentialIdentifier(action.id, "saml", link.reveal());
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400) throw new WriteFailure(`cannot remove a SAML link: ${error.message} (the server keeps an identity's last way to sign in; a Kratos without a SAML strategy counts no SAML link as one, so it needs two other first factors, e.g. a password and an OIDC link)`, { kind: "rejected", status: 400 });
      throw error;
    }
  }
  for (const identifier of action.unlink ?? []) {
    try {
      await admin.deleteCredentialIdentifier(action.id, "oidc", identifier);
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400) {
        throw new WriteFailure(`cannot remove the OIDC link ${identifier}: ${error.message} (the server keeps an identity's last way to sign in: give it a password or keep one provider)`, { kind: "rejected", status: 400 });
      }
      throw error;
    }
  }
  // And after it: a login in between would otherwise keep a session (suspended, to come back on reactivation).
  if (action.revoke_sessions) await admin.deleteIdentitySessions(action.id);
  return answered;
}

/**
 * A PUT that adds OIDC links answered 409: another run may have added the same links to this identity since the
 * plan read it (Kratos appends a PUT's links, so a second add of the same link conflicts), or another identity holds
 * one of them. The identity is read back (`GET /admin/identities/{id}?include_credential=oidc`): when it already holds
 * every link to add, the rest of the update is written without them (it is success); otherwise the error names the
 * links that another identity holds.
 */
async function linkConflict(action: UpdateAction, admin: OryAdmin, error: OryApiError): Promise<LiveIdentity | undefined> {
  const current = await admin.getIdentity(action.id);
  const held = new Set(current.credentials?.oidc?.identifiers ?? []);
  const adding = (action.credentials?.oidc?.providers ?? []).map((p) => `${p.provider}:${p.subject}`);
  const missing = adding.filter((link) => !held.has(link));
  if (missing.length > 0) {
    throw new WriteFailure(`the server refused to link ${missing.map((l) => `OIDC ${l}`).join(", ")} (${error.status}: ${error.message}): another identity holds ${missing.length === 1 ? "it" : "them"}; remove it there first, or declare another subject`, { kind: "conflict", status: error.status });
  }
  const { oidc: _linked, ...rest } = action.credentials ?? {};
  return applyUpdate({ ...action, credentials: Object.keys(rest).length > 0 ? rest : undefined }, admin);
}

/** The address lists a patch writes (replaced whole, as desiredDoc shapes them). */
function writtenAddresses(patch: ReadonlyArray<PatchOp>): Doc {
  const out: Doc = {};
  for (const op of patch) {
    if (op.op !== "remove" && (op.path === "/verifiable_addresses" || op.path === "/recovery_addresses")) out[op.path.slice(1)] = op.value;
  }
  return out;
}

function notKept(lost: string): string {
  return `not kept by the server: ${lost} (the identity schema derives the addresses it keeps from marked traits)`;
}

/**
 * The created identities that declare addresses, read back (`GET /admin/identities?ids=…`, one request) and compared
 * with what was declared: each is "created", or "failed" naming what the server did not keep. A read-back that fails
 * leaves them `outcome_unknown` (and stops the run when its error does).
 */
async function checkCreated(created: Array<{ action: CreateAction; id: string }>, admin: OryAdmin, w: Writer, rules?: IdentifierRules): Promise<void> {
  if (created.length === 0) return;
  let read: Map<string, LiveIdentity>;
  try {
    read = new Map((await admin.listIdentitiesByIds(created.map((c) => c.id), { consistency: "strong" })).map((i) => [i.id, i]));
  } catch (error) {
    for (const { action, id } of created) w.record(action, "failed", id, `created, but reading it back failed: ${errorMessage(error)}`, { kind: "outcome_unknown" });
    if (stopsTheRun(error)) w.run.stop(error);
    return;
  }
  for (const { action, id } of created) {
    const answered = read.get(id);
    const lost = answered ? addressesNotKept(desiredAddresses(action.body, rules), answered, rules) : "the identity could not be read back";
    if (lost) w.record(action, "failed", id, notKept(lost), { kind: "not_kept" });
    else w.record(action, "created", id);
  }
}

function declaresAddresses(body: IdentityBody): boolean {
  return body.verifiable_addresses !== undefined || body.recovery_addresses !== undefined;
}

/** What the write phases share: how to record an outcome or a failure, and whether the run goes on. */
interface Writer {
  record: Recorder;
  /** Records `error` as the failure of `action` (typed by failureOf); stops the run when the error does. */
  fail(action: WriteAction, error: unknown, id?: string, reason?: string): void;
  run: RunState;
  /** Notes that the write of `action` is being sent (a write without an answer fails as `outcome_unknown`). */
  started(action: WriteAction): void;
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

/** At most `size` holders at once; waiters are served in the order they asked. */
function slots(size: number): <T>(work: () => Promise<T>) => Promise<T> {
  let free = size;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/**
 * Batched creates (`PATCH /admin/identities`), at most `inFlight` batch requests at a time (each batch holds other
 * identities, so no two writes touch the same one), sized by {@link createBatchSizes}. Every reported success is
 * verified by reading ids back (see `verified`), since a server may roll a whole batch back and still report ids;
 * the read-back does not hold a batch slot, so the next batch goes out as soon as the server has answered.
 *
 * - An item refused on its own with 409 (a unique value is taken) is resolved after the batches: see
 *   {@link resolveConflicts}. Other per-item errors fail that item.
 * - Items reported created but not found (Kratos v1.3.1 rolls back the whole batch when one item fails) are sent
 *   again, without the items that failed (once more when no item failed).
 * - A batch refused whole (HTTP 400/409: e.g. one malformed hash) is split in halves, each sent as a batch, until
 *   the refused items stand alone: k bad items among n cost O(k log n) requests, never one request per identity.
 *
 * A failure that is not about single items (a read-back that could not be made) stops the run: the batch's items are
 * recorded (`outcome_unknown` for those reported created), no batch is sent after it, and the requests in flight are
 * awaited. Nothing is thrown after the first batch: every item sent gets its outcome, those never sent none (the
 * caller marks them not attempted).
 */
async function applyCreates(plan: Plan, creates: CreateAction[], admin: OryAdmin, w: Writer, inFlight: number): Promise<void> {
  const { record, run } = w;
  const caps = await admin.capabilities();
  // The server's default schema is read only when a create names none.
  const defaultSchemaId = creates.some((a) => a.body.schema_id === undefined) ? await defaultSchema(admin) : "default";
  const bodies = new Map(creates.map((a) => [a, createBody(a.body, a.credentials, defaultSchemaId)]));
  const body = (a: CreateAction) => bodies.get(a) as JsonObject;
  const writing = slots(inFlight);
  const conflicts = new Map<CreateAction, string>();
  /** A per-item refusal of the server, recorded (409s are resolved after the batches). */
  const refused = (action: CreateAction, result: Extract<BatchItemResult, { ok: false }>) => {
    if (result.status === 409) conflicts.set(action, result.reason);
    else record(action, "failed", undefined, result.reason, { kind: kindOfStatus(result.status), ...(result.status !== undefined ? { status: result.status } : {}) });
  };

  const send = async (batch: CreateAction[], resent = false): Promise<void> => {
    let results: BatchItemResult[] | undefined;
    try {
      // Undefined: not sent, because the run stopped while this batch waited for its slot. An error that stops the
      // run does so before the slot is freed, so that the next batch is not sent.
      results = await writing(async () => {
        if (run.halted()) return undefined;
        batch.forEach((a) => w.started(a));
        try {
          return await admin.batchCreate(batch.map((a, i) => ({ patchId: String(i), body: body(a) })));
        } catch (error) {
          if (stopsTheRun(error)) run.stop(error);
          throw error;
        }
      });
    } catch (error) {
      // No per-item answer (the client already retried what is safe to retry): the outcome is unknown, and
      // sending again could duplicate. A re-run pairs by key and converges.
      for (const action of batch) w.fail(action, error, undefined, `${errorMessage(error)}; re-run to converge`);
      return;
    }
    if (!results) return;
    const refusedWhole = results.find((r): r is Extract<BatchItemResult, { ok: false }> => !r.ok && r.whole === true);
    if (refusedWhole && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await Promise.all([send(batch.slice(0, half)), send(batch.slice(half))]);
      return;
    }
    const byPatchId = new Map(results.map((r) => [r.patchId, r]));
    let landed: Set<string>;
    try {
      landed = await verified(admin, results);
    } catch (error) {
      // Whether the reported creates were committed cannot be told: the run stops, and a re-run pairs by key.
      batch.forEach((action, i) => {
        const result = byPatchId.get(String(i));
        if (result && !result.ok) refused(action, result);
        else record(action, "failed", result?.id, `reported created, but reading it back failed: ${errorMessage(error)}; re-run to converge`, { kind: "outcome_unknown" });
      });
      run.stop(error);
      return;
    }
    const again: CreateAction[] = [];
    // Creates that declare addresses are recorded once they are read back (checkCreated).
    const toCheck: Array<{ action: CreateAction; id: string }> = [];
    batch.forEach((action, i) => {
      const result = byPatchId.get(String(i));
      if (result?.ok && landed.has(result.id)) {
        if (declaresAddresses(action.body)) toCheck.push({ action, id: result.id });
        else record(action, "created", result.id);
      }
      else if (result && !result.ok) refused(action, result);
      else again.push(action);
    });
    await checkCreated(toCheck, admin, w, plan.options?.identifierRules);
    if (again.length === 0) return;
    // Sent again: without the items that failed on their own (smaller each time), or once when nothing explains why
    // the reported ids are missing (a batch rolled back yet reported created); after that a re-run pairs by key.
    if (!run.halted() && (again.length < batch.length || !resent)) return send(again, again.length === batch.length);
    const why = run.halted() ? "not sent again: the run stopped first" : "re-run to converge";
    for (const action of again) record(action, "failed", undefined, `the server reported it created, but it was not found afterwards; ${why}`, { kind: "outcome_unknown" });
  };

  let start = 0;
  const chunks = createBatchSizes(creates.length, batchLimit(caps, [...bodies.values()]), inFlight).map((size) => creates.slice(start, (start += size)));
  // A throw of one batch (a bug) stops the run; the others finish what they have in flight.
  await Promise.all(chunks.map((chunk) => send(chunk).catch((error: unknown) => run.stop(error))));

  const conflict: Failure = { kind: "conflict", status: 409 };
  const unresolved = (create: CreateAction, why: string) => record(create, "failed", undefined, `${conflicts.get(create)}; ${why}`, conflict);
  if (run.halted()) {
    for (const create of conflicts.keys()) unresolved(create, "not resolved: the run stopped first");
    return;
  }
  let resolutions;
  try {
    resolutions = await resolveConflicts(plan, [...conflicts.keys()], admin, conflicts);
  } catch (error) {
    for (const create of conflicts.keys()) unresolved(create, `reading the live identities back failed: ${errorMessage(error)}`);
    run.stop(error);
    return;
  }
  await runPool(resolutions, inFlight, async (resolution) => {
    const { create } = resolution;
    if ("reason" in resolution) return record(create, "failed", undefined, resolution.reason, conflict);
    const { action } = resolution;
    if (action.action === "noop") return record(create, "present", action.id, "already present (created by an earlier or a concurrent run)");
    if (run.halted()) return unresolved(create, "not written: the run stopped first");
    try {
      await applyUpdate(action, admin);
      record(create, action.action === "adopt" ? "adopted" : "configured", action.id);
    } catch (error) {
      w.fail(create, error, action.id);
    }
  });
}

/**
 * The reported ids that exist on the server. A batch accepted whole was written in one transaction: its first and
 * last id read back show whether it was committed (every id is read only when one of them is missing). A batch with
 * a rejected item is read back whole: Kratos v1.3.1 then rolls the whole batch back yet reports the other ids.
 * Why not always every id: that is one list request per 100 ids, and each costs Kratos a scan of its identity table
 * (SQLite), so reading back all of them made seeding 10,000 identities about 20 % slower.
 */
async function verified(admin: OryAdmin, results: BatchItemResult[]): Promise<Set<string>> {
  const ids = results.flatMap((r) => (r.ok ? [r.id] : []));
  if (ids.length === 0) return new Set();
  // Strong: an eventually consistent read (Ory Network) could miss identities this batch just created.
  const read = async (list: string[]) => new Set((await admin.listIdentitiesByIds(list, { consistency: "strong" })).map((i) => i.id));
  if (ids.length === results.length && ids.length > 2) {
    const sample = [ids[0], ids[ids.length - 1]];
    const found = await read(sample);
    if (sample.every((id) => found.has(id))) return new Set(ids);
  }
  return read(ids);
}

async function prehashed(creates: CreateAction[], updates: UpdateAction[], cost: number): Promise<[CreateAction[], UpdateAction[]]> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new UserError(`the bcrypt cost must be a whole number from 4 to 31, got ${cost}; nothing was written`);
  const hash = passwordHasher(cost);
  const each = <A extends CreateAction | UpdateAction>(list: A[]) => Promise.all(list.map(async (a): Promise<A> => (a.credentials ? { ...a, credentials: await hash(a.credentials) } : a)));
  return [await each(creates), await each(updates)];
}

let schemaCache = new WeakMap<OryAdmin, Promise<ServerSchema[]>>();
/** The server's identity schemas, read once per client: the plan's traits check and the creates share them. */
export function identitySchemas(admin: OryAdmin): Promise<ServerSchema[]> {
  let cached = schemaCache.get(admin);
  if (!cached) {
    cached = admin.listSchemas();
    cached.catch(() => schemaCache.delete(admin)); // a failed read is not remembered
    schemaCache.set(admin, cached);
  }
  return cached;
}
async function defaultSchema(admin: OryAdmin): Promise<string> {
  return defaultSchemaId(await identitySchemas(admin));
}
export function resetSchemaCache(): void {
  schemaCache = new WeakMap();
}
