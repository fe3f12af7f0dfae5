// The errors the Ory client throws: terminal API errors (core/errors.ts ApiError), one class per thing that can go
// wrong, each with the data its callers read. Each names the request (method + path) and what happened; none carries
// request headers, bodies or the original fetch error, so an API key can never travel inside one.
import { ApiError } from "../reconcile/core/errors";
import { isRetriableStatus, NetworkFailure } from "./retry";

export interface Operation {
  method: string;
  /** Path without query, e.g. `/admin/identities/<id>`. */
  path: string;
}

/** The server answered with an error status (after any retries). */
export class OryApiError extends ApiError {
  override readonly name = "OryApiError";
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The server's `error.reason` (or `error.message`, or the status text). */
  readonly reason: string;
  /** True for 429 and 5xx (except 501): trying again later may succeed. */
  readonly retriable: boolean;

  constructor(op: Operation, status: number, reason: string) {
    super(`${op.method} ${op.path} failed with ${status}: ${reason}`);
    this.method = op.method;
    this.path = op.path;
    this.status = status;
    this.reason = reason;
    this.retriable = isRetriableStatus(status);
  }
}

/** A non-idempotent write lost its answer: it may or may not have been applied. Verify before repeating it. */
export class UncertainWriteError extends ApiError {
  override readonly name = "UncertainWriteError";
  readonly method: string;
  readonly path: string;
  /** What went wrong: a network error code or an HTTP status such as `504`. */
  readonly detail: string;

  constructor(op: Operation, detail: string) {
    super(
      `${op.method} ${op.path}: no reliable answer (${detail}); the write may or may not have been applied, ` +
        `verify the server state before repeating it`,
    );
    this.method = op.method;
    this.path = op.path;
    this.detail = detail;
  }
}

/** The request never reached the server: a connection could not be made (after the retries, when one can help). */
export class ServerUnreachableError extends ApiError {
  override readonly name = "ServerUnreachableError";
  /** The request URL, without credentials or query. */
  readonly url: string;
  readonly code: string | undefined;
  readonly reason: string;
  readonly attempts: number;

  constructor(url: string, failure: NetworkFailure, attempts: number) {
    super(`server unreachable at ${url}: ${explain(failure, attempts)}; ${failure.hint}`);
    this.url = url;
    this.code = failure.code;
    this.reason = failure.reason;
    this.attempts = attempts;
  }

  /** No request can reach the server: a run stops instead of trying the rest. */
  override get terminal(): boolean {
    return true;
  }
}

/** An idempotent request kept failing at the network level. */
export class OryNetworkError extends ApiError {
  override readonly name = "OryNetworkError";
  readonly method: string;
  readonly path: string;
  /** The request URL, without credentials or query. */
  readonly url: string;
  readonly code: string | undefined;
  readonly reason: string;
  readonly attempts: number;

  constructor(op: Operation, url: string, failure: NetworkFailure, attempts: number) {
    super(`${op.method} ${url}: ${explain(failure, attempts)}`);
    this.method = op.method;
    this.path = op.path;
    this.url = url;
    this.code = failure.code;
    this.reason = failure.reason;
    this.attempts = attempts;
  }
}

/** `connection refused (ECONNREFUSED) after 3 attempts` */
function explain({ reason, code }: NetworkFailure, attempts: number): string {
  return `${reason}${code ? ` (${code})` : ""}${attempts > 1 ? ` after ${attempts} attempts` : ""}`;
}

export type OryError = OryApiError | UncertainWriteError | ServerUnreachableError | OryNetworkError;

export function isOryError(error: unknown): error is OryError {
  return (
    error instanceof OryApiError ||
    error instanceof UncertainWriteError ||
    error instanceof ServerUnreachableError ||
    error instanceof OryNetworkError
  );
}

const MAX_REASON = 500;

/** Builds the error for a non-2xx response from its body: `{error: {reason, message}}` (Ory) or `{message}`. */
export async function apiErrorFromResponse(
  op: Operation,
  response: Response,
  secrets: string[] = [],
): Promise<OryApiError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // body unreadable: fall back to the status text
  }
  const reason = reasonOf(text) ?? (response.statusText || "no details from the server");
  return new OryApiError(op, response.status, redact(reason, secrets).slice(0, MAX_REASON));
}

function reasonOf(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== "object") return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown; error_description?: unknown };
  if (error && typeof error === "object") {
    const { reason, message: inner } = error as { reason?: unknown; message?: unknown };
    return firstString(reason, inner);
  }
  return firstString((body as { error_description?: unknown }).error_description, message, error);
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === "string" && value.trim() !== "");
}

/** Replaces every occurrence of a secret (e.g. an echoed API key) with `(sensitive)`. */
export function redact(text: string, secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length > 0)
    .reduce((out, secret) => out.split(secret).join("(sensitive)"), text);
}
