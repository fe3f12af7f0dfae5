// The pure planner: (desired sets, live identities, options) -> Plan. No network, no disk, no clock.
import { digest } from "./json";
import { MARKER_KEY, Marker, readMarker, userMetadataAdmin } from "./marker";
import { desiredDoc, Doc, foldKey, liveDigest, liveDoc, liveKey, liveOidcLinks } from "./normalize";
import { makePatch } from "./patch";
import { changesOf, createChanges } from "./changes";
import {
  Action,
  DesiredCredentials,
  DesiredIdentity,
  DesiredSet,
  Issue,
  KeyFold,
  KeySpec,
  LiveIdentity,
  Plan,
  PlanOptions,
  SetPlan,
  Summary,
  subject,
} from "./types";

type KeyIndex = Map<string, LiveIdentity[]>;

/** Live identities by key, folded as the server compares it (see KeyFold). */
function indexBy(live: ReadonlyArray<LiveIdentity>, spec: KeySpec, fold: KeyFold | undefined): KeyIndex {
  const index: KeyIndex = new Map();
  for (const identity of live) {
    const raw = liveKey(identity, spec);
    if (raw === undefined) continue;
    const key = foldKey(raw, fold);
    const list = index.get(key);
    if (list) list.push(identity);
    else index.set(key, [identity]);
  }
  return index;
}

function specId(spec: KeySpec): string {
  return spec.kind === "external_id" ? "external_id" : "traits." + spec.path.join(".");
}

function foldId(fold: KeyFold | undefined): string {
  return fold ? `|${fold.lower ? "lower" : ""}|${fold.trimEmail ? "trim" : ""}` : "";
}

function where(pos: DesiredIdentity["source"]): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : "another entry";
}

/**
 * The marker a declared identity must carry: the password fingerprint for policy `enforce`; otherwise a
 * fingerprint already on the server is left alone (it only matters again if `enforce` comes back).
 */
function markerFor(set: string, identity: DesiredIdentity, live?: Marker): Marker {
  const password = identity.credentials?.password;
  if (password?.policy === "enforce" && password.fingerprint) return { set, password: password.fingerprint };
  return live?.set === set && live.password !== undefined ? { set, password: live.password } : { set };
}

/** The credentials that must be written to an existing identity: only what changed, never an `initial` password. */
function credentialChanges(identity: DesiredIdentity, live: LiveIdentity, liveMarker: Marker | undefined): DesiredCredentials | undefined {
  const out: DesiredCredentials = {};
  const password = identity.credentials?.password;
  if (password?.policy === "enforce" && password.fingerprint !== liveMarker?.password) out.password = password;
  const providers = identity.credentials?.oidc?.providers ?? [];
  const links = liveOidcLinks(live);
  if (providers.some((p) => !links.has(`${p.provider}:${p.subject}`))) out.oidc = { providers };
  return out.password || out.oidc ? out : undefined;
}

function emptySummary(): Summary {
  return { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 };
}

export function buildPlan(sets: ReadonlyArray<DesiredSet>, live: ReadonlyArray<LiveIdentity>, options: PlanOptions = {}): Plan {
  const issues: Issue[] = [];
  const summary = emptySummary();
  const indexes = new Map<string, KeyIndex>();
  const claimedBy = new Map<string, string>();
  const setPlans: SetPlan[] = [];

  for (const set of sets) {
    const id = specId(set.key);
    // Only a trait key can be a credential identifier.
    const fold = set.key.kind === "trait" ? options.keyFolds?.[set.name] : undefined;
    const compared = fold ? " (compared as the server compares credential identifiers: case-insensitively)" : "";
    let index = indexes.get(id + foldId(fold));
    if (!index) indexes.set(id + foldId(fold), (index = indexBy(live, set.key, fold)));
    const actions: Action[] = [];
    const inScope: string[] = [];
    // The manifest loader refuses exact duplicates offline; keys that only the server's folding makes equal are
    // found here.
    const declared = new Map<string, DesiredIdentity>();

    for (const identity of set.identities) {
      const who = subject(set.name, identity.key);
      const folded = foldKey(identity.key, fold);
      const first = declared.get(folded);
      if (first) {
        issues.push({
          pos: identity.source,
          message: `${who}: duplicate key "${identity.key}": also declared at ${where(first.source)} as "${first.key}"${compared}`,
          hint: `keys (${id}) must be unique within a set: change or remove one of them`,
        });
        continue;
      }
      declared.set(folded, identity);
      const matches = index.get(folded) ?? [];
      if (matches.length > 1) {
        issues.push({
          pos: identity.source,
          message: `${who}: ${matches.length} live identities have ${id} = ${JSON.stringify(identity.key)}${compared} (${matches.map((m) => m.id).join(", ")})`,
          hint: `a key must identify one identity: choose a unique key path for set ${set.name}, or delete the duplicates`,
        });
        continue;
      }
      const current = matches[0];
      const liveMarker = current && readMarker(current.metadata_admin);
      const desired = desiredDoc(identity, markerFor(set.name, identity, liveMarker));
      if (!current) {
        actions.push({ action: "create", set: set.name, key: identity.key, body: { ...identity.body, metadata_admin: desired.metadata_admin }, credentials: identity.credentials, changes: createChanges(identity) });
        continue;
      }
      const owner = claimedBy.get(current.id);
      if (owner !== undefined && owner !== set.name) {
        issues.push({ pos: identity.source, message: `${who}: live identity ${current.id} is also declared by set ${owner}`, hint: "declare each identity in one set only" });
        continue;
      }
      claimedBy.set(current.id, set.name);
      if (liveMarker && liveMarker.set !== set.name) {
        issues.push({
          pos: identity.source,
          message: `${who}: live identity ${current.id} is managed by set ${liveMarker.set}`,
          hint: `remove it from one of the sets, or remove the "${MARKER_KEY}" key from its metadata_admin to release it`,
        });
        continue;
      }
      if (!liveMarker && options.noAdopt) {
        issues.push({
          pos: identity.source,
          message: `${who}: live identity ${current.id} exists and is not managed by ory-reconcile; adoption is disabled (--no-adopt)`,
          hint: "run without --no-adopt to take it over, or remove it from the manifest",
        });
        continue;
      }
      const live_digest = liveDigest(current);
      inScope.push(live_digest);
      const observed: Doc = liveDoc(current, desired);
      const patch = makePatch(observed, desired);
      const credentials = credentialChanges(identity, current, liveMarker);
      if (patch.length === 0 && !credentials) {
        actions.push({ action: "noop", set: set.name, key: identity.key, id: current.id, live_digest });
        continue;
      }
      const changes = changesOf(
        { ...observed, metadata_admin: userMetadataAdmin(observed.metadata_admin) },
        { ...desired, metadata_admin: userMetadataAdmin(desired.metadata_admin) },
        credentials,
      );
      actions.push({ action: liveMarker ? "update" : "adopt", set: set.name, key: identity.key, id: current.id, patch, credentials, changes, live_digest });
    }

    const prune = set.prune || options.prune === true;
    for (const identity of live) {
      if (readMarker(identity.metadata_admin)?.set !== set.name || claimedBy.get(identity.id) === set.name) continue;
      const live_digest = liveDigest(identity);
      inScope.push(live_digest);
      if (!prune) continue;
      const key = liveKey(identity, set.key) ?? identity.id;
      const changes = [{ path: "", before: "(managed by this set)", after: "(not in configuration)" }];
      actions.push({ action: "delete", set: set.name, key, id: identity.id, changes, live_digest });
    }
    for (const action of actions) summary[action.action]++;
    setPlans.push({ name: set.name, key: set.key, ...(fold ? { fold } : {}), actions, state_digest: digest(inScope.sort()) });
  }
  return { sets: setPlans, summary, issues, options };
}
