// Creates the server refused because a unique value is taken (HTTP 409): an interrupted earlier run, or one running
// beside this one, may have created these very identities after this run read the live state. They are read back,
// paired by key and planned again, so that the run converges instead of failing.
import { listLive } from "./live";
import type { OryAdmin } from "./admin";
import { buildPlan } from "../core/plan";
import { runPool } from "../core/pool";
import { Action, DesiredSet, LiveIdentity, Plan, shownKey, subject } from "../core/types";

type CreateAction = Extract<Action, { action: "create" }>;

/** Most refused creates looked up one by one: about what one page of a small tenant's list costs (as the engine's
 * external_id lookups), far less on a large tenant. */
export const LOOKUP_MAX = 5;

/** What became of a refused create: planned again against the identity found (`noop`, `update` or `adopt`), or a
 * failure whose reason names the live identity that holds the key (or says none does). */
export type Resolution =
  | { create: CreateAction; action: Exclude<Action, { action: "create" | "delete" }> }
  | { create: CreateAction; reason: string };

/**
 * Reads back the identities behind refused creates and pairs them with their declarations by key, with the plan's
 * own rules (its sets' key and folding, `spec.adopt` and the `adopt` option): an identity this set manages becomes a
 * `noop` (it is already as declared) or an `update`; an unmanaged one an `adopt` only when that set may adopt, else a
 * failure whose reason names both ways to allow it; one held by another set,
 * or none with the key, stays a failure that says why.
 *
 * Reads, whichever is cheapest: up to {@link LOOKUP_MAX} refused creates are looked up one by one
 * (`GET /admin/identities/by/external/{id}` for a set keyed by external_id, `GET /admin/identities?
 * credentials_identifier=…` for a trait key, which finds it when the schema makes the trait a login identifier);
 * more, or a lookup that finds nothing, list every identity once (`GET /admin/identities`, paged), which costs
 * ceil(identities / page size) requests however many creates were refused.
 */
export async function resolveConflicts(
  plan: Plan,
  refused: CreateAction[],
  admin: OryAdmin,
  reasons: Map<CreateAction, string>,
): Promise<Resolution[]> {
  if (refused.length === 0) return [];
  const live = await readBack(plan, refused, admin);
  const sets: DesiredSet[] = [];
  for (const create of refused) {
    let set = sets.find((s) => s.name === create.set);
    if (!set) {
      const planned = plan.sets.find((s) => s.name === create.set);
      sets.push(
        (set = {
          name: create.set,
          key: planned?.key ?? { kind: "external_id" },
          prune: false,
          adopt: planned?.adopt === true,
          identities: [],
        }),
      );
    }
    set.identities.push({
      key: create.key,
      label: create.label,
      sensitive: create.sensitive,
      body: create.body,
      credentials: create.credentials,
    });
  }
  const folds = Object.fromEntries(plan.sets.flatMap((s) => (s.fold ? [[s.name, s.fold]] : [])));
  const again = buildPlan(sets, live, { ...plan.options, prune: false, keyFolds: folds });
  return refused.map((create): Resolution => {
    const who = subject(create.set, shownKey(create));
    const action = again.sets.find((s) => s.name === create.set)?.actions.find((a) => a.key === create.key);
    if (action && action.action !== "create" && action.action !== "delete") return { create, action };
    const issue = again.issues.find((i) => i.message.startsWith(`${who}:`));
    const why = reasons.get(create) ?? "conflict";
    if (issue)
      return {
        create,
        reason: `${why}: ${issue.message.slice(who.length + 2)}${issue.hint ? ` (${issue.hint})` : ""}`,
      };
    return {
      create,
      reason: `${why}: no live identity has this key; another identity holds one of its unique values (a login identifier, an address or the external_id)`,
    };
  });
}

async function readBack(plan: Plan, refused: CreateAction[], admin: OryAdmin): Promise<LiveIdentity[]> {
  const oidc = refused.some((c) => c.credentials?.oidc !== undefined);
  if (refused.length <= LOOKUP_MAX) {
    const found = new Map<string, LiveIdentity>();
    let missed = false;
    await runPool(refused, LOOKUP_MAX, async (create) => {
      const key = plan.sets.find((s) => s.name === create.set)?.key;
      const hits =
        key?.kind === "external_id" && admin.getIdentityByExternalId
          ? [await admin.getIdentityByExternalId(create.key)].flatMap((i) => (i ? [i] : []))
          : key?.kind === "trait" && admin.listIdentitiesByCredentialIdentifier
            ? await admin.listIdentitiesByCredentialIdentifier(create.key)
            : undefined;
      if (!hits || hits.length === 0 || (oidc && key?.kind === "trait")) missed = true;
      for (const identity of hits ?? []) found.set(identity.id, identity);
    });
    if (!missed) return [...found.values()];
  }
  const caps = await admin.capabilities();
  // The same view of each identity as the plan's own listing, read strongly consistent.
  return listLive(admin, caps, { consistency: "strong", credentialIdentifiers: oidc });
}
