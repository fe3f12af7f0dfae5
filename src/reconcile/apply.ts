// Executes a plan against the admin API. Creates are batched and verified; updates use the minimal JSON Patch
// (PUT only when credentials change); deletes last. A failed item never stops the others.
import { batchLimit } from "../ory/capabilities";
import { OryApiError } from "../ory/errors";
import type { BatchItemResult, OryAdmin } from "./admin";
import { createBody, notInPutBody, passwordHasher, putBody } from "./bodies";
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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

  if (creates.length > 0) await applyCreates(creates, admin, record, Math.min(concurrency, BATCHES_IN_FLIGHT));
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

/**
 * One identity's writes: a JSON Patch (`PATCH /admin/identities/{id}`), or when credentials change a PUT of the full
 * document (`GET` then `PUT /admin/identities/{id}`, then a PATCH of what a PUT cannot carry); then one `DELETE
 * /admin/identities/{id}/credentials/oidc?identifier=…` per link to remove. Links are added before any is removed,
 * so a changed subject never leaves the identity without a way to sign in in between.
 */
async function applyUpdate(action: UpdateAction, admin: OryAdmin): Promise<void> {
  // The client retries a PATCH whose answer was lost: send it in a form that survives being applied twice.
  if (!action.credentials) {
    if (action.patch.length > 0) await admin.patchIdentity(action.id, retrySafe(action.patch));
  } else {
    const current = await admin.getIdentity(action.id);
    await admin.putIdentity(action.id, putBody(current, action.patch, action.credentials));
    const afterPut = action.patch.filter(notInPutBody);
    if (afterPut.length > 0) await admin.patchIdentity(action.id, retrySafe(afterPut));
  }
  for (const identifier of action.unlink ?? []) {
    try {
      await admin.deleteCredentialIdentifier(action.id, "oidc", identifier);
    } catch (error) {
      if (error instanceof OryApiError && error.status === 400) {
        throw new Error(`cannot remove the OIDC link ${identifier}: ${error.message} (the server keeps an identity's last way to sign in: give it a password or keep one provider)`);
      }
      throw error;
    }
  }
}

type Recorder = (action: CreateAction, result: Result, id?: string, reason?: string) => void;

/**
 * Batched creates, `inFlight` batches at a time (each holds other identities, so no two writes touch the same one).
 * Every reported success is verified by reading ids back (see `verified`), since a server may roll a whole batch
 * back and still report ids. Items that did not land are sent again as one more batch, and what still fails is sent
 * as single creates, so one bad identity does not sink the others.
 */
async function applyCreates(creates: CreateAction[], admin: OryAdmin, record: Recorder, inFlight: number): Promise<void> {
  const caps = await admin.capabilities();
  const defaultSchemaId = await defaultSchema(admin);
  const bodies = new Map(creates.map((a) => [a, createBody(a.body, a.credentials, defaultSchemaId)]));
  const body = (a: CreateAction) => bodies.get(a) as JsonObject;
  const limit = batchLimit(caps, [...bodies.values()]);

  await runPool(chunks(creates, limit), inFlight, async (chunk) => {
    let pending = chunk;
    for (let round = 0; round < 2 && pending.length > 0; round++) {
      let results: BatchItemResult[];
      try {
        results = await admin.batchCreate(pending.map((a, i) => ({ patchId: String(i), body: body(a) })));
      } catch (error) {
        // No per-item answer (the client already retried what is safe to retry): the outcome is unknown, and
        // sending again could duplicate. A re-run pairs by key and converges.
        for (const action of pending) record(action, "failed", undefined, `${errorReason(error)}; re-run to converge`);
        pending = [];
        break;
      }
      const byPatchId = new Map(results.map((r) => [r.patchId, r]));
      const landed = await verified(admin, results);
      const rejected = results.filter((r) => !r.ok);
      const wholeBatchFailed = rejected.length === pending.length && pending.length > 1;
      const next: CreateAction[] = [];
      pending.forEach((action, i) => {
        const result = byPatchId.get(String(i));
        if (result?.ok && landed.has(result.id)) record(action, "created", result.id);
        else if (result && !result.ok && !wholeBatchFailed) record(action, "failed", undefined, result.reason);
        else next.push(action);
      });
      if (wholeBatchFailed) break;
      pending = next;
    }
    // What a batch could not settle goes one by one, in sequence.
    for (const action of pending) {
      try {
        const created = await admin.createIdentity(body(action));
        record(action, "created", created.id);
      } catch (error) {
        record(action, "failed", undefined, errorReason(error));
      }
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
