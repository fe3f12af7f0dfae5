// An in-memory OryAdmin that records every call: enough of a server to drive the engine in unit tests.
import { randomUUID } from "node:crypto";
import { kratosCapabilities, NETWORK_CAPABILITIES } from "../../../src/ory/capabilities";
import type { Capabilities, OryAdmin } from "../../../src/reconcile/engine/admin";
import { applyPatch } from "../../../src/reconcile/core/patch";
import type { JsonObject, LiveIdentity } from "../../../src/reconcile/core/types";

export interface MemoryAdmin extends OryAdmin {
  store: Map<string, LiveIdentity>;
  /** `name args` of every call, e.g. `batchCreate 200`, `listIdentitiesByIds strong`. */
  calls: string[];
  /** Bodies of every batch, in order. */
  batches: JsonObject[][];
  puts: JsonObject[];
}

export function memoryAdmin(
  caps: Capabilities | "network" | string = "network",
  live: LiveIdentity[] = [],
): MemoryAdmin {
  const capabilities =
    caps === "network" ? NETWORK_CAPABILITIES : typeof caps === "string" ? kratosCapabilities(caps) : caps;
  const store = new Map(live.map((identity) => [identity.id, identity]));
  const calls: string[] = [];
  const batches: JsonObject[][] = [];
  const puts: JsonObject[] = [];
  const stored = (body: JsonObject): LiveIdentity => {
    const { credentials: _credentials, ...fields } = body;
    const identity = { id: randomUUID(), ...fields } as unknown as LiveIdentity;
    store.set(identity.id, identity);
    return identity;
  };
  const get = (id: string) => {
    const identity = store.get(id);
    if (!identity) throw Object.assign(new Error(`404 ${id}`), { status: 404 });
    return identity;
  };
  return {
    store,
    calls,
    batches,
    puts,
    capabilities: async () => capabilities,
    listIdentities: async (options) => {
      calls.push(`listIdentities ${options?.pageSize}`);
      return [...store.values()];
    },
    listIdentitiesByIds: async (ids, options) => {
      calls.push(`listIdentitiesByIds ${options?.consistency ?? "-"}`);
      return ids.flatMap((id) => (store.has(id) ? [store.get(id) as LiveIdentity] : []));
    },
    getIdentityByExternalId: async (externalId) => {
      calls.push(`getIdentityByExternalId ${externalId}`);
      return [...store.values()].find((identity) => identity.external_id === externalId);
    },
    listSchemas: async () => {
      calls.push("listSchemas");
      return [{ id: "default", schema: {} }];
    },
    getIdentity: async (id) => {
      calls.push("getIdentity");
      return get(id);
    },
    batchCreate: async (items) => {
      calls.push(`batchCreate ${items.length}`);
      batches.push(items.map((item) => item.body));
      return items.map((item) => ({ patchId: item.patchId, ok: true as const, id: stored(item.body).id }));
    },
    createIdentity: async (body) => {
      calls.push("createIdentity");
      return stored(body);
    },
    patchIdentity: async (id, ops) => {
      calls.push(`patchIdentity ${ops.map((op) => op.path).join(",")}`);
      const next = applyPatch(get(id) as unknown as JsonObject, ops) as unknown as LiveIdentity;
      store.set(id, next);
      return next;
    },
    putIdentity: async (id, body) => {
      calls.push("putIdentity");
      puts.push(body);
      const { credentials: _credentials, ...fields } = body;
      // PUT replaces the document: external_id absent from the body is cleared (Kratos >= v25 does so).
      const { external_id: _old, ...kept } = get(id);
      const next = { ...kept, ...fields, id } as LiveIdentity;
      store.set(id, next);
      return next;
    },
    deleteIdentity: async (id) => {
      calls.push("deleteIdentity");
      return store.delete(id) ? "deleted" : "already-gone";
    },
    deleteCredentialIdentifier: async (id, type, identifier) => {
      calls.push(`deleteCredentialIdentifier ${type} ${identifier}`);
      const credential = get(id).credentials?.[type];
      const before = credential?.identifiers ?? [];
      if (!credential || !before.includes(identifier)) return "already-gone";
      credential.identifiers = before.filter((other) => other !== identifier);
      return "deleted";
    },
    deleteIdentitySessions: async (id) => {
      calls.push(`deleteIdentitySessions ${id}`);
      return store.has(id) ? "revoked" : "none";
    },
  };
}
