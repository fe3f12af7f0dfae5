// Where the provider process finds the Ory server: read at run time, never part of inputs, outputs or state.
// Pulumi config (`ory-reconcile:adminUrl`, secret `ory-reconcile:apiKey`, handed to the dynamic provider's
// `configure`) wins over the environment (`ORY_ADMIN_URL`, `ORY_API_KEY`), like a provider block over env vars.
import { createOryClient } from "../ory";
import type { OryAdmin } from "../reconcile/admin";

export const CONFIG_ADMIN_URL = "ory-reconcile:adminUrl";
export const CONFIG_API_KEY = "ory-reconcile:apiKey";

export interface ConfigSource {
  get(key: string): string | undefined;
}

export interface Connection {
  endpoint: string;
  apiKey?: string;
}

let configured: Partial<Connection> = {};
let client: { endpoint: string; apiKey?: string; admin: OryAdmin } | undefined;

/** Called by the dynamic providers' `configure` hook with the stack's configuration. */
export async function configure(config: ConfigSource): Promise<void> {
  configured = { endpoint: config.get(CONFIG_ADMIN_URL) || undefined, apiKey: config.get(CONFIG_API_KEY) || undefined };
}

export function connection(env: NodeJS.ProcessEnv = process.env): Connection {
  const endpoint = configured.endpoint ?? (env.ORY_ADMIN_URL || undefined);
  if (!endpoint) {
    throw new Error(`no Ory server: set ORY_ADMIN_URL (e.g. http://127.0.0.1:4434) or \`pulumi config set ${CONFIG_ADMIN_URL} <url>\``);
  }
  const apiKey = configured.apiKey ?? (env.ORY_API_KEY || undefined);
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
