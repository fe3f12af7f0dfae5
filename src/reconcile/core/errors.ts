// The three kinds of error, for every caller (CLI, Pulumi, the engine): what the user gave or asked for is wrong
// (`user`), the server refused, could not be reached or left a write's outcome unknown (`api`: terminal, retries
// are over), or ory-reconcile has a bug (`internal`). The CLI turns each into its message and exit code in one place
// (cli/errors.ts reportError); subclasses only carry the data their callers read (an HTTP status, a URL).
import type { Issue } from "./types";

export type ErrorKind = "user" | "api" | "internal";

/**
 * Bad input or a refused operation (a plan with errors, a delete cap, a missing `--recovery-out`): a message,
 * optional issues with their `file:line:col`, and a hint saying how to go on. Thrown before anything is written.
 */
export class UserError extends Error {
  readonly kind = "user";
  constructor(
    message: string,
    readonly issues: Issue[] = [],
    /** How to go on, when there is a way. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * A terminal error of the admin API: it is not retried (any retries are over). The Ory client's errors
 * (src/ory/errors.ts) are its subclasses, each with the request it names; `terminal` is true when no further
 * request can succeed either (the server cannot be reached), so that a run stops instead of trying the rest.
 */
export abstract class ApiError extends Error {
  readonly kind = "api";
  /** No request after this one can succeed (e.g. the server is unreachable): stop the run. */
  get terminal(): boolean {
    return false;
  }
}

/** A bug of ory-reconcile: an error nobody planned for. Shown with "please report it"; its stack only on request. */
export class InternalError extends Error {
  readonly kind = "internal";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The kind of any thrown value: UserError → user, ApiError → api, anything else → internal (a bug). */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof UserError) return "user";
  if (error instanceof ApiError) return "api";
  return "internal";
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
