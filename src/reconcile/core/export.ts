// Live identities -> manifest documents that plan as a no-op (for managed identities) or as a pure adoption
// (for unmanaged ones). Secrets are never exported: they cannot be read back, and must not be.
import { ExactInteger } from "./exact-json";
import { keySpecOf } from "./key-spec";
import { managerOf } from "./managed";
import { userMetadataAdmin } from "./marker";
import { comparedStatus, impliedStatus, liveKey, liveOidcLinks } from "./normalize";
import type { Json, JsonObject, LiveIdentity } from "./types";

export interface ExportOptions {
  /** Only identities managed by these sets (all when absent). */
  sets?: readonly string[];
  /** Key path for the exported sets (`traits.email` or `external_id`). */
  key: string;
  /** Name of the set that receives unmanaged identities. */
  unmanagedSet: string;
}

export interface ExportResult {
  documents: JsonObject[];
  /** How many identities the documents hold. */
  exported: number;
  /** Identities left out: `it <reason>`, and what to do about it. */
  skipped: Array<{ id: string; reason: string; hint: string }>;
  /** Every set the live identities belong to (the unmanaged set included), selected by `sets` or not. */
  sets: string[];
}

/**
 * `value` with every `${` in its strings written as `$${`, which a manifest reads back as a literal `${`: text from
 * the server (a trait someone registered as `${env:DB_PASSWORD}`) stays text and is never read as a reference to
 * the environment or a file of whoever applies the export.
 */
export function escapeReferences<T extends Json>(value: T): T {
  if (typeof value === "string") return value.replace(/\$\{/g, "$$${") as T;
  if (Array.isArray(value)) return value.map((item) => escapeReferences(item)) as T;
  // An integer read exactly stays what it is (inexactNumber leaves its identity out), not an object of its fields.
  if ((value as unknown) instanceof ExactInteger) return value;
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeReferences(v)])) as T;
  return value;
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
  // `status` only where it is not the one the manifest implies, so that the export plans as a no-op.
  const status = (a: (typeof verifiable)[number]): JsonObject =>
    comparedStatus(a) === impliedStatus(a.verified) ? {} : { status: a.status };
  if (verifiable.length > 0)
    out.verifiable_addresses = verifiable.map((a) => ({
      value: a.value,
      via: a.via,
      verified: a.verified === true,
      ...status(a),
    }));
  const recovery = live.recovery_addresses ?? [];
  if (recovery.length > 0) out.recovery_addresses = recovery.map((a) => ({ value: a.value, via: a.via }));
  const links = liveOidcLinks(live);
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

/**
 * The first field of an exported identity holding an integer beyond ±2^53: the JSON reader turned the server's
 * number into the nearest double, so writing it would declare another number than the server holds.
 */
function inexactNumber(value: Json | undefined, path: string): string | undefined {
  if ((value as unknown) instanceof ExactInteger) return path;
  if (typeof value === "number") return Number.isSafeInteger(value) || !Number.isInteger(value) ? undefined : path;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = inexactNumber(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Live identities -> one IdentitySet document per set (managed ones by their marker, the others in `unmanagedSet`,
 * whose document says `adopt: true`: applying it adopts them).
 */
export function exportSets(live: ReadonlyArray<LiveIdentity>, options: ExportOptions): ExportResult {
  const spec = keySpecOf(options.key);
  const groups = new Map<string, Array<{ key: string; identity: JsonObject }>>();
  const skipped: ExportResult["skipped"] = [];
  const sets = new Set<string>();
  // Sets that hold unmanaged identities: written with `adopt: true`, so that they plan as their adoption.
  const adopting = new Set<string>();
  for (const identity of live) {
    const managedBy = managerOf(identity);
    const set = managedBy ?? options.unmanagedSet;
    sets.add(set);
    if (options.sets !== undefined && !options.sets.includes(set)) continue;
    const key = liveKey(identity, spec);
    if (key === undefined) {
      skipped.push({ id: identity.id, reason: `has no ${options.key}`, hint: "choose another --key" });
      continue;
    }
    const body = escapeReferences(exportIdentity(identity));
    const inexact = ["traits", "metadata_public", "metadata_admin"]
      .map((field) => inexactNumber(body[field], field))
      .find(Boolean);
    if (inexact) {
      const reason = `holds a number beyond 2^53 in ${inexact}, which reading JSON may have changed`;
      skipped.push({
        id: identity.id,
        reason,
        hint: "store it as a string, or write this identity's manifest by hand",
      });
      continue;
    }
    const list = groups.get(set) ?? [];
    list.push({ key, identity: body });
    groups.set(set, list);
    if (managedBy === undefined) adopting.add(set);
  }
  const documents = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({
      apiVersion: "ory-reconcile/v1",
      kind: "IdentitySet",
      metadata: { name },
      spec: {
        key: options.key,
        prune: false,
        ...(adopting.has(name) ? { adopt: true } : {}),
        identities: list.sort((a, b) => a.key.localeCompare(b.key)).map((e) => e.identity),
      },
    }));
  const exported = [...groups.values()].reduce((n, list) => n + list.length, 0);
  return { documents, exported, skipped, sets: [...sets].sort() };
}
