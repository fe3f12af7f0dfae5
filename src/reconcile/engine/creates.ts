// Batched creates (`PATCH /admin/identities`) and their verification: every reported success is read back
// (`GET /admin/identities?ids=…`), a batch refused whole is split, items a rolled-back batch lost are sent again,
// conflicts (409) are resolved after the batches, and created identities that declare addresses are checked for
// what the server kept.
import { batchLimit, createBatchSizes } from "../core/capabilities";
import { addressesNotKept } from "../core/addresses";
import { createBody } from "../core/bodies";
import { errorMessage } from "../core/errors";
import type { Failure } from "../core/outcomes";
import { desiredAddresses } from "../core/normalize";
import { runPool } from "../core/pool";
import { IdentifierRules, IdentityBody, JsonObject, LiveIdentity, Plan } from "../core/types";
import type { BatchItemResult, OryAdmin } from "./admin";
import { resolveConflicts } from "./conflicts";
import { kindOfStatus, stopsTheRun } from "./failures";
import { defaultSchema } from "./schemas";
import { applyUpdate, notKept } from "./updates";
import type { CreateAction, Writer } from "./writer";

/**
 * The created identities that declare addresses, read back (`GET /admin/identities?ids=…`, one request) and compared
 * with what was declared: each is "created", or "failed" naming what the server did not keep. A read-back that fails
 * leaves them `outcome_unknown` (and stops the run when its error does).
 */
async function checkCreated(
  created: Array<{ action: CreateAction; id: string }>,
  admin: OryAdmin,
  w: Writer,
  rules?: IdentifierRules,
): Promise<void> {
  if (created.length === 0) return;
  let read: Map<string, LiveIdentity>;
  try {
    read = new Map(
      (
        await admin.listIdentitiesByIds(
          created.map((c) => c.id),
          { consistency: "strong" },
        )
      ).map((i) => [i.id, i]),
    );
  } catch (error) {
    for (const { action, id } of created)
      w.record(action, "failed", id, `created, but reading it back failed: ${errorMessage(error)}`, {
        kind: "outcome_unknown",
      });
    if (stopsTheRun(error)) w.run.stop(error);
    return;
  }
  for (const { action, id } of created) {
    const answered = read.get(id);
    const lost = answered
      ? addressesNotKept(desiredAddresses(action.body, rules), answered, rules)
      : "the identity could not be read back";
    if (lost) w.record(action, "failed", id, notKept(lost), { kind: "not_kept" });
    else w.record(action, "created", id);
  }
}

function declaresAddresses(body: IdentityBody): boolean {
  return body.verifiable_addresses !== undefined || body.recovery_addresses !== undefined;
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
export async function applyCreates(
  plan: Plan,
  creates: CreateAction[],
  admin: OryAdmin,
  w: Writer,
  inFlight: number,
): Promise<void> {
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
    else
      record(action, "failed", undefined, result.reason, {
        kind: kindOfStatus(result.status),
        ...(result.status !== undefined ? { status: result.status } : {}),
      });
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
        else
          record(
            action,
            "failed",
            result?.id,
            `reported created, but reading it back failed: ${errorMessage(error)}; re-run to converge`,
            { kind: "outcome_unknown" },
          );
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
      } else if (result && !result.ok) refused(action, result);
      else again.push(action);
    });
    await checkCreated(toCheck, admin, w, plan.options?.identifierRules);
    if (again.length === 0) return;
    // Sent again: without the items that failed on their own (smaller each time), or once when nothing explains why
    // the reported ids are missing (a batch rolled back yet reported created); after that a re-run pairs by key.
    if (!run.halted() && (again.length < batch.length || !resent)) return send(again, again.length === batch.length);
    const why = run.halted() ? "not sent again: the run stopped first" : "re-run to converge";
    for (const action of again)
      record(action, "failed", undefined, `the server reported it created, but it was not found afterwards; ${why}`, {
        kind: "outcome_unknown",
      });
  };

  let start = 0;
  const chunks = createBatchSizes(creates.length, batchLimit(caps, [...bodies.values()]), inFlight).map((size) =>
    creates.slice(start, (start += size)),
  );
  // A throw of one batch (a bug) stops the run; the others finish what they have in flight.
  await Promise.all(chunks.map((chunk) => send(chunk).catch((error: unknown) => run.stop(error))));

  const conflict: Failure = { kind: "conflict", status: 409 };
  const unresolved = (create: CreateAction, why: string) =>
    record(create, "failed", undefined, `${conflicts.get(create)}; ${why}`, conflict);
  if (run.halted()) {
    for (const create of conflicts.keys()) unresolved(create, "not resolved: the run stopped first");
    return;
  }
  let resolutions;
  try {
    resolutions = await resolveConflicts(plan, [...conflicts.keys()], admin, conflicts);
  } catch (error) {
    for (const create of conflicts.keys())
      unresolved(create, `reading the live identities back failed: ${errorMessage(error)}`);
    run.stop(error);
    return;
  }
  await runPool(resolutions, inFlight, async (resolution) => {
    const { create } = resolution;
    if ("reason" in resolution) return record(create, "failed", undefined, resolution.reason, conflict);
    const { action } = resolution;
    if (action.action === "noop")
      return record(create, "present", action.id, "already present (created by an earlier or a concurrent run)");
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
  const read = async (list: string[]) =>
    new Set((await admin.listIdentitiesByIds(list, { consistency: "strong" })).map((i) => i.id));
  if (ids.length === results.length && ids.length > 2) {
    const sample = [ids[0], ids[ids.length - 1]];
    const found = await read(sample);
    if (sample.every((id) => found.has(id))) return new Set(ids);
  }
  return read(ids);
}
