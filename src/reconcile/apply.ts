// Executes a plan against the admin API. Creates are batched and verified; updates use the minimal JSON Patch
// (PUT only when credentials change); deletes last. A failed item never stops the others.
import { batchLimit } from "../ory/capabilities";
import type { BatchItemResult, OryAdmin } from "./admin";
import { createBody, putBody } from "./bodies";
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
  /** Parallel single-identity writes (PATCH/PUT/DELETE; each to its own path). Default 8. */
  concurrency?: number;
  /** Refuse before the first write when the plan deletes more than this. */
  maxDeletes?: number;
  /** Called after every finished item. */
  onOutcome?: (outcome: Outcome, done: number, total: number) => void;
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function applyPlan(plan: Plan, admin: OryAdmin, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (plan.issues.length > 0) throw new ApplyRefused(`the plan has ${plan.issues.length} error(s); nothing was written`);
  const actions = plan.sets.flatMap((s) => s.actions);
  const creates = actions.filter((a): a is CreateAction => a.action === "create");
  const updates = actions.filter((a): a is UpdateAction => a.action === "update" || a.action === "adopt");
  const deletes = actions.filter((a): a is DeleteAction => a.action === "delete");
  if (options.maxDeletes !== undefined && deletes.length > options.maxDeletes) {
    throw new ApplyRefused(`the plan deletes ${deletes.length} identities, more than --max-deletes ${options.maxDeletes}; nothing was written`);
  }

  const total = creates.length + updates.length + deletes.length;
  const outcomes: Outcome[] = [];
  const record = (action: Exclude<Action, { action: "noop" }>, result: Result, id?: string, reason?: string) => {
    const outcome: Outcome = { set: action.set, key: action.key, subject: subject(action.set, action.key), action: action.action, result, id, reason };
    outcomes.push(outcome);
    options.onOutcome?.(outcome, outcomes.length, total);
  };
  const concurrency = Math.max(1, options.concurrency ?? 8);

  if (creates.length > 0) await applyCreates(creates, admin, record);
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
  if (!action.credentials) {
    await admin.patchIdentity(action.id, action.patch);
    return;
  }
  const current = await admin.getIdentity(action.id);
  await admin.putIdentity(action.id, putBody(current, action.patch, action.credentials));
  const addressOps = action.patch.filter((op) => /^\/(verifiable|recovery)_addresses/.test(op.path));
  if (addressOps.length > 0) await admin.patchIdentity(action.id, addressOps);
}

type Recorder = (action: CreateAction, result: Result, id?: string, reason?: string) => void;

/**
 * Batched creates, one batch at a time (never two concurrent writes to the same path). Every reported success is
 * verified by reading the ids back, since a server may roll a whole batch back and still report ids. Items that
 * did not land are sent again as one more batch, and what still fails is sent as single creates, so one bad
 * identity does not sink the others.
 */
async function applyCreates(creates: CreateAction[], admin: OryAdmin, record: Recorder): Promise<void> {
  const caps = await admin.capabilities();
  const defaultSchemaId = await defaultSchema(admin);
  const bodies = new Map(creates.map((a) => [a, createBody(a.body, a.credentials, defaultSchemaId)]));
  const body = (a: CreateAction) => bodies.get(a) as JsonObject;
  const limit = batchLimit(caps, [...bodies.values()]);

  for (const chunk of chunks(creates, limit)) {
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
    // What a batch could not settle goes one by one (POSTs to one path, so in sequence).
    for (const action of pending) {
      try {
        const created = await admin.createIdentity(body(action));
        record(action, "created", created.id);
      } catch (error) {
        record(action, "failed", undefined, errorReason(error));
      }
    }
  }
}

async function verified(admin: OryAdmin, results: BatchItemResult[]): Promise<Set<string>> {
  const ids = results.flatMap((r) => (r.ok ? [r.id] : []));
  if (ids.length === 0) return new Set();
  const found = await admin.listIdentitiesByIds(ids);
  return new Set(found.map((i) => i.id));
}

let schemaCache = new WeakMap<OryAdmin, Promise<string>>();
async function defaultSchema(admin: OryAdmin): Promise<string> {
  let cached = schemaCache.get(admin);
  if (!cached) {
    cached = admin.listSchemas().then((schemas) => (schemas.some((s) => s.id === "default") || schemas.length === 0 ? "default" : schemas[0].id));
    schemaCache.set(admin, cached);
  }
  return cached;
}
export function resetSchemaCache(): void {
  schemaCache = new WeakMap();
}
