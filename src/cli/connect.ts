// Builds the admin client from flags and environment. The API key is read here and never printed.
import { createOryClient } from "../ory";
import type { OryAdmin } from "../reconcile/admin";
import { UserError } from "./errors";

export interface ConnectFlags {
  endpoint?: string;
}

export function connect(flags: ConnectFlags, onRequest?: (event: { method: string; url: string; status?: number }) => void): OryAdmin {
  const endpoint = flags.endpoint ?? process.env.ORY_ADMIN_URL;
  if (!endpoint) {
    throw new UserError("no server given", [], "pass --endpoint http://127.0.0.1:4434 or set ORY_ADMIN_URL (a Kratos admin URL or an Ory Network project URL)");
  }
  try {
    new URL(endpoint);
  } catch {
    throw new UserError(`--endpoint ${JSON.stringify(endpoint)} is not a URL`, [], "use a full URL such as http://127.0.0.1:4434");
  }
  return createOryClient({ endpoint, apiKey: process.env.ORY_API_KEY || undefined, onRequest });
}
