// The one engine behind the CLI and the Pulumi resources: read live state, plan, apply.
import { isOryError } from "../ory/errors";
import type { Capabilities, OryAdmin } from "./admin";
import { applyPlan, ApplyOptions, ApplyResult, identitySchemas } from "./apply";
import { listedForPlanning } from "./normalize";
import { buildPlan } from "./plan";
import { identitiesToCheck, schemaIssues } from "./schema-check";
import { runPool } from "./pool";
import type { DesiredSet, Issue, LiveIdentity, Plan, PlanOptions } from "./types";

/** Declarations the server cannot honour, found before any read of identities and before any write. */
export function capabilityIssues(sets: ReadonlyArray<DesiredSet>, caps: Capabilities): Issue[] {
  const issues: Issue[] = [];
  const server = (field: string) => `the server (${caps.flavor} ${caps.version ?? "unknown version"}) does not support ${field}`;
  for (const set of sets) {
    if (!caps.externalId && set.key.kind === "external_id") {
      issues.push({ pos: set.source, path: "spec.key", message: `set ${set.name} uses key: external_id but ${server("external_id")}`, hint: "use a trait as the key, e.g. `key: traits.email`, or target Ory Network / Kratos >= v25" });
      continue;
    }
    const external = caps.externalId ? undefined : set.identities.find((i) => i.body.external_id !== undefined);
    if (external) {
      issues.push({ pos: external.source, path: "external_id", message: `${set.name}/${external.key} declares external_id but ${server("external_id")}`, hint: "remove external_id, or target Ory Network / Kratos >= v25" });
    }
    // `organization_id: null` (no organization) holds on every server; only a set organization needs support.
    const organization = caps.organizationId ? undefined : set.identities.find((i) => typeof i.body.organization_id === "string");
    if (organization) {
      issues.push({ pos: organization.source, path: "organization_id", message: `${set.name}/${organization.key} declares organization_id but ${server("organizations")}`, hint: "remove organization_id, or target Ory Network / Kratos >= v25" });
    }
  }
  return issues;
}

/**
 * Most declared identities that are looked up one by one (`GET /admin/identities/by/external/{id}`) instead of
 * listing every identity. Listing costs ceil(total / 500) requests and transfers the whole tenant, however few
 * identities are declared; a lookup costs one small request per declared identity, whatever the tenant's size. Up
 * to 5 lookups cost about what one list page does on a small tenant and far less on a large one (a Pulumi
 * `Identity` resource is a set of one).
 */
export const EXTERNAL_ID_LOOKUP_MAX = 5;

/**
 * How the live state is read: `lookup` when every set is keyed by external_id on a server that can look it up, no
 * set prunes (pruning must see every identity a set manages), and few identities are declared; otherwise `list`.
 * A plan made by lookups sees only the declared identities, so its state digest covers only them.
 */
export function readStrategy(sets: ReadonlyArray<DesiredSet>, caps: Capabilities, admin: OryAdmin, options: PlanOptions = {}): "list" | "lookup" {
  const declared = sets.reduce((n, set) => n + set.identities.length, 0);
  const lookup =
    caps.externalId &&
    admin.getIdentityByExternalId !== undefined &&
    options.prune !== true &&
    sets.every((set) => set.key.kind === "external_id" && !set.prune) &&
    declared > 0 &&
    declared <= EXTERNAL_ID_LOOKUP_MAX;
  return lookup ? "lookup" : "list";
}

/** Kratos lists no credentials unless asked: without the OIDC links every declared provider would look unlinked
 * (a PUT on every run, refused with 409). A single identity (a lookup) always carries them. */
function declaresOidc(sets: ReadonlyArray<DesiredSet>): boolean {
  return sets.some((set) => set.identities.some((identity) => identity.credentials?.oidc !== undefined));
}

async function lookUp(sets: ReadonlyArray<DesiredSet>, admin: OryAdmin): Promise<LiveIdentity[]> {
  const keys = [...new Set(sets.flatMap((set) => set.identities.map((identity) => identity.key)))];
  const found = new Map<string, LiveIdentity>();
  await runPool(keys, EXTERNAL_ID_LOOKUP_MAX, async (key) => {
    const live = await admin.getIdentityByExternalId?.(key);
    if (live) found.set(live.id, live);
  });
  return [...found.values()];
}

export interface PlanRun {
  plan: Plan;
  capabilities: Capabilities;
}

export async function planSets(sets: ReadonlyArray<DesiredSet>, admin: OryAdmin, options: PlanOptions = {}): Promise<PlanRun> {
  const capabilities = await admin.capabilities();
  const issues = capabilityIssues(sets, capabilities);
  if (issues.length > 0) {
    return { plan: { sets: [], summary: { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 }, issues }, capabilities };
  }
  const live =
    readStrategy(sets, capabilities, admin, options) === "lookup"
      ? await lookUp(sets, admin)
      : await admin.listIdentities({ pageSize: capabilities.pageSizeMax, map: listedForPlanning, ...(declaresOidc(sets) ? { includeCredential: ["oidc"] } : {}) });
  const plan = buildPlan(sets, live, options);
  plan.issues.push(...(await traitIssues(sets, plan, live, admin)));
  return { plan, capabilities };
}

/**
 * The traits the plan would write, checked against the server's identity schemas (read only when there are any).
 * An early warning, not the authority: when the schemas cannot be read (Kratos v1.x answers `GET /schemas` on its
 * admin port with a redirect to its public URL, which a CLI next to the admin port may not reach), the check is
 * skipped and the server validates each write as before.
 */
async function traitIssues(sets: ReadonlyArray<DesiredSet>, plan: Plan, live: ReadonlyArray<LiveIdentity>, admin: OryAdmin): Promise<Issue[]> {
  const items = identitiesToCheck(sets, plan, live);
  if (items.length === 0) return [];
  let schemas;
  try {
    schemas = await identitySchemas(admin);
  } catch (error) {
    if (isOryError(error)) return [];
    throw error;
  }
  return schemaIssues(items, schemas);
}

export async function reconcile(sets: ReadonlyArray<DesiredSet>, admin: OryAdmin, options: PlanOptions & ApplyOptions = {}): Promise<{ plan: Plan; result: ApplyResult }> {
  const { plan } = await planSets(sets, admin, options);
  const result = await applyPlan(plan, admin, options);
  return { plan, result };
}
