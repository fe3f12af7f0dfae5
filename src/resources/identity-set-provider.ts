// The IdentitySet provider, run in the Pulumi provider process: a thin adapter over the engine. `diff` is the
// engine's plan, `create`/`update` apply it (a new set name moves the marker of every identity the set manages, in
// place), `delete` prunes everything the set manages with prune, and releases it (marker removed) without, `read`
// (refresh) records which identities the set manages (core/managed.ts) and a digest of their live state. Each
// operation lists the tenant at most once.
import { applyPlan } from "../reconcile/engine/apply";
import { managedAfterApply, planSets, PlanRun, PlanSetsOptions, readManaged } from "../reconcile/engine/engine";
import { managedIds, managedStateDigest } from "../reconcile/core/managed";
import { hasChanges, toJsonPlan } from "../reconcile/core/jsonplan";
import { renderPlan } from "../reconcile/core/render";
import { isKeyLabel } from "../reconcile/core/sensitive";
import type { DesiredSet, KeySpec, LiveIdentity, Plan, PlanOptions, Summary } from "../reconcile/core/types";
import { admin } from "./connection";
import { checkFailures, failureLines, issuesError, PartialApplyError } from "./errors";
import { keySpecOf, keyText } from "../reconcile/core/key-spec";
import { containsUnknown } from "./keys";
import type { Methods } from "./runtime";
import { loadSet, SetSource } from "./set-source";
import { keptRecoveries, RecoveryOutput } from "./recovery-outputs";

export interface SetInputs extends SetSource {
  /** Overrides `spec.prune` when given. */
  prune?: boolean;
  /** Digest of the declaration at program time (see setDigest): only there so that content changes show. */
  digest?: string;
}

/** Stored in the state: plain JSON with stable names, so later versions can read it. */
export interface SetOutputs {
  setName: string;
  key: string;
  /** key -> identity id of every identity the set manages. */
  ids: Record<string, string>;
  /** Digest of the live state of those identities (changes when someone edits them out of band). */
  stateDigest: string;
  /** The plan of the last apply. */
  counts: Summary;
  /** Whether the set prunes: then `delete` deletes what it manages; otherwise it releases them. Absent in states
   * written by earlier versions: released. */
  prune?: boolean;
  /**
   * The recovery (invite) links and codes issued for identities the set created with `recovery:` (see
   * recovery-outputs.ts), kept while the set manages them. Always a Pulumi secret (`additionalSecretOutputs`).
   */
  recoveryLinks?: RecoveryOutput[];
}

/** Lines of the readable plan logged by `diff` (the summary line is always kept). */
const MAX_PLAN_LINES = 40;

function declared(inputs: SetInputs): DesiredSet {
  const loaded = loadSet(inputs);
  if (!loaded.ok) throw issuesError("the identity set is invalid; nothing was sent to the server", loaded.issues);
  return inputs.prune === undefined ? loaded.set : { ...loaded.set, prune: inputs.prune };
}

async function planned(set: DesiredSet, options: PlanSetsOptions = {}): Promise<PlanRun> {
  const run = await planSets([set], admin(), options);
  const { plan } = run;
  if (plan.issues.length > 0)
    throw issuesError(
      `IdentitySet ${set.name}: the plan has ${plan.issues.length} error(s); nothing was written`,
      plan.issues,
    );
  return run;
}

/** Everything the set manages: planned as "prune all" (or release), which acts on exactly those identities. */
function everythingOf(name: string, key: KeySpec): DesiredSet {
  return { name, key, prune: true, identities: [] };
}

/**
 * The ids and state digest stored of `managed` (what the set manages). A key made of `${env:…}` / `${file:…}`
 * values is stored under its label (`(sensitive #2)`), never in clear: `labels` maps identity ids to labels (from
 * the declaration, or from the outputs stored before).
 */
function observed(
  managed: ReadonlyArray<LiveIdentity>,
  key: KeySpec,
  labels: ReadonlyMap<string, string>,
): Pick<SetOutputs, "ids" | "stateDigest"> {
  return { ids: managedIds(managed, key, labels), stateDigest: managedStateDigest(managed) };
}

/** A set whose name changed since the last apply takes over what its former name manages. */
function renaming(set: DesiredSet, former: string | undefined): PlanOptions {
  return former !== undefined && former !== set.name ? { renamedFrom: { [set.name]: former } } : {};
}

/**
 * Plans and applies the set, from one listing of the tenant: what the set manages afterwards is what it managed
 * before (from that listing) with the identities it wrote read back by id.
 */
async function reconcileSet(
  set: DesiredSet,
  id: string,
  options: PlanOptions = {},
  olds?: SetOutputs,
): Promise<SetOutputs> {
  const server = admin();
  const { plan, managed } = await planned(set, { ...options, managed: true });
  const result = await applyPlan(plan, server, { keepRecoveries: true });
  // Created identities get their ids from the outcomes (which name them by label), the others from the plan.
  const labels = new Map<string, string>();
  for (const action of plan.sets.flatMap((s) => s.actions))
    if (action.action !== "create" && action.action !== "delete" && action.label) labels.set(action.id, action.label);
  for (const outcome of result.outcomes) if (outcome.id && isKeyLabel(outcome.key)) labels.set(outcome.id, outcome.key);
  const after = await managedAfterApply(set.name, managed?.[set.name] ?? [], result.outcomes, server);
  const outs: SetOutputs = {
    setName: set.name,
    key: keyText(set.key),
    ...observed(after, set.key, labels),
    counts: plan.summary,
    prune: set.prune,
  };
  const recoveryLinks = keptRecoveries(olds?.recoveryLinks, result.recoveries, outs.ids);
  if (recoveryLinks) outs.recoveryLinks = recoveryLinks;
  if (result.failed > 0) {
    const unissued = result.recoveries.flatMap((r) => (r.error !== undefined ? [r.error] : []));
    throw new PartialApplyError(
      `IdentitySet ${set.name}: ${result.failed} of ${result.outcomes.length} writes failed`,
      id,
      { ...outs },
      [...failureLines(result.outcomes), ...unissued],
    );
  }
  return outs;
}

/** The engine's text plan, shown by the Pulumi CLI as a diagnostic message of the preview. */
function logPlan(name: string, plan: Plan): void {
  const lines = renderPlan(toJsonPlan(plan)).trimEnd().split("\n");
  const shown =
    lines.length <= MAX_PLAN_LINES
      ? lines
      : [
          ...lines.slice(0, MAX_PLAN_LINES - 2),
          `... ${lines.length - MAX_PLAN_LINES + 1} more lines`,
          lines[lines.length - 1],
        ];
  console.log(shown.map((line) => `IdentitySet ${name}: ${line}`).join("\n"));
}

export const identitySetMethods: Methods<SetInputs, SetOutputs> = {
  async check(_olds, news) {
    if (containsUnknown(news)) return { inputs: news };
    const loaded = loadSet(news);
    if (loaded.ok) return { inputs: news };
    const property = news.set !== undefined ? "set" : "manifest";
    return { inputs: news, failures: checkFailures(loaded.issues.map((issue) => ({ property, issue }))) };
  },

  async diff(_id, olds, news) {
    if (containsUnknown(news)) return { changes: true };
    const set = declared(news);
    // The set name is the ownership scope: a new name moves the marker of every identity the set manages, in place
    // (a replace would release or delete them and create new ones).
    const renamed = renaming(set, olds.setName);
    const { plan } = await planned(set, renamed);
    const changes = hasChanges(plan.summary);
    if (renamed.renamedFrom)
      console.log(
        `IdentitySet ${set.name}: renamed from ${olds.setName}: the identities it manages move to set ${set.name} (same ids)`,
      );
    if (changes) logPlan(set.name, plan);
    if (set.prune) {
      const managed = plan.summary.create + plan.summary.update + plan.summary.adopt + plan.summary.noop;
      console.log(
        `IdentitySet ${set.name}: prune is on: destroying or removing this resource deletes the ${managed} identities it manages`,
      );
    }
    const pruneChanged = olds.prune !== undefined && olds.prune !== set.prune;
    return { changes: changes || renamed.renamedFrom !== undefined || pruneChanged || keyText(set.key) !== olds.key };
  },

  async create(inputs) {
    const set = declared(inputs);
    return { id: set.name, outs: await reconcileSet(set, set.name) };
  },

  async update(id, olds, news) {
    const set = declared(news);
    return { outs: await reconcileSet(set, id, renaming(set, olds.setName), olds) };
  },

  async read(id, props) {
    const name = props?.setName ?? id;
    const key = props?.key ?? "external_id";
    const labels = new Map(
      Object.entries(props?.ids ?? {}).flatMap(([shown, idOf]) => (isKeyLabel(shown) ? [[idOf, shown] as const] : [])),
    );
    const managed = (await readManaged([name], admin()))[name];
    return { id, props: { ...props, setName: name, key, ...observed(managed, keySpecOf(key), labels) } as SetOutputs };
  },

  async delete(id, props) {
    const name = props.setName ?? id;
    const prune = props.prune === true;
    const { plan } = await planned(
      { ...everythingOf(name, keySpecOf(props.key)), prune },
      prune ? { destroy: true } : { release: true },
    );
    const result = await applyPlan(plan, admin());
    const what = prune ? "deleted" : "released (kept on the server, ownership marker removed)";
    if (result.failed > 0)
      throw new Error(
        `IdentitySet ${name}: ${result.failed} identities could not be ${what}\n${failureLines(result.outcomes).join("\n")}`,
      );
    console.log(`IdentitySet ${name}: ${result.outcomes.length} identities ${what}`);
  },
};
