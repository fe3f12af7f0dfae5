// How an error of one identity's write becomes a typed failure (core/outcomes.ts FailureKind), and which errors stop
// a whole run: a server that cannot be reached, and anything unexpected (a bug), after which no write is trusted.
import { ApiError, UserError } from "../core/errors";
import type { Failure, FailureKind } from "../core/outcomes";
import { OryApiError, OryNetworkError, ServerUnreachableError, UncertainWriteError } from "../../ory/errors";

/**
 * A failure of one identity's write that the engine words itself, with its kind: e.g. an OIDC link another identity
 * holds (`conflict`, 409), a credential the server keeps as the last way to sign in (`rejected`, 400).
 */
export class WriteFailure extends ApiError {
  constructor(
    message: string,
    readonly failure: Failure,
  ) {
    super(message);
  }
}

/** The kind of a refusal by its HTTP status: 409 conflict, 429 rate_limited, 5xx server_error, else rejected. */
export function kindOfStatus(status: number | undefined): FailureKind {
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status !== undefined && status >= 500) return "server_error";
  return "rejected";
}

/**
 * What kind of failure `error` is for the identity whose write threw it: the server's status
 * (see {@link kindOfStatus}), `outcome_unknown` for a write whose answer was lost, `unreachable` for a network
 * failure after the retries, `internal` for anything else (a bug).
 */
export function failureOf(error: unknown): Failure {
  if (error instanceof WriteFailure) return error.failure;
  if (error instanceof OryApiError) return { kind: kindOfStatus(error.status), status: error.status };
  if (error instanceof UncertainWriteError) return { kind: "outcome_unknown" };
  if (error instanceof ServerUnreachableError || error instanceof OryNetworkError) return { kind: "unreachable" };
  return { kind: "internal" };
}

/** Whether `error` ends the whole run (no new write is started): a terminal API error (the server unreachable), or
 * an internal one. A refusal of one identity (4xx, 5xx, 429 after retries, a lost answer) does not. */
export function stopsTheRun(error: unknown): boolean {
  if (error instanceof ApiError) return error.terminal;
  return !(error instanceof UserError);
}
