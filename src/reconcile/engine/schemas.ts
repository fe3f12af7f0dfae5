// The server's identity schemas (`GET /schemas`), read once per admin client and shared by the plan's traits check
// and the creates that name no schema_id.
import { defaultSchemaId, ServerSchema } from "../core/schema-check";
import type { OryAdmin } from "./admin";

let schemaCache = new WeakMap<OryAdmin, Promise<ServerSchema[]>>();
/** The server's identity schemas, read once per client: the plan's traits check and the creates share them. */
export function identitySchemas(admin: OryAdmin): Promise<ServerSchema[]> {
  let cached = schemaCache.get(admin);
  if (!cached) {
    cached = admin.listSchemas();
    cached.catch(() => schemaCache.delete(admin)); // a failed read is not remembered
    schemaCache.set(admin, cached);
  }
  return cached;
}
/** The id of the server's default identity schema (`GET /schemas`, cached; see identitySchemas). Rejects when the read fails. */
export async function defaultSchema(admin: OryAdmin): Promise<string> {
  return defaultSchemaId(await identitySchemas(admin));
}
/** Forgets every cached schema list, so that the next identitySchemas reads them again (used by tests). */
export function resetSchemaCache(): void {
  schemaCache = new WeakMap();
}
