// The Identity provider, run in the Pulumi provider process. One identity is planned and written by the engine as
// a set of one (the `set` property names the ownership marker; by default unique to the stack and resource):
// every write goes through the engine's `planSets` and `applyPlan`, so the capability, import, schema, recovery and
// password-change checks run before it. Creates take over an identity that exists already (unmanaged, or managed
// by the same scope) only with `adopt`; updates plan the live identity read by id, paired by id (JSON Patch; PUT
// only when credentials change; a new `set` moves the marker in place); deletes only when the marker names the set.
import { applyPlan, ApplyResult } from "../reconcile/engine/apply";
import { keptRecoveries } from "./recovery-outputs";
import { planSets } from "../reconcile/engine/engine";
import { liveDoc } from "../reconcile/core/normalize";
import type { OryAdmin } from "../reconcile/engine/admin";
import type { DesiredIdentity, DesiredSet, LiveIdentity, Plan } from "../reconcile/core/types";
import { admin } from "./connection";
import { changedProperties, validateIdentity } from "./identity-plan";
import { declaredFields, docOf, fieldsOf, IdentityInputs, IdentityOutputs, metaOf } from "./identity-fields";
import { scopeOf } from "./scope";
import { checkFailures, failureLines, issuesError } from "./errors";
import { keySpecOf } from "../reconcile/core/key-spec";
import { containsUnknown } from "./keys";
import type { Methods } from "./runtime";

function declared(inputs: IdentityInputs): DesiredIdentity {
  const result = validateIdentity(inputs);
  if (!result.identity)
    throw issuesError(
      "the identity is invalid; nothing was sent to the server",
      result.issues.map((i) => i.issue),
    );
  return result.identity;
}

/** The identity as a set of one; it adopts an unmanaged identity with the same key only with `adopt: true`. */
function setOf(inputs: IdentityInputs, identity: DesiredIdentity, prune = false): DesiredSet {
  const meta = metaOf(inputs);
  return { name: meta.set, key: keySpecOf(meta.key), prune, adopt: meta.adopt, identities: [identity] };
}

/** The hint of the planner's error for an unmanaged identity with the same key, in this resource's terms. */
const ADOPT_HINT =
  "set adopt: true on the Identity resource to take it over (ownership marker added, drift fixed), or choose another key";

async function applyOrThrow(plan: Plan, server: OryAdmin, what: string): Promise<ApplyResult> {
  if (plan.issues.length > 0) throw issuesError(`${what}: nothing was written`, plan.issues);
  const result = await applyPlan(plan, server, { keepRecoveries: true });
  const unissued = result.recoveries.flatMap((r) => (r.error !== undefined ? [r.error] : []));
  if (result.failed > 0)
    throw new Error(`${what} failed\n${[...failureLines(result.outcomes), ...unissued].join("\n")}`);
  return result;
}

async function getLive(server: OryAdmin, id: string): Promise<LiveIdentity | undefined> {
  try {
    return await server.getIdentity(id);
  } catch (error) {
    const e = error as { kind?: string; status?: number };
    if (e.kind === "api" && e.status === 404) return undefined;
    throw error;
  }
}

/** The outputs: the live identity as the engine sees it, in the inputs' shape, plus the meta properties. */
function outputsOf(live: LiveIdentity, props: IdentityInputs): IdentityOutputs {
  const fields = fieldsOf(liveDoc(live, docOf(props)), declaredFields(props));
  return { ...fields, ...metaOf(props) };
}

/** The recovery links stored before (never read back from the server: it cannot tell them). */
function kept(props: IdentityOutputs): Pick<IdentityOutputs, "recoveryLinks"> {
  return props.recoveryLinks ? { recoveryLinks: props.recoveryLinks } : {};
}

export const identityMethods: Methods<IdentityInputs, IdentityOutputs> = {
  async check(olds, news) {
    if (containsUnknown(news)) return { inputs: news };
    const set = scopeOf(olds ?? {}, news);
    if (set === undefined)
      return {
        inputs: news,
        failures: [
          {
            property: "",
            reason: "set: no ownership scope and no defaultSet; construct Identity resources with the Identity class",
          },
        ],
      };
    const inputs = { ...news, ...metaOf({ ...news, set }) };
    const { issues } = validateIdentity(inputs);
    return issues.length === 0 ? { inputs } : { inputs, failures: checkFailures(issues) };
  },

  async diff(_id, olds, news) {
    if (containsUnknown(news)) return { changes: true };
    const identity = declared(news);
    const changed = changedProperties(olds, news, identity);
    // The dynamic provider protocol of Pulumi 3.248 carries no property names: say them in the preview output.
    if (changed.length > 0) console.log(`Identity ${identity.key}: changes ${changed.join(", ")}`);
    return { changes: changed.length > 0 };
  },

  async create(inputs) {
    const identity = declared(inputs);
    const server = admin();
    const { plan } = await planSets([setOf(inputs, identity)], server, { adoptHint: ADOPT_HINT });
    const action = plan.sets[0]?.actions[0];
    // A new resource that finds its identity already managed (by another resource of the same scope, or by the CLI)
    // takes it over only when told to; an unmanaged one is the plan's adoption error above.
    const meta = metaOf(inputs);
    if (action && action.action !== "create" && action.action !== "adopt" && !meta.adopt) {
      throw new Error(
        `Identity ${identity.key}: identity ${action.id} with ${meta.key} = ${JSON.stringify(identity.key)} already exists and is managed by set ${meta.set} (another resource or the CLI); ` +
          "an Identity resource takes it over only with adopt: true",
      );
    }
    const result = await applyOrThrow(plan, server, `Identity ${identity.key}: create`);
    const id = action && action.action !== "create" ? action.id : result.outcomes[0]?.id;
    const live = id ? await getLive(server, id) : undefined;
    if (!id || !live) throw new Error(`Identity ${identity.key}: the server did not return the created identity`);
    const recoveryLinks = keptRecoveries(undefined, result.recoveries, { [identity.key]: id });
    return { id, outs: { ...outputsOf(live, inputs), ...(recoveryLinks ? { recoveryLinks } : {}) } };
  },

  async update(id, olds, news) {
    const identity = declared(news);
    const set = setOf(news, identity);
    const former = metaOf(olds).set;
    const server = admin();
    const live = await getLive(server, id);
    if (!live)
      throw new Error(
        `Identity ${identity.key}: identity ${id} no longer exists on the server; run \`pulumi refresh\` to forget it, then \`pulumi up\` creates it again`,
      );
    // Paired by the resource's own id, not by key: an identity that lost its marker out of band gets it back.
    const renamed = former !== set.name ? { renamedFrom: { [set.name]: former } } : {};
    const { plan } = await planSets([set], server, { ...renamed, live: [live], pairById: true });
    await applyOrThrow(plan, server, `Identity ${identity.key}: update`);
    return { outs: { ...outputsOf((await getLive(server, id)) ?? live, news), ...kept(olds) } };
  },

  async read(id, props) {
    const live = await getLive(admin(), id);
    if (!live || !props) return live ? { id } : { id: "" };
    const outs = outputsOf(live, props);
    // Handing the live values back as inputs makes the next preview show exactly which properties drifted.
    return { id, props: { ...outs, ...kept(props) }, inputs: outs };
  },

  async delete(id, props) {
    const server = admin();
    const live = await getLive(server, id);
    if (!live) return; // already gone: the goal is reached
    const meta = metaOf(props);
    const { plan } = await planSets(
      [{ name: meta.set, key: keySpecOf(meta.key), prune: true, identities: [] }],
      server,
      { live: [live], destroy: true },
    );
    if (plan.issues.length === 0 && !plan.sets[0]?.actions.some((a) => a.action === "delete")) {
      console.log(`Identity ${id}: left on the server: it is not managed by set ${meta.set} (ownership marker)`);
      return;
    }
    await applyOrThrow(plan, server, `Identity ${id}: delete`);
  },
};
