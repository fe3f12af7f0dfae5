// The one rule for sending ORY_API_KEY over plain HTTP, shared by the CLI and the Pulumi providers.
import { isIPv4 } from "node:net";

/** Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || (isIPv4(host) && host.startsWith("127."));
}

/**
 * Why the API key must not be sent to `endpoint` (a URL that parses), or undefined when it may: plain HTTP to a host
 * that is not this machine is refused unless `insecureAllowed` (the caller's explicit opt-in). Callers add their own
 * hint naming their opt-in, and refuse before creating a client, so nothing is sent.
 */
export function plainHttpRefusal(
  endpoint: string,
  apiKey: string | undefined,
  insecureAllowed: boolean,
): string | undefined {
  const url = new URL(endpoint);
  if (!apiKey || url.protocol !== "http:" || isLoopback(url) || insecureAllowed) return undefined;
  return `ORY_API_KEY would be sent over plain HTTP to ${url.host}, where anyone on the way can read it; nothing was sent`;
}

/** The end of every refusal's hint: where plain HTTP needs no opt-in. */
export const PLAIN_HTTP_ALLOWED = "plain HTTP is allowed without it only to localhost, 127.0.0.0/8 and ::1";
