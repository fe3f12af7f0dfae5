// What an apply did to each planned identity, as data, and its one-line text: the CLI (`! failed …`) and the Pulumi
// providers (their error messages) render outcomes with the same function.
import type { Action } from "./types";

/**
 * What happened to one planned identity. `present`: a planned create that the server refused because the identity
 * already existed (created by an earlier interrupted run or by a concurrent one), read back and found as declared;
 * nothing was written for it. `not_attempted`: nothing was sent for it, because the run stopped first (cancelled,
 * the server unreachable, an internal error); a re-run plans it again.
 */
export type Result = "created" | "present" | "configured" | "adopted" | "deleted" | "failed" | "not_attempted";

/**
 * Why an identity failed:
 * - `conflict`: the server answered 409, or another identity holds one of its unique values;
 * - `rejected`: the server refused the write with a 4xx (its reason is in `reason`);
 * - `rate_limited`: still 429 after the retries;
 * - `server_error`: still 5xx after the retries, on a request that is safe to repeat;
 * - `outcome_unknown`: the write may or may not have happened (the answer was lost, a 5xx on a write that is not
 *   safe to repeat, reported created but not found); a re-run pairs by key and converges;
 * - `unreachable`: no connection to the server could be made;
 * - `blocked`: not written because a write it depends on failed (a value to be freed first, a set's failed create);
 * - `not_kept`: written, but the server did not keep what was declared (addresses);
 * - `internal`: a bug of ory-reconcile.
 */
export type FailureKind =
  | "conflict"
  | "rejected"
  | "rate_limited"
  | "server_error"
  | "outcome_unknown"
  | "unreachable"
  | "blocked"
  | "not_kept"
  | "internal";

/** The typed part of a failure; the text for people is the outcome's `reason`. */
export interface Failure {
  kind: FailureKind;
  /** The HTTP status the server answered, when it answered one. */
  status?: number;
}

export interface Outcome {
  set: string;
  /** The key as shown (a sensitive key by its label). */
  key: string;
  /** `set/key`: how every line names this identity. */
  subject: string;
  action: Exclude<Action["action"], "noop">;
  result: Result;
  id?: string;
  /** Why it failed or was not attempted, or a note (`already present …`); never holds a secret the plan hid. */
  reason?: string;
  /** Set exactly when `result` is `failed`. */
  failure?: Failure;
}

/**
 * The one-line text of an outcome that did not reach its goal: `failed staff/ann@example.com (<id>): <reason>` or
 * `not attempted staff/bo@example.com: <reason>`; undefined for one that did. Not redacted: callers that print it
 * hide registered secrets (cli/errors.ts redactText).
 */
export function outcomeLine(outcome: Outcome): string | undefined {
  if (outcome.result !== "failed" && outcome.result !== "not_attempted") return undefined;
  const verb = outcome.result === "failed" ? "failed" : "not attempted";
  return `${verb} ${outcome.subject}${outcome.id ? ` (${outcome.id})` : ""}: ${outcome.reason ?? "no reason given"}`;
}

/** The lines of every outcome that did not reach its goal, in order (see {@link outcomeLine}). */
export function outcomeLines(outcomes: ReadonlyArray<Outcome>): string[] {
  return outcomes.flatMap((o) => {
    const line = outcomeLine(o);
    return line === undefined ? [] : [line];
  });
}
