// `ory-reconcile apply`
import { restoreExactIntegers } from "../reconcile/core/exact-json";
import { printable } from "../reconcile/core/printable";
import { readFileSync } from "node:fs";
import { applyPlan, ApplyResult, Outcome } from "../reconcile/engine/apply";
import { outcomeLines } from "../reconcile/core/outcomes";
import type { OryAdmin } from "../reconcile/engine/admin";
import { planSets } from "../reconcile/engine/engine";
import type { Plan } from "../reconcile/core/types";
import { JsonPlan, stalePlanReasons, toJsonPlan } from "../reconcile/core/jsonplan";
import { parseSavedPlan } from "../reconcile/core/saved-plan";
import { renderPlan } from "../reconcile/core/render";
import { connect } from "./connect";
import { onDisk, redactStrings, redactText, UserError } from "./errors";
import { loadOrFail } from "./load";
import { progress } from "./progress";
import { checkRecoveryOut, writeRecoveryOut } from "./recovery-out";
import { style } from "./style";

export interface ApplyFlags {
  paths: string[];
  vars?: Record<string, string>;
  endpoint?: string;
  insecureHttp?: boolean;
  plan?: string;
  prune?: boolean;
  /** A cap, "all" (none), or absent: the default cap (see defaultDeleteCap). */
  maxDeletes?: number | "all";
  concurrency?: number;
  adopt?: boolean;
  prehashPasswords?: boolean;
  bcryptCost?: number;
  /** `--recovery-out FILE`: where the recovery links and codes of created identities go (see recovery-out.ts). */
  recoveryOut?: string;
  output: "text" | "json";
  /** Every identity on its own in the printed plan, also the copies of a `generate` entry. */
  verbose?: boolean;
}

/** The plan saved by `plan --out`, checked before anything is sent: a file that holds no such plan is refused. */
function readSavedPlan(path: string): JsonPlan {
  const hint = "create it with `ory-reconcile plan <paths> --out plan.json`";
  const text = onDisk(`read the saved plan ${path}`, () => readFileSync(path, "utf8"), {
    ENOENT: `check the path, or ${hint}`,
  });
  const saved = parseSavedPlan(text);
  if (saved.ok) return saved.plan;
  const what = saved.kind === "notJson" ? `is not JSON (${saved.problem})` : `is not a plan to apply: ${saved.problem}`;
  throw new UserError(`the saved plan ${path} ${what}; nothing was sent to the server`, [], hint);
}

/**
 * Outcomes counted by result, for `apply --output json`: `{ created, present, updated, adopted, deleted, failed }`,
 * plus `not_attempted` when a stopped run left any.
 */
export function outcomeCounts(outcomes: Outcome[]): Record<string, number> {
  const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
  const left: Record<string, number> = count("not_attempted") > 0 ? { not_attempted: count("not_attempted") } : {};
  return {
    created: count("created"),
    present: count("present"),
    updated: count("configured"),
    adopted: count("adopted"),
    deleted: count("deleted"),
    failed: count("failed"),
    ...left,
  };
}

export function summarize(outcomes: Outcome[]): string {
  const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
  // Creates found already done (an earlier or a concurrent run) are counted apart, and only when there are any.
  const present = count("present") > 0 ? ` ${count("present")} already present,` : "";
  const left = count("not_attempted") > 0 ? `, ${count("not_attempted")} not attempted` : "";
  return `Apply complete: ${count("created")} created,${present} ${count("configured")} updated, ${count("adopted")} adopted, ${count("deleted")} deleted, ${count("failed")} failed${left}.`;
}

/** The lines `! failed …` / `! not attempted …` of a result (see outcomeLine), then its recovery links not issued. */
export function failureLines(result: Pick<ApplyResult, "outcomes" | "recoveries">): string[] {
  const unissued = result.recoveries.flatMap((r) => (r.error !== undefined ? [`failed ${r.error}`] : []));
  return [...outcomeLines(result.outcomes), ...unissued].map((line) => `! ${line}`);
}

/**
 * Runs `work` with an AbortSignal that fires on the first SIGINT or SIGTERM (a second one ends the process as
 * usual): an apply stops starting writes, lets those in flight finish, and reports what it did.
 */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const interrupt = () => {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

export async function applyCommand(
  flags: ApplyFlags,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WriteStream,
  color: boolean,
): Promise<number> {
  const saved = flags.plan ? readSavedPlan(flags.plan) : undefined;
  if (flags.recoveryOut) checkRecoveryOut(flags.recoveryOut);
  const sets = loadOrFail(flags.paths, flags.vars);
  const admin = connect(flags);
  // A saved plan made with --show-unmanaged listed the live state: read it the same way, so that it compares.
  const { plan } = await planSets(sets, admin, {
    prune: flags.prune,
    adopt: flags.adopt === true,
    listAll: saved?.unmanaged !== undefined,
  });
  const json = toJsonPlan(plan);
  if (plan.issues.length > 0) {
    if (flags.output === "text" && !style.quiet)
      stdout.write(renderPlan(json, { color, verbose: flags.verbose === true }));
    throw new UserError(`the plan has ${plan.issues.length} error(s); nothing was written`, plan.issues);
  }
  if (saved) {
    const reasons = stalePlanReasons(saved, json);
    if (reasons.length > 0) {
      throw new UserError(
        `the saved plan ${flags.plan} is stale; nothing was written`,
        reasons.map((message) => ({ message })),
        "run `ory-reconcile plan --out` again and review it",
      );
    }
  }
  return writePlan(plan, json, admin, flags, { stdout, stderr, color, verb: "apply" });
}

/** How a command that writes a plan prints: where, in colour or not, and its progress label. */
export interface WriteIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  color: boolean;
  /** Progress label: `apply` or `destroy`. */
  verb: string;
}

/**
 * Prints the plan (text output, unless --quiet), applies it through applyPlan (the writes it makes: creates, PATCH /
 * PUT, credential and session DELETEs, recovery links, deletes) with a progress bar (none with --quiet), writes the
 * recovery links to `flags.recoveryOut`, then prints every failure and the summary line (text) or the plan, outcomes
 * and counts (JSON). Resolves to the exit code: 1 when an identity or an invite failed, else 0. A refused apply (delete
 * cap, missing --recovery-out) is a UserError before any write. A run that stopped early (SIGINT/SIGTERM, the server
 * unreachable, an internal error) prints every outcome, then throws its error for the CLI's handler (exit 1).
 * Shared by `apply`/`reconcile` and `destroy`.
 */
export async function writePlan(
  plan: Plan,
  json: JsonPlan,
  admin: OryAdmin,
  flags: Pick<
    ApplyFlags,
    "concurrency" | "maxDeletes" | "prehashPasswords" | "bcryptCost" | "recoveryOut" | "output" | "verbose"
  >,
  io: WriteIo,
): Promise<number> {
  const { stdout, stderr, color } = io;
  if (flags.output === "text" && !style.quiet)
    stdout.write(renderPlan(json, { color, verbose: flags.verbose === true }));
  // --quiet: no plan and no progress, only failures and the summary line.
  const bar = style.quiet ? { tick: () => undefined, end: () => undefined } : progress(stderr, io.verb);
  let result;
  try {
    result = await untilInterrupted((signal) =>
      applyPlan(plan, admin, {
        concurrency: flags.concurrency,
        maxDeletes: flags.maxDeletes === "all" ? undefined : (flags.maxDeletes ?? "default"),
        prehashPasswords: flags.prehashPasswords,
        bcryptCost: flags.bcryptCost,
        keepRecoveries: flags.recoveryOut !== undefined,
        onOutcome: (_o, done, total) => bar.tick(done, total),
        signal,
      }),
    );
  } finally {
    bar.end();
  }
  if (flags.recoveryOut) writeRecoveryOut(flags.recoveryOut, result.recoveries, stderr);
  const unissued = result.recoveries.flatMap((r) => (r.error !== undefined ? [r.error] : []));
  if (flags.output === "json") {
    const recoveries = unissued.length > 0 ? { recovery_errors: redactStrings(unissued) } : {};
    const text = JSON.stringify(
      {
        plan: json,
        outcomes: redactStrings(result.outcomes),
        summary: outcomeCounts(result.outcomes),
        failed: result.failed,
        ...recoveries,
      },
      null,
      2,
    );
    stdout.write(restoreExactIntegers(text) + "\n");
  } else {
    for (const line of failureLines(result)) stdout.write(printable(redactText(line)) + "\n");
    stdout.write(summarize(result.outcomes) + "\n");
  }
  // A stopped run (cancelled, the server unreachable, a bug) ends with its error, reported by the one handler.
  if (result.stopped) throw result.stopped.error;
  return result.failed > 0 ? 1 : 0;
}
