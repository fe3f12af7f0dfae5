// What the read/write functions share: the SDK API objects and one way to run a request through them that turns
// every failure into one of our error types and hands back the raw Response (we read the server's JSON ourselves:
// the SDK's FromJSON turns dates into Date objects and drops fields it does not know).
import { parseJsonExact } from "../reconcile/core/exact-json";
import { FetchError, IdentityApi, MetadataApi, RequiredError, ResponseError } from "@ory/client-fetch";
import { apiErrorFromResponse, isOryError, Operation, OryApiError, OryNetworkError } from "./errors";
import { shownUrl } from "./fetch";
import { describeNetworkError } from "./retry";

export interface Api {
  /** Base URL without trailing slash. */
  endpoint: string;
  identity: IdentityApi;
  /** Metadata API rooted at `<endpoint>/admin`, so `getVersion` requests `/admin/version`. */
  admin: MetadataApi;
  /** Values that must never appear in an error (the API key). */
  secrets: string[];
}

/** Runs one SDK `*Raw` call; returns the 2xx Response, throws OryApiError / UncertainWriteError / … otherwise. */
export async function call(
  api: Api,
  op: Operation,
  run: () => Promise<{ raw: Response }>,
  signal?: AbortSignal,
): Promise<Response> {
  try {
    return (await run()).raw;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw await translate(api, op, error);
  }
}

/**
 * Runs one SDK `DELETE …Raw` call through {@link call}: "deleted" on 2xx, "already-gone" when the server answers 404
 * (what was to be removed is not there: an earlier attempt whose answer was lost, or nothing to remove); other
 * failures throw as `call` throws them.
 */
export async function deleteTolerant(
  api: Api,
  op: Operation,
  run: () => Promise<{ raw: Response }>,
): Promise<"deleted" | "already-gone"> {
  try {
    await call(api, op, run);
    return "deleted";
  } catch (error) {
    if (error instanceof OryApiError && error.status === 404) return "already-gone";
    throw error;
  }
}

async function translate(api: Api, op: Operation, error: unknown): Promise<unknown> {
  if (error instanceof ResponseError) return apiErrorFromResponse(op, error.response, api.secrets);
  if (error instanceof FetchError) {
    const cause: unknown = error.cause;
    if (isOryError(cause) || (cause as { name?: unknown })?.name === "AbortError") return cause;
    const url = `${api.endpoint}${op.path}`;
    return new OryNetworkError(op, url, describeNetworkError(cause, new URL(url)), 1);
  }
  if (isOryError(error) || error instanceof RequiredError) return error;
  return new Error(`${op.method} ${op.path}: ${error instanceof Error ? error.message : String(error)}`);
}

/** The response body as JSON; a body that is not JSON is reported as an API error. */
export async function readJson(response: Response, op: Operation): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The connection broke in the middle of the answer: a network error of this request, named by its URL.
    const url = shownUrl(response.url);
    throw new OryNetworkError(op, url, describeNetworkError(error, new URL(url || "http://unknown")), 1);
  }
  try {
    return parseJsonExact(text);
  } catch {
    throw new OryApiError(op, response.status, "the server's answer is not valid JSON");
  }
}
