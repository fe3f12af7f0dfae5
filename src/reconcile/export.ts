// Live identities -> manifest documents that plan as a no-op (for managed identities) or as a pure adoption
// (for unmanaged ones). Secrets are never exported: they cannot be read back, and must not be.
import { readMarker, userMetadataAdmin } from "./marker";
import { liveKey } from "./normalize";
import type { JsonObject, KeySpec, LiveIdentity } from "./types";

export interface ExportOptions {
  /** Only identities managed by this set. */
  set?: string;
  /** Key path for the exported sets (`traits.email` or `external_id`). */
  key: string;
  /** Name of the set that receives unmanaged identities. */
  unmanagedSet: string;
}

export interface ExportResult {
  documents: JsonObject[];
  skipped: Array<{ id: string; reason: string }>;
}

export function keySpecOf(key: string): KeySpec {
  return key === "external_id" ? { kind: "external_id" } : { kind: "trait", path: key.replace(/^traits\./, "").split(".") };
}

function exportIdentity(live: LiveIdentity): JsonObject {
  const out: JsonObject = { schema_id: live.schema_id, traits: live.traits ?? {} };
  if (live.external_id) out.external_id = live.external_id;
  if (live.organization_id) out.organization_id = live.organization_id;
  if (live.metadata_public != null) out.metadata_public = live.metadata_public;
  const admin = userMetadataAdmin(live.metadata_admin);
  if (admin != null) out.metadata_admin = admin;
  out.state = live.state === "inactive" ? "inactive" : "active";
  const verifiable = live.verifiable_addresses ?? [];
  if (verifiable.length > 0) out.verifiable_addresses = verifiable.map((a) => ({ value: a.value, via: a.via, verified: a.verified === true }));
  const recovery = live.recovery_addresses ?? [];
  if (recovery.length > 0) out.recovery_addresses = recovery.map((a) => ({ value: a.value, via: a.via }));
  const links = live.credentials?.oidc?.identifiers ?? [];
  if (links.length > 0) {
    out.credentials = {
      oidc: {
        providers: links.map((link) => {
          const at = link.indexOf(":");
          return { provider: link.slice(0, at), subject: link.slice(at + 1) };
        }),
      },
    };
  }
  return out;
}

export function exportSets(live: ReadonlyArray<LiveIdentity>, options: ExportOptions): ExportResult {
  const spec = keySpecOf(options.key);
  const groups = new Map<string, Array<{ key: string; identity: JsonObject }>>();
  const skipped: ExportResult["skipped"] = [];
  for (const identity of live) {
    const set = readMarker(identity.metadata_admin)?.set ?? options.unmanagedSet;
    if (options.set !== undefined && set !== options.set) continue;
    const key = liveKey(identity, spec);
    if (key === undefined) {
      skipped.push({ id: identity.id, reason: `has no ${options.key}` });
      continue;
    }
    const list = groups.get(set) ?? [];
    list.push({ key, identity: exportIdentity(identity) });
    groups.set(set, list);
  }
  const documents = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({
      apiVersion: "ory-reconcile/v1",
      kind: "IdentitySet",
      metadata: { name },
      spec: { key: options.key, prune: false, identities: list.sort((a, b) => a.key.localeCompare(b.key)).map((e) => e.identity) },
    }));
  return { documents, skipped };
}
