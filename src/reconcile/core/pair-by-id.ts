// Pairing by id: a Pulumi Identity knows the id of its live identity, so it is paired with it by that id, not by
// key (its key value may have changed: a new email is an update in place). Pure.
import { keyText } from "./key-spec";
import { liveKey } from "./normalize";
import type { DesiredIdentity, DesiredSet, KeySpec, LiveIdentity } from "./types";

/**
 * The planner pairs declared and live identities by key; an Identity resource is paired by id already. Returns a
 * key spec and key under which the planner pairs exactly `live` without changing what it compares, so that a
 * changed key value (a new email) is an update in place. Throws (a user error) when the key and the declared
 * external_id both changed.
 */
export function pairById(
  identity: DesiredIdentity,
  live: LiveIdentity,
  spec: KeySpec,
): { spec: KeySpec; key: string; live: LiveIdentity } {
  if (liveKey(live, spec) === identity.key) return { spec, key: identity.key, live };
  const byExternalId: KeySpec = { kind: "external_id" };
  // Undeclared external_id is neither compared nor written: the id can stand in for it as the pairing key.
  if (identity.body.external_id === undefined)
    return { spec: byExternalId, key: live.id, live: { ...live, external_id: live.id } };
  if (live.external_id === identity.body.external_id)
    return { spec: byExternalId, key: identity.body.external_id, live };
  throw new Error(
    `identity ${live.id}: its key (${keyText(spec)}) and external_id both changed; change one of them, run \`pulumi up\`, then the other`,
  );
}

/**
 * A set of one identity and the one live identity it is paired with by id, as the planner pairs them: the set's
 * key and the identity's key replaced by what pairById gives, the marker still written for the declared key
 * (`markedKey`), and `adopt` on (the identity is the resource's own: one that lost its marker out of band gets it
 * back). Other shapes are returned unchanged.
 */
export function pairedById(
  sets: ReadonlyArray<DesiredSet>,
  live: ReadonlyArray<LiveIdentity>,
): { sets: DesiredSet[]; live: LiveIdentity[] } {
  const [set] = sets;
  if (sets.length !== 1 || set.identities.length !== 1 || live.length !== 1)
    return { sets: [...sets], live: [...live] };
  const identity = set.identities[0];
  const paired = pairById(identity, live[0], set.key);
  const pairedIdentity: DesiredIdentity = {
    ...identity,
    key: paired.key,
    markedKey: identity.markedKey ?? { key: identity.key, spec: set.key },
  };
  return { sets: [{ ...set, adopt: true, key: paired.spec, identities: [pairedIdentity] }], live: [paired.live] };
}
