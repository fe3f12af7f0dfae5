// Builds the admin client from flags and environment. The API key is read here and never printed.
import { createOryClient, normalizeEndpoint } from "../ory";
import { RequestEvent, shownUrl } from "../ory/fetch";
import { PLAIN_HTTP_ALLOWED, plainHttpRefusal } from "../ory/plain-http";
import type { OryAdmin } from "../reconcile/engine/admin";
import { UserError } from "./errors";

export interface ConnectFlags {
  endpoint?: string;
  /** Allow sending ORY_API_KEY over plain HTTP to a host that is not this machine. */
  insecureHttp?: boolean;
}

export { isLoopback } from "../ory/plain-http";

/** The server of the last `connect` (normalized, no credentials): named when a run ends without an answer. */
export let connectedTo: string | undefined;

export function connect(flags: ConnectFlags, onRequest?: (event: RequestEvent) => void): OryAdmin {
  const endpoint = flags.endpoint ?? process.env.ORY_ADMIN_URL;
  if (!endpoint) {
    throw new UserError(
      "no server given",
      [],
      "pass --endpoint http://127.0.0.1:4434 or set ORY_ADMIN_URL (a Kratos admin URL or an Ory Network project URL)",
    );
  }
  const given = flags.endpoint !== undefined ? "--endpoint" : "ORY_ADMIN_URL";
  try {
    new URL(endpoint);
  } catch {
    throw new UserError(
      `${given} ${JSON.stringify(shownUrl(endpoint))} is not a URL`,
      [],
      "use a full URL such as http://127.0.0.1:4434",
    );
  }
  try {
    connectedTo = normalizeEndpoint(endpoint);
  } catch (error) {
    // A URL the client refuses (another scheme, credentials in it): the user's to fix; the message never repeats it.
    throw new UserError(
      `${given}: ${(error as Error).message}`,
      [],
      "use a URL such as http://127.0.0.1:4434 or https://<project>.projects.oryapis.com",
    );
  }
  const apiKey = process.env.ORY_API_KEY || undefined;
  const refusal = plainHttpRefusal(endpoint, apiKey, flags.insecureHttp === true);
  if (refusal)
    throw new UserError(
      refusal,
      [],
      `use https://, or pass --insecure-http if the network to that host is trusted (${PLAIN_HTTP_ALLOWED})`,
    );
  return createOryClient({ endpoint, apiKey, onRequest });
}
