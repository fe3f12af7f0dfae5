// `ory-reconcile apply`
import { printable } from "../reconcile/printable";
import { readFileSync } from "node:fs";
import { applyPlan, ApplyRefused, Outcome } from "../reconcile/apply";
import { planSets } from "../reconcile/engine";
import { JsonPlan, notAPlan, stalePlanReasons, toJsonPlan } from "../reconcile/jsonplan";
import { renderPlan } from "../reconcile/render";
import { connect } from "./connect";
import { onDisk, redactStrings, redactText, UserError } from "./errors";
import { loadOrFail } from "./load";
import { progress } from "./progress";

export interface ApplyFlags {
  paths: string[];
  vars?: Record<string, string>;
  endpoint?: string;
  insecureHttp?: boolean;
  plan?: string;
  prune?: boolean;
  maxDeletes?: number;
  concurrency?: number;
  adopt?: boolean;
  prehashPasswords?: boolean;
  bcryptCost?: number;
  output: "text" | "json";
}

/** The plan saved by `plan --out`, checked before anything is sent: a file that holds no such plan is refused. */
function readSavedPlan(path: string): JsonPlan {
  const text = onDisk(`read the saved plan ${path}`, () => readFileSync(path, "utf8"));
  const hint = "create it with `ory-reconcile plan <paths> --out plan.json`";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`the saved plan ${path} is not JSON (${(error as Error).message}); nothing was sent to the server`, [], hint);
  }
  const problem = notAPlan(value);
  if (problem) throw new UserError(`the saved plan ${path} is not a plan to apply: ${problem}; nothing was sent to the server`, [], hint);
  return value as JsonPlan;
}

export function summarize(outcomes: Outcome[]): string {
  const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
  return `Apply complete: ${count("created")} created, ${count("configured")} updated, ${count("adopted")} adopted, ${count("deleted")} deleted, ${count("failed")} failed.`;
}

export async function applyCommand(flags: ApplyFlags, stdout: NodeJS.WritableStream, stderr: NodeJS.WriteStream, color: boolean): Promise<number> {
  const saved = flags.plan ? readSavedPlan(flags.plan) : undefined;
  const sets = loadOrFail(flags.paths, flags.vars);
  const admin = connect(flags);
  const { plan } = await planSets(sets, admin, { prune: flags.prune, adopt: flags.adopt === true });
  const json = toJsonPlan(plan);
  if (plan.issues.length > 0) {
    if (flags.output === "text") stdout.write(renderPlan(json, { color }));
    throw new UserError(`the plan has ${plan.issues.length} error(s); nothing was written`, plan.issues);
  }
  if (saved) {
    const reasons = stalePlanReasons(saved, json);
    if (reasons.length > 0) {
      throw new UserError(`the saved plan ${flags.plan} is stale; nothing was written`, reasons.map((message) => ({ message })), "run `ory-reconcile plan --out` again and review it");
    }
  }
  if (flags.output === "text") stdout.write(renderPlan(json, { color }));
  const bar = progress(stderr, "apply");
  let result;
  try {
    result = await applyPlan(plan, admin, {
      concurrency: flags.concurrency,
      maxDeletes: flags.maxDeletes,
      prehashPasswords: flags.prehashPasswords,
      bcryptCost: flags.bcryptCost,
      onOutcome: (_o, done, total) => bar.tick(done, total),
    });
  } catch (error) {
    if (error instanceof ApplyRefused) throw new UserError(error.message);
    throw error;
  } finally {
    bar.end();
  }
  const failures = result.outcomes.filter((o) => o.result === "failed");
  if (flags.output === "json") {
    stdout.write(JSON.stringify({ plan: json, outcomes: redactStrings(result.outcomes), failed: result.failed }, null, 2) + "\n");
  } else {
    for (const f of failures) stdout.write(printable(redactText(`! failed ${f.subject}${f.id ? ` (${f.id})` : ""}: ${f.reason}`)) + "\n");
    stdout.write(summarize(result.outcomes) + "\n");
  }
  return failures.length > 0 ? 1 : 0;
}
