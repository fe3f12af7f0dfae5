// The one engine behind the CLI and the Pulumi resources: read live state, plan, apply.
import { isOryError } from "../../ory/errors";
import type { Capabilities, OryAdmin } from "./admin";
import { addressIssues } from "../core/addresses";
import { hashCostProblem } from "../core/hash-limits";
import { applyPlan, ApplyOptions, ApplyResult, identitySchemas } from "./apply";
import { ANY_FOLD, foldKey, identifierFold, listedForPlanning, liveKey } from "../core/normalize";
import { warmFingerprints, withFingerprints } from "../core/fingerprint";
import { storedFingerprintChecks } from "../core/fingerprint-checks";
import { buildPlan } from "../core/plan";
import { defaultSchemaId, identitiesToCheck, schemaIssues, ServerSchema } from "../core/schema-check";
import { runPool } from "../core/pool";
import { importIssues } from "./import-check";
import { recoveryIssues } from "./recovery-check";
import { hiddenOf, hideInIssues } from "../core/sensitive";
import type { DesiredSet, IdentifierRules, Issue, KeyFold, LiveIdentity, Plan, PlanOptions } from "../core/types";
import { unmanagedReport, UnmanagedReport } from "../core/unmanaged";
import { managedBy } from "../core/managed";
import { pairedById } from "../core/pair-by-id";
import { listLive } from "./live";

/** Declarations the server cannot honour, found before any read of identities and before any write. */
export function capabilityIssues(sets: ReadonlyArray<DesiredSet>, caps: Capabilities): Issue[] {
  const issues: Issue[] = [];
  const server = (field: string) =>
    `the server (${caps.flavor} ${caps.version ?? "unknown version"}) does not support ${field}`;
  for (const set of sets) {
    if (!caps.externalId && set.key.kind === "external_id") {
      issues.push({
        pos: set.source,
        path: "spec.key",
        message: `set ${set.name} uses key: external_id but ${server("external_id")}`,
        hint: "use a trait as the key, e.g. `key: traits.email`, or target Ory Network / Kratos >= v25",
      });
      continue;
    }
    const external = caps.externalId ? undefined : set.identities.find((i) => i.body.external_id !== undefined);
    if (external) {
      issues.push({
        pos: external.source,
        path: "external_id",
        message: `${set.name}/${external.key} declares external_id but ${server("external_id")}`,
        hint: "remove external_id, or target Ory Network / Kratos >= v25",
      });
    }
    // `organization_id: null` (no organization) holds on every server; only a set organization needs support.
    const organization = caps.organizationId
      ? undefined
      : set.identities.find((i) => typeof i.body.organization_id === "string");
    if (organization) {
      issues.push({
        pos: organization.source,
        path: "organization_id",
        message: `${set.name}/${organization.key} declares organization_id but ${server("organizations")}`,
        hint: "remove organization_id, or target Ory Network / Kratos >= v25",
      });
    }
    if (caps.hashCostLimits)
      issues.push(...hashCostIssues(set, `the server (${caps.flavor} ${caps.version ?? "unknown version"})`));
  }
  return issues;
}

/** The declared password hashes of `set` that a server bounding hash costs would refuse; the hash is never shown. */
function hashCostIssues(set: DesiredSet, server: string): Issue[] {
  const issues: Issue[] = [];
  for (const identity of set.identities) {
    const password = identity.credentials?.password;
    if (password?.kind !== "hashed_password") continue;
    const problem = hashCostProblem(password.value.reveal());
    if (!problem) continue;
    issues.push({
      pos: identity.source,
      path: "credentials.password.hashed_password",
      message: `${set.name}/${identity.label ?? identity.key}: hashed_password declares cost parameters beyond what ${server} imports: ${problem} (the hash is not shown)`,
      hint: "re-hash the password with a lower cost (bcrypt cost 12 is Kratos' default), or declare password: instead",
    });
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
export function readStrategy(
  sets: ReadonlyArray<DesiredSet>,
  caps: Capabilities,
  admin: OryAdmin,
  options: PlanOptions = {},
): "list" | "lookup" {
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

/**
 * Kratos lists no credentials unless asked: they are read (identifiers only, never a config, so never tokens or
 * hashes) when a manifest declares OIDC links, and when a set may adopt, so that the plan can show what an adopted
 * identity holds. A single identity (a lookup) always carries them.
 */
function needsCredentials(sets: ReadonlyArray<DesiredSet>, options: PlanOptions): boolean {
  // Imported credential types (TOTP, …) are compared by type: their declarations need the live types too.
  const declaresOidc = sets.some((set) =>
    set.identities.some(
      (identity) => identity.credentials?.oidc !== undefined || identity.credentials?.imported !== undefined,
    ),
  );
  const enforcesPassword =
    options.passwordChanges === true &&
    sets.some((set) =>
      set.identities.some(
        (identity) =>
          identity.credentials?.password?.kind === "password" && identity.credentials.password.policy === "enforce",
      ),
    );
  return (
    declaresOidc ||
    enforcesPassword ||
    sets.some((set) => set.identities.length > 0 && (set.adopt === true || options.adopt === true))
  );
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
  /** With the `unmanaged` option: the live identities no set manages (see unmanagedReport). */
  unmanaged?: UnmanagedReport;
  /** With the `managed` option: per set name, the live identities it managed before the plan (see managedBy). */
  managed?: Record<string, LiveIdentity[]>;
}

/** Options of {@link planSets} beyond the planner's own. */
export interface PlanSetsOptions extends PlanOptions {
  /** Also report the live identities no set manages, from the same listing (the live state is then listed). */
  unmanaged?: boolean;
  /**
   * List the live state even where lookups would do, as a plan made with `unmanaged` did (a lookup reads an identity
   * with more of its credentials than a listing, so the two give different digests of the same identity).
   */
  listAll?: boolean;
  /** Also return what each set managed before the plan, from the same listing (the live state is then listed). */
  managed?: boolean;
  /**
   * The live state, read by the caller (e.g. one identity by its id: `GET /admin/identities/{id}`): planned as
   * given, no identity is listed or looked up. Used where pairing is by id rather than by key (a Pulumi Identity).
   */
  live?: ReadonlyArray<LiveIdentity>;
  /**
   * With `live` of one identity and one set declaring one identity: pair them by id, whatever their keys (see
   * pairedById; a Pulumi Identity whose key value changed is updated in place). Capabilities are checked against
   * the set as declared.
   */
  pairById?: boolean;
}

/**
 * Reads the live state and plans `declaredSets` against it: the entry point of `plan`, `apply`, `destroy` and the
 * Pulumi resources. Ory API calls, in order:
 * - `GET /admin/version` (capabilities, read once per client; a Kratos version that names no release is probed with
 *   one `GET /admin/identities/by/external/<random>`);
 * - per imported credential type declared (totp, …): one `POST /admin/identities` that cannot store anything
 *   (import-check.ts);
 * - the identities: paged `GET /admin/identities` (credential identifiers included where OIDC links, imported
 *   credentials, enforced passwords or adoption need them), or up to {@link EXTERNAL_ID_LOOKUP_MAX}
 *   `GET /admin/identities/by/external/{id}` (see readStrategy);
 * - `GET /schemas` only when the plan writes something (traits, addresses and key folding checked before writing);
 * - per recovery method declared: one `POST /admin/recovery/link|code` that issues nothing (recovery-check.ts).
 *
 * `options`: the {@link PlanOptions} of buildPlan, and `unmanaged`: also report the live identities no set manages,
 * from the same listing (the live state is then always listed, never looked up one by one); `listAll`: list the live
 * state even where lookups would do, as a plan made with `unmanaged` did (a lookup reads an identity with more of its
 * credentials than a listing, so the two give different digests of the same identity).
 *
 * `live`: the caller's live state (nothing is listed); `pairById`: pair a set of one with its identity by id (the
 * Pulumi `Identity`); `managed`: also return what each set manages, from the same listing (see managedBy).
 *
 * Returns the plan, the server's capabilities and, with `unmanaged`, the report. What the server cannot honour
 * (external_id or organizations on a server without them, hash costs it refuses, credential types it does not import,
 * traits its identity schema refuses, recoveries it would not issue) is a plan issue, collected, never thrown; with
 * such issues found before the listing, no identity is read. Nothing is written. Throws the client's errors when the
 * server cannot be read (ServerUnreachableError, OryApiError, OryNetworkError); a `GET /schemas` the server refuses
 * only leaves the schema checks out (see readSchemas).
 */
export async function planSets(
  declaredSets: ReadonlyArray<DesiredSet>,
  admin: OryAdmin,
  options: PlanSetsOptions = {},
): Promise<PlanRun> {
  const run = await planAndList(declaredSets, admin, options);
  const out: PlanRun = { plan: run.plan, capabilities: run.capabilities };
  if (options.managed && run.plan.sets.length > 0) {
    out.managed = Object.fromEntries(
      declaredSets.map((set) => [set.name, managedBy(set.name, run.live, options.renamedFrom?.[set.name])]),
    );
  }
  if (options.unmanaged && run.plan.sets.length > 0) out.unmanaged = unmanagedReport(declaredSets, run.live, run.plan);
  return out;
}

export { listLive };

/**
 * Which identities the sets named `names` manage (their ownership marker names the set), from one listing (`GET
 * /admin/version`, paged `GET /admin/identities` without credentials). Returns, per name, the identities in the
 * planner's view, in the server's list order. Throws only the client's errors.
 */
export async function readManaged(
  names: ReadonlyArray<string>,
  admin: OryAdmin,
): Promise<Record<string, LiveIdentity[]>> {
  const live = await listLive(admin, await admin.capabilities());
  return Object.fromEntries(names.map((name) => [name, managedBy(name, live)]));
}

/**
 * The live state for `export` (`GET /admin/version`, paged `GET /admin/identities`): the same listing as a plan's,
 * with every credential's identifiers, so that OIDC links are exported (never a credential's config: no tokens, no
 * hashes). Throws only the client's errors.
 */
export async function readForExport(admin: OryAdmin): Promise<LiveIdentity[]> {
  return listLive(admin, await admin.capabilities(), { credentialIdentifiers: true });
}

/**
 * What set `name` manages after an apply, without listing the tenant: `before` (what it managed before the plan:
 * PlanRun.managed) with every identity an outcome names read back by id (`GET /admin/identities?ids=…`, strongly
 * consistent; a deleted one is gone), kept where its marker names `name`. Throws only the client's errors.
 */
export async function managedAfterApply(
  name: string,
  before: ReadonlyArray<LiveIdentity>,
  outcomes: ReadonlyArray<{ id?: string }>,
  admin: OryAdmin,
): Promise<LiveIdentity[]> {
  const touched = new Set(outcomes.flatMap((o) => (o.id !== undefined ? [o.id] : [])));
  const read = touched.size > 0 ? await admin.listIdentitiesByIds([...touched], { consistency: "strong" }) : [];
  return managedBy(name, [...before.filter((identity) => !touched.has(identity.id)), ...read.map(listedForPlanning)]);
}

async function planAndList(
  declaredSets: ReadonlyArray<DesiredSet>,
  admin: OryAdmin,
  { unmanaged, listAll, managed, live: given, pairById, ...planOptions }: PlanSetsOptions,
): Promise<PlanRun & { live: LiveIdentity[] }> {
  const capabilities = await admin.capabilities();
  // The server's identifier rules apply to every plan (addresses compare as it stores them), the first one included.
  const options: PlanOptions = {
    ...planOptions,
    ...(capabilities.passwordChanges ? { passwordChanges: true } : {}),
    identifierRules: capabilities.identifierRules,
  };
  const hidden = hiddenOf(declaredSets);
  const found = capabilityIssues(declaredSets, capabilities);
  if (found.length === 0) found.push(...(await importIssues(declaredSets, admin, capabilities)));
  const issues = hideInIssues(found, hidden);
  if (issues.length > 0) {
    return {
      plan: { sets: [], summary: { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 }, issues },
      capabilities,
      live: [],
    };
  }
  // Paired by id: planned as the planner pairs by key (the declared set was checked above).
  const pairing = given !== undefined && pairById ? pairedById(declaredSets, given.map(listedForPlanning)) : undefined;
  // The slow fingerprints of enforced passwords are computed in parallel while the live state is read.
  const readLive = async (): Promise<LiveIdentity[]> => {
    if (pairing !== undefined) return pairing.live;
    if (given !== undefined) return given.map(listedForPlanning);
    const lookup =
      !unmanaged && !listAll && !managed && readStrategy(declaredSets, capabilities, admin, options) === "lookup";
    if (lookup) return lookUp(declaredSets, admin);
    return listLive(admin, capabilities, { credentialIdentifiers: needsCredentials(declaredSets, options) });
  };
  const [sets, live] = await Promise.all([withFingerprints(pairing?.sets ?? declaredSets), readLive()]);
  // More identities declared than live: at least one will be created, so the identity schemas will be needed. They
  // are requested now and arrive while the plan is built (a seed into an empty server saves a round trip before its
  // first write); otherwise only once the plan says there is something to write.
  const declared = sets.reduce((n, set) => n + set.identities.length, 0);
  const early = declared > live.length ? identitySchemas(admin) : undefined;
  early?.catch(() => undefined); // awaited (and its failure handled) by traitIssues
  // Stored fingerprints of an older format (or bound to a former set name) are checked in parallel too.
  await warmFingerprints(storedFingerprintChecks(sets, live, options));
  let plan = buildPlan(sets, live, options);
  // Nothing to write: no schemas needed (a no-op plan reads the identities only).
  if (identitiesToCheck(sets, plan, live).length === 0) return { plan, capabilities, live };
  const schemas = await readSchemas(admin, early);
  if (schemas) {
    const folding = foldCandidates(sets, plan, live);
    const keyFolds = folding.length > 0 ? keyFoldsFor(folding, schemas, capabilities.identifierRules) : {};
    plan = buildPlan(sets, live, { ...options, ...(Object.keys(keyFolds).length > 0 ? { keyFolds } : {}), schemas });
    const items = identitiesToCheck(sets, plan, live);
    plan.issues.push(...hideInIssues([...schemaIssues(items, schemas), ...addressIssues(items, schemas)], hidden));
  }
  plan.issues.push(...hideInIssues(await recoveryIssues(sets, plan, admin), hidden));
  return { plan, capabilities, live };
}

/**
 * The sets whose plan could change if their key were compared as the server compares credential identifiers: a
 * create whose key, folded the coarsest way, equals a live key or another declared key of its set that differs
 * from it. Pure and cheap; a plan without such a create (every no-op plan) needs no identity schemas for this.
 */
export function foldCandidates(
  sets: ReadonlyArray<DesiredSet>,
  plan: Plan,
  live: ReadonlyArray<LiveIdentity>,
): DesiredSet[] {
  const liveKeys = new Map<string, Set<string>>();
  const out: DesiredSet[] = [];
  for (const set of sets) {
    if (set.key.kind !== "trait") continue;
    const creates = plan.sets.find((p) => p.name === set.name)?.actions.filter((a) => a.action === "create") ?? [];
    if (creates.length === 0) continue;
    const spec = set.key;
    const id = spec.path.join(".");
    let folded = liveKeys.get(id);
    if (!folded) {
      folded = new Set();
      for (const identity of live) {
        const key = liveKey(identity, spec);
        if (key !== undefined) folded.add(foldKey(key, ANY_FOLD));
      }
      liveKeys.set(id, folded);
    }
    const declared = new Map<string, number>();
    for (const identity of set.identities) {
      const key = foldKey(identity.key, ANY_FOLD);
      declared.set(key, (declared.get(key) ?? 0) + 1);
    }
    // An exact live match would not be a create, so a folded match is with a key that differs.
    if (creates.some((a) => folded.has(foldKey(a.key, ANY_FOLD)) || (declared.get(foldKey(a.key, ANY_FOLD)) ?? 0) > 1))
      out.push(set);
  }
  return out;
}

/**
 * Per set: how the server compares its key values, from its identity schemas. A set is folded only when its key
 * trait is a credential identifier in the schema of every identity it declares (`schema_id`, or the server's
 * default), with the marks they all share; otherwise its keys are compared exactly, as before. With `precis` rules
 * (Capabilities.identifierRules) every identifier mark compares as {@link precisFold} does.
 */
export function keyFoldsFor(
  sets: ReadonlyArray<DesiredSet>,
  schemas: ReadonlyArray<ServerSchema>,
  rules: IdentifierRules = "lower",
): Record<string, KeyFold> {
  const fallback = defaultSchemaId(schemas);
  const out: Record<string, KeyFold> = {};
  for (const set of sets) {
    if (set.key.kind !== "trait" || set.identities.length === 0) continue;
    const path = set.key.path;
    const ids = new Set(set.identities.map((identity) => identity.body.schema_id ?? fallback));
    const folds = [...ids].map((id) => identifierFold(schemas.find((s) => s.id === id)?.schema, path));
    if (folds.some((fold) => fold === undefined)) continue;
    const fold: KeyFold = { lower: folds.every((f) => f!.lower), trimEmail: folds.every((f) => f!.trimEmail) };
    if (folds.every((f) => f!.phone)) fold.phone = true;
    // Kratos after v26.2.0 normalizes every other identifier mark the same (precisFold).
    if (rules === "precis" && !fold.phone) fold.precis = true;
    if (fold.lower || fold.trimEmail || fold.phone) out[set.name] = fold;
  }
  return out;
}

/**
 * The server's identity schemas (`GET /schemas`, read once per client), or undefined when they cannot be read
 * (Kratos v1.x answers `GET /schemas` on its admin port with a redirect to its public URL, which a CLI next to the
 * admin port may not reach). They are an early warning, not the authority: without them keys are compared exactly,
 * traits are not checked and only external_id clashes are seen; the server still refuses each bad write.
 */
async function readSchemas(admin: OryAdmin, requested?: Promise<ServerSchema[]>): Promise<ServerSchema[] | undefined> {
  try {
    return await (requested ?? identitySchemas(admin));
  } catch (error) {
    if (isOryError(error)) return undefined;
    throw error;
  }
}

/**
 * Plans and applies in one step: {@link planSets} (same reads, same `options`), then applyPlan on its plan (same
 * writes; `options` of {@link ApplyOptions}: concurrency, delete cap, pre-hashing, recoveries, progress). Returns the
 * plan and the apply result (an outcome per written action). Throws ApplyRefused, without writing, when the plan has
 * issues or is over the delete cap, and the client's errors as planSets and applyPlan do.
 */
export async function reconcile(
  sets: ReadonlyArray<DesiredSet>,
  admin: OryAdmin,
  options: PlanOptions & ApplyOptions = {},
): Promise<{ plan: Plan; result: ApplyResult }> {
  const { plan } = await planSets(sets, admin, options);
  const result = await applyPlan(plan, admin, options);
  return { plan, result };
}
