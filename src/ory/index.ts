// The Ory admin API client of ory-reconcile: the only code that talks HTTP.
export { createOryClient, normalizeEndpoint } from "./client";
export type { OryClient, OryClientOptions } from "./client";
export {
  batchLimit,
  DEFAULT_PAGE_SIZE,
  isOryNetworkUrl,
  kratosCapabilities,
  NETWORK_CAPABILITIES,
} from "./capabilities";
export type { Capabilities } from "./capabilities";
export { isOryError, OryApiError, OryNetworkError, ServerUnreachableError, UncertainWriteError } from "./errors";
export type { OryError } from "./errors";
export type { RequestEvent } from "./fetch";
export { nextLink, parseLinkHeader } from "./link";
export type { Consistency, IdentitySchema, ListIdentitiesOptions } from "./reads";
export { RETRY_DEFAULTS } from "./retry";
export type { RetryOptions } from "./retry";
export type { BatchItem, BatchResult, IdentityWriteBody } from "./writes";
