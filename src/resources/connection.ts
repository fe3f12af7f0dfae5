// Where the provider process finds the Ory server: read at run time, never part of inputs, outputs or state.
// Pulumi config (`ory-reconcile:adminUrl`, secret `ory-reconcile:apiKey`, handed to the dynamic provider's
// `configure`) wins over the environment (`ORY_ADMIN_URL`, `ORY_API_KEY`), like a provider block over env vars.
import { createOryClient } from "../ory";
import { PLAIN_HTTP_ALLOWED, plainHttpRefusal } from "../ory/plain-http";
import type { OryAdmin } from "../reconcile/engine/admin";

export const CONFIG_ADMIN_URL = "ory-reconcile:adminUrl";
export const CONFIG_API_KEY = "ory-reconcile:apiKey";
/** `true` allows sending the API key over plain HTTP to a host that is not this machine (as ORY_RECONCILE_INSECURE_HTTP=1 does). */
export const CONFIG_INSECURE_HTTP = "ory-reconcile:insecureHttp";

export interface ConfigSource {
  get(key: string): string | undefined;
}

export interface Connection {
  endpoint: string;
  apiKey?: string;
}

let configured: Partial<Connection> & { insecureHttp?: boolean } = {};
let client: { endpoint: string; apiKey?: string; admin: OryAdmin } | undefined;

/** Called by the dynamic providers' `configure` hook with the stack's configuration. */
export async function configure(config: ConfigSource): Promise<void> {
  configured = {
    endpoint: config.get(CONFIG_ADMIN_URL) || undefined,
    apiKey: config.get(CONFIG_API_KEY) || undefined,
    insecureHttp: config.get(CONFIG_INSECURE_HTTP) === "true",
  };
}

/**
 * The server and API key the providers use. Refuses (before any client exists, so nothing is sent) to send the API
 * key over plain HTTP to a host that is not this machine, unless ORY_RECONCILE_INSECURE_HTTP=1 or the stack config
 * `ory-reconcile:insecureHttp: true` allows it.
 */
export function connection(env: NodeJS.ProcessEnv = process.env): Connection {
  const endpoint = configured.endpoint ?? (env.ORY_ADMIN_URL || undefined);
  if (!endpoint) {
    throw new Error(
      `no Ory server: set ORY_ADMIN_URL (e.g. http://127.0.0.1:4434) or \`pulumi config set ${CONFIG_ADMIN_URL} <url>\``,
    );
  }
  const apiKey = configured.apiKey ?? (env.ORY_API_KEY || undefined);
  let refusal: string | undefined;
  try {
    refusal = plainHttpRefusal(
      endpoint,
      apiKey,
      configured.insecureHttp === true || env.ORY_RECONCILE_INSECURE_HTTP === "1",
    );
  } catch {
    refusal = undefined; // not a URL: the client says so, without repeating it
  }
  if (refusal) {
    throw new Error(
      `${refusal}\n  hint: use https://, or set ORY_RECONCILE_INSECURE_HTTP=1 or \`pulumi config set ${CONFIG_INSECURE_HTTP} true\` if the network to that host is trusted (${PLAIN_HTTP_ALLOWED})`,
    );
  }
  return apiKey ? { endpoint, apiKey } : { endpoint };
}

/** One admin client per provider process (and per connection), created on first use. */
export function admin(): OryAdmin {
  const { endpoint, apiKey } = connection();
  if (!client || client.endpoint !== endpoint || client.apiKey !== apiKey) {
    client = { endpoint, apiKey, admin: createOryClient({ endpoint, apiKey }) };
  }
  return client.admin;
}
