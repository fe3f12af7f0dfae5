// What the write phases of an apply share: the action shapes they write, how they record an outcome or a failure,
// and the run state that tells them whether the run goes on (stopped by a cancellation, a terminal or an internal
// error; apply.ts keeps it). Types only.
import type { Failure, Result } from "../core/outcomes";
import type { Action } from "../core/types";

/**
 * Why a run stopped before it tried every action: `cancelled` (ApplyOptions.signal; the error is a UserError),
 * `terminal` (an API error after which no request can succeed, e.g. the server unreachable), or `internal` (a bug,
 * or a failure the engine cannot work around, such as a read-back of created identities that failed).
 */
export interface Stop {
  why: "cancelled" | "terminal" | "internal";
  error: Error;
}

export type CreateAction = Extract<Action, { action: "create" }>;
export type UpdateAction = Extract<Action, { action: "update" | "adopt" }>;
export type DeleteAction = Extract<Action, { action: "delete" }>;
export type WriteAction = Exclude<Action, { action: "noop" }>;

/** Records one action's outcome: a result, the id, and for `failed` a reason and its typed failure. */
export type Recorder = (action: WriteAction, result: Result, id?: string, reason?: string, failure?: Failure) => void;

/** What the write phases share: how to record an outcome or a failure, and whether the run goes on. */
export interface Writer {
  record: Recorder;
  /** Records `error` as the failure of `action` (typed by failureOf); stops the run when the error does. */
  fail(action: WriteAction, error: unknown, id?: string, reason?: string): void;
  run: RunState;
  /** Notes that the write of `action` is being sent (a write without an answer fails as `outcome_unknown`). */
  started(action: WriteAction): void;
}

/** Whether a run goes on: `halted()` once it was stopped (the first reason wins) or `signal` fired. */
export interface RunState {
  readonly stopped: Stop | undefined;
  halted(): boolean;
  stop(error: unknown): void;
}
