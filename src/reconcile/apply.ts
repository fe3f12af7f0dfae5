// Executes a plan against the admin API. Creates are batched and verified; updates use the minimal JSON Patch
// (PUT only when credentials change); deletes last. A failed item never stops the others.
import { batchLimit } from "../ory/capabilities";
import type { BatchItemResult, OryAdmin } from "./admin";
import { createBody, notInPutBody, passwordHasher, putBody } from "./bodies";
import { resolveConflicts } from "./conflicts";
import { retrySafe } from "./patch";
import { defaultSchemaId, ServerSchema } from "./schema-check";
import { runPool } from "./pool";
import { Action, JsonObject, Plan, subject } from "./types";

/** What happened to one planned identity. */
export type Result = "created" | "configured" | "adopted" | "deleted" | "failed";

export interface Outcome {
  set: string;
  key: string;
  subject: string;
  action: Exclude<Action["action"], "noop">;
  result: Result;
  id?: string;
  reason?: string;
}

export interface ApplyOptions {
  /**
   * Parallel writes. Default 8: single-identity writes (PATCH/PUT/DELETE; each to its own path) up to this many,
   * create batches up to `BATCHES_IN_FLIGHT` (or this, when lower). 1: one request at a time.
   */
  concurrency?: number;
  /** Refuse before the first write when the plan deletes more than this. */
  maxDeletes?: number;
  /** Called after every finished item. */
  onOutcome?: (outcome: Outcome, done: number, total: number) => void;
  /**
   * Hash plaintext passwords locally with bcrypt and send them as `hashed_password`: the server hashes nothing, and
   * a batch may hold the larger limit (1000 instead of 200 on Ory Network / Kratos >= v25).
   */
  prehashPasswords?: boolean;
  /** bcrypt cost of `prehashPasswords`, 4..31 (default 10: a quarter of the work of Kratos' own default, 12). */
  bcryptCost?: number;
}

export const DEFAULT_BCRYPT_COST = 10;

/**
 * Create batches sent at once. The server validates every identity of a batch (Kratos v1.3.1 spends most of a
 * batch's CPU there), so two in flight keep two server cores busy; more only queue on the database's write lock.
 */
export const BATCHES_IN_FLIGHT = 2;

/** `count` split into `parts` sizes that differ by at most one (larger first). */
function evenly(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0));
}

/**
 * The sizes of the create batches for `count` identities, at most `limit` each, `inFlight` sent at a time: the
 * fewest batches the limit allows, and when that is more than one, a multiple of `inFlight` of equal size, so that
 * the last round keeps every slot busy instead of one half-empty batch running alone at the end (3,000 on Kratos
 * v1.3.1: 1500 + 1500, not 2000 + 1000; 5,000: 4 × 1250, not 3 × 2000 one after the other at the end).
 */
export function createBatchSizes(count: number, limit: number, inFlight: number): number[] {
  if (count <= 0) return [];
  const fewest = Math.ceil(count / limit);
  return evenly(count, fewest === 1 ? 1 : Math.ceil(fewest / inFlight) * inFlight);
}

export interface ApplyResult {
  outcomes: Outcome[];
  failed: number;
}

export class ApplyRefused extends Error {}

type CreateAction = Extract<Action, { action: "create" }>;
type UpdateAction = Extract<Action, { action: "update" | "adopt" }>;
type DeleteAction = Extract<Action, { action: "delete" }>;

function errorReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function applyPlan(plan: Plan, admin: OryAdmin, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (plan.issues.length > 0) throw new ApplyRefused(`the plan has ${plan.issues.length} error(s); nothing was written`);
  const actions = plan.sets.flatMap((s) => s.actions);
  let creates = actions.filter((a): a is CreateAction => a.action === "create");
  let updates = actions.filter((a): a is UpdateAction => a.action === "update" || a.action === "adopt");
  const deletes = actions.filter((a): a is DeleteAction => a.action === "delete");
  if (options.maxDeletes !== undefined && deletes.length > options.maxDeletes) {
    throw new ApplyRefused(`the plan deletes ${deletes.length} identities, more than --max-deletes ${options.maxDeletes}; nothing was written`);
  }
  if (options.prehashPasswords) [creates, updates] = await prehashed(creates, updates, options.bcryptCost ?? DEFAULT_BCRYPT_COST);

  const total = creates.length + updates.length + deletes.length;
  const outcomes: Outcome[] = [];
  const record = (action: Exclude<Action, { action: "noop" }>, result: Result, id?: string, reason?: string) => {
    const outcome: Outcome = { set: action.set, key: action.key, subject: subject(action.set, action.key), action: action.action, result, id, reason };
    outcomes.push(outcome);
    options.onOutcome?.(outcome, outcomes.length, total);
  };
  const concurrency = Math.max(1, options.concurrency ?? 8);

  if (creates.length > 0) await applyCreates(plan, creates, admin, record, Math.min(concurrency, BATCHES_IN_FLIGHT));
  await runPool(updates, concurrency, async (action) => {
    try {
      await applyUpdate(action, admin);
      record(action, action.action === "adopt" ? "adopted" : "configured", action.id);
    } catch (error) {
      record(action, "failed", action.id, errorReason(error));
    }
  });
  await runPool(deletes, concurrency, async (action) => {
    try {
      await admin.deleteIdentity(action.id);
      record(action, "deleted", action.id);
    } catch (error) {
      record(action, "failed", action.id, errorReason(error));
    }
  });
  return { outcomes, failed: outcomes.filter((o) => o.result === "failed").length };
}

async function applyUpdate(action: UpdateAction, admin: OryAdmin): Promise<void> {
  // The client retries a PATCH whose answer was lost: send it in a form that survives being applied twice.
  if (!action.credentials) {
    await admin.patchIdentity(action.id, retrySafe(action.patch));
    return;
  }
  const current = await admin.getIdentity(action.id);
  await admin.putIdentity(action.id, putBody(current, action.patch, action.credentials));
  const afterPut = action.patch.filter(notInPutBody);
  if (afterPut.length > 0) await admin.patchIdentity(action.id, retrySafe(afterPut));
}

type Recorder = (action: CreateAction, result: Result, id?: string, reason?: string) => void;

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
 * A failure that is not about single items (a read-back that could not be made) ends the creates: no batch is sent
 * after it, the requests in flight are awaited, then it is thrown.
 */
async function applyCreates(plan: Plan, creates: CreateAction[], admin: OryAdmin, record: Recorder, inFlight: number): Promise<void> {
  const caps = await admin.capabilities();
  const defaultSchemaId = await defaultSchema(admin);
  const bodies = new Map(creates.map((a) => [a, createBody(a.body, a.credentials, defaultSchemaId)]));
  const body = (a: CreateAction) => bodies.get(a) as JsonObject;
  const writing = slots(inFlight);
  let failure: { error: unknown } | undefined;
  const conflicts = new Map<CreateAction, string>();

  const send = async (batch: CreateAction[], resent = false): Promise<void> => {
    let results: BatchItemResult[] | undefined;
    try {
      // Undefined: not sent, because a failure came while this batch waited for its slot.
      results = await writing(async () => (failure ? undefined : admin.batchCreate(batch.map((a, i) => ({ patchId: String(i), body: body(a) })))));
    } catch (error) {
      // No per-item answer (the client already retried what is safe to retry): the outcome is unknown, and
      // sending again could duplicate. A re-run pairs by key and converges.
      for (const action of batch) record(action, "failed", undefined, `${errorReason(error)}; re-run to converge`);
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
    const landed = await verified(admin, results);
    const again: CreateAction[] = [];
    batch.forEach((action, i) => {
      const result = byPatchId.get(String(i));
      if (result?.ok && landed.has(result.id)) record(action, "created", result.id);
      else if (result && !result.ok && result.status === 409) conflicts.set(action, result.reason);
      else if (result && !result.ok) record(action, "failed", undefined, result.reason);
      else again.push(action);
    });
    if (again.length === 0) return;
    // Sent again: without the items that failed on their own (smaller each time), or once when nothing explains why
    // the reported ids are missing (a batch rolled back yet reported created); after that a re-run pairs by key.
    if (again.length < batch.length || !resent) return send(again, again.length === batch.length);
    for (const action of again) record(action, "failed", undefined, "the server reported it created, but it was not found afterwards; re-run to converge");
  };

  let start = 0;
  const chunks = createBatchSizes(creates.length, batchLimit(caps, [...bodies.values()]), inFlight).map((size) => creates.slice(start, (start += size)));
  await Promise.all(chunks.map((chunk) => send(chunk).catch((error: unknown) => void (failure ??= { error }))));
  if (failure) throw failure.error;

  await runPool(await resolveConflicts(plan, [...conflicts.keys()], admin, conflicts), inFlight, async (resolution) => {
    const { create } = resolution;
    if ("reason" in resolution) return record(create, "failed", undefined, resolution.reason);
    const { action } = resolution;
    if (action.action === "noop") return record(create, "created", action.id, "already present (created by an earlier or a concurrent run)");
    try {
      await applyUpdate(action, admin);
      record(create, action.action === "adopt" ? "adopted" : "configured", action.id);
    } catch (error) {
      record(create, "failed", action.id, errorReason(error));
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
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new ApplyRefused(`the bcrypt cost must be a whole number from 4 to 31, got ${cost}; nothing was written`);
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
