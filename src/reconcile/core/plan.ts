// The pure planner: (desired sets, live identities, options) -> Plan. No network, no disk, no clock.
import { digest } from "./json";
import { fingerprintMatches, fingerprintOf } from "./fingerprint";
import { MARKER_KEY, Marker, readMarker, userMetadataAdmin, withMarker } from "./marker";
import { managedBy } from "./managed";
import { digestUnder, keyChangedOutside, keyDigest } from "./key-digest";
import { keyText } from "./key-spec";
import { formatPos } from "./issues";
import { desiredDoc, Doc, foldKey, liveDigest, liveDoc, liveKey, liveOidcLinks } from "./normalize";
import { makePatch } from "./patch";
import { changesOf, createChanges, LinkChange } from "./changes";
import { clashIssues, heldBy, Holders, holdersOf, UniqueValues } from "./clashes";
import {
  Action,
  DesiredCredentials,
  DesiredIdentity,
  DesiredSet,
  FieldChange,
  Holdings,
  IdentifierRules,
  ImportedType,
  Issue,
  KeyFold,
  KeySpec,
  LiveIdentity,
  OidcProvider,
  Plan,
  PlanOptions,
  Secret,
  SetPlan,
  Summary,
  shownKey,
  subject,
} from "./types";
import { hiddenOf, hideInIssues, redactChanges, redactHoldings } from "./sensitive";
import { importedChanges } from "./imported";
import { withIgnored } from "./ignore";
import { revokeReasons } from "./sessions";
import { passwordChangedOutside, withOutsideReason } from "./password-changes";

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

function foldId(fold: KeyFold | undefined): string {
  return fold
    ? `|${fold.lower ? "lower" : ""}|${fold.trimEmail ? "trim" : ""}|${fold.precis ? "precis" : ""}|${fold.phone ? "phone" : ""}`
    : "";
}

function where(pos: DesiredIdentity["source"]): string {
  return pos ? formatPos(pos) : "another entry";
}

/** The marker a declared identity must carry, and whether its enforced password must be set again. */
interface MarkerPlan {
  marker: Marker;
  /** The marker with what waits for a write in the current form (fingerprint format, key digest): written only along with another write. */
  upgrade: Marker;
  /** Policy `enforce` and the stored fingerprint was not made from the declared password, or it was changed outside. */
  resetPassword: boolean;
  /** The password is set again because it was changed outside ory-reconcile (see passwordChangedOutside). */
  changedOutside?: boolean;
}

/** What a live identity's stored fingerprint may be bound to besides the declaration: its marker's set and its live key. */
interface Bound {
  set?: string;
  key?: string;
}

/**
 * The marker a declared identity must carry: the digest of its key, and the password fingerprint for policy
 * `enforce`; otherwise a fingerprint already on the server is left alone (it only matters again if `enforce` comes
 * back). A stored fingerprint in an older format (or bound to the set's former name, or to the key before a rename)
 * that matches the declared password, and a marker without a current key digest, are kept until the identity is
 * written anyway.
 */
function markerFor(
  set: DesiredSet,
  identity: DesiredIdentity,
  live?: Marker,
  bound: Bound = {},
  changedOutside = false,
): MarkerPlan {
  const password = identity.credentials?.password;
  const stored = live?.set === set.name ? live.password : undefined;
  const marked = identity.markedKey ?? { key: identity.key, spec: set.key };
  const key = keyDigest(marked.key, marked.spec);
  // A digest of another form (none, or made under another key path) stays until the identity is written anyway.
  const keyNow = live !== undefined && !digestUnder(live, marked.spec) ? live.key : key;
  const make = (fingerprint: string | undefined, digest: string | undefined): Marker => ({
    set: set.name,
    ...(digest !== undefined ? { key: digest } : {}),
    ...(fingerprint !== undefined ? { password: fingerprint } : {}),
  });
  if (password?.policy !== "enforce")
    return { marker: make(stored, keyNow), upgrade: make(stored, key), resetPassword: false };
  const current = fingerprintOf(marked.key, password);
  const outside = changedOutside ? { resetPassword: true, changedOutside: true } : { resetPassword: false };
  if (stored === current) return { marker: make(current, keyNow), upgrade: make(current, key), ...outside };
  const binding = {
    keys: [marked.key, ...(bound.key !== undefined ? [bound.key] : [])],
    sets: [set.name, ...(bound.set !== undefined ? [bound.set] : [])],
  };
  if (fingerprintMatches(stored, password, binding))
    return { marker: make(stored, keyNow), upgrade: make(current, key), ...outside };
  return { marker: make(current, key), upgrade: make(current, key), resetPassword: true };
}

/** What the stored fingerprint of `live` (marker as stored: `raw`) may be bound to under `spec`. */
function boundOf(live: LiveIdentity, raw: Marker | undefined, spec: KeySpec): Bound {
  return { set: raw?.set, key: liveKey(live, spec) };
}

/** What a plan writes to an existing identity's credentials. */
interface CredentialWrites {
  /** For the PUT: a password to set, and the OIDC links to add (only those: the server appends them). */
  credentials?: DesiredCredentials;
  /** OIDC links to remove (`provider:subject`). */
  unlink?: string[];
  links?: LinkChange;
  /** Imported credential types declared `absent` that the identity has, and the lines that show it. */
  remove?: ImportedType[];
  removeLines?: FieldChange[];
  unlinkSaml?: Secret[];
}

/**
 * The credentials that must change on an existing identity: never an `initial` password; declared OIDC links are
 * the complete list (compared as a set of `provider:subject`, in any order), so missing ones are added and
 * undeclared ones removed. An identity that declares no `credentials.oidc` keeps whatever links it has.
 */
function credentialChanges(identity: DesiredIdentity, live: LiveIdentity, resetPassword: boolean): CredentialWrites {
  const out: CredentialWrites = {};
  const credentials: DesiredCredentials = {};
  const password = identity.credentials?.password;
  if (password && resetPassword) credentials.password = password;
  const providers = identity.credentials?.oidc?.providers;
  if (providers) {
    const linked = liveOidcLinks(live);
    const declared = providers.map(linkId);
    const add = providers.filter((p) => !linked.includes(linkId(p)));
    const unlink = linked.filter((link) => !declared.includes(link));
    if (add.length > 0) credentials.oidc = { providers: add };
    if (unlink.length > 0) out.unlink = unlink;
    if (add.length > 0 || unlink.length > 0) out.links = { before: linked, after: declared };
  }
  const imported = importedChanges(identity.credentials?.imported, live);
  if (imported.add) credentials.imported = imported.add;
  if (imported.remove) out.remove = imported.remove;
  if (imported.unlinkSaml) out.unlinkSaml = imported.unlinkSaml;
  if (imported.lines.length > 0) out.removeLines = imported.lines;
  if (credentials.password || credentials.oidc || credentials.imported) out.credentials = credentials;
  return out;
}

function linkId(provider: OidcProvider): string {
  return `${provider.provider}:${provider.subject}`;
}

function emptySummary(): Summary {
  return { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 };
}

/**
 * The plan: what to write so that the server holds the declared sets. Pure: no network, disk or clock, and no Ory API
 * call (the engine's `planSets` reads `live` and the server's schemas and passes them in).
 *
 * - `sets`: the declared sets (from the manifest loader or the Pulumi resources), each paired with live identities
 *   by its key (`set.key`: a trait path or `external_id`; compared as `options.keyFolds` says).
 * - `live`: every live identity that may be in scope, as `GET /admin/identities` lists them (their credentials'
 *   identifiers included where OIDC links and imported credentials are compared).
 * - `options`: prune, adopt, release, renames, the server's schemas and identifier rules ({@link PlanOptions}).
 *
 * Returns per set its actions in declaration order, then the managed identities it no longer declares: `create`
 * (no live identity has the key), `update` (a managed identity drifted: a JSON Patch, or a full PUT when credentials
 * change), `adopt` (an unmanaged identity taken over: marker added, drift fixed), `delete` (with prune: managed by
 * the set, not in configuration), or a marker-only `update` (a released or renamed set). Identities already as
 * declared are counted in `summary.noop` only. Each set carries a `state_digest` over the live identities it read,
 * each update or delete the `live_digest` of its identity (the stale-plan check of `apply --plan`).
 *
 * Never throws for bad input: what forbids applying (an identity declared by two sets, several live identities with
 * one key, adoption not allowed, a key changed outside ory-reconcile, values the server would refuse as taken by
 * another identity) is collected in `plan.issues`, each placed at its declaration where it has one. Secrets stay
 * `Secret` objects and sensitive values are redacted in changes and issues (`(sensitive)`).
 */
export function buildPlan(
  sets: ReadonlyArray<DesiredSet>,
  live: ReadonlyArray<LiveIdentity>,
  options: PlanOptions = {},
): Plan {
  const issues: Issue[] = [];
  const summary = emptySummary();
  const indexes = new Map<string, KeyIndex>();
  const claimedBy = new Map<string, string>();
  const setPlans: SetPlan[] = [];
  const uniques = new UniqueValues(options.schemas, options.identifierRules);
  // Every live identity's unique values, indexed only once a create or an update asks for them.
  let indexed: Holders | undefined;
  const holders = () => (indexed ??= holdersOf(live, uniques));

  for (const set of sets) {
    const former = options.renamedFrom?.[set.name];
    /** The set's marker on a live identity, read as this set's when it names the set's former name. */
    const ours = (marker: Marker | undefined): Marker | undefined =>
      marker && (marker.set === set.name || marker.set === former) ? { ...marker, set: set.name } : undefined;
    const id = keyText(set.key);
    // Only a trait key can be a credential identifier.
    const fold = set.key.kind === "trait" ? options.keyFolds?.[set.name] : undefined;
    const compared = fold ? " (compared as the server compares credential identifiers: case-insensitively)" : "";
    let index = indexes.get(id + foldId(fold));
    if (!index) indexes.set(id + foldId(fold), (index = indexBy(live, set.key, fold)));
    const actions: Action[] = [];
    const inScope: string[] = [];
    const creates: Array<{ index: number; identity: DesiredIdentity }> = [];
    // The manifest loader refuses exact duplicates offline; keys that only the server's folding makes equal are
    // found here.
    const declared = new Map<string, DesiredIdentity>();
    const mayAdopt = set.adopt === true || options.adopt === true;

    for (const identity of set.identities) {
      const who = subject(set.name, shownKey(identity));
      const folded = foldKey(identity.key, fold);
      const first = declared.get(folded);
      if (first) {
        issues.push({
          pos: identity.source,
          message: `${who}: duplicate key "${shownKey(identity)}": also declared at ${where(first.source)} as "${shownKey(first)}"${compared}`,
          hint: `keys (${id}) must be unique within a set: change or remove one of them`,
        });
        continue;
      }
      declared.set(folded, identity);
      const matches = index.get(folded) ?? [];
      if (matches.length > 1) {
        issues.push({
          pos: identity.source,
          message: `${who}: ${matches.length} live identities have ${id} = ${JSON.stringify(shownKey(identity))}${compared} (${matches.map((m) => m.id).join(", ")})`,
          hint: `a key must identify one identity: choose a unique key path for set ${set.name}, or delete the duplicates`,
        });
        continue;
      }
      const current = matches[0];
      const marked = current && readMarker(current.metadata_admin);
      const liveMarker = ours(marked) ?? marked;
      const marker = markerFor(
        set,
        identity,
        liveMarker,
        current ? boundOf(current, marked, set.key) : {},
        options.passwordChanges === true && current !== undefined && passwordChangedOutside(identity, current),
      );
      const desired = desiredDoc(identity, marker.marker, options.identifierRules);
      if (!current) {
        creates.push({ index: actions.length, identity });
        actions.push({
          action: "create",
          set: set.name,
          key: identity.key,
          ...shown(identity),
          body: { ...identity.body, metadata_admin: desired.metadata_admin },
          credentials: identity.credentials,
          ...(identity.recovery ? { recovery: identity.recovery } : {}),
          changes: redactChanges(createChanges(identity), identity.sensitive),
        });
        continue;
      }
      const owner = claimedBy.get(current.id);
      if (owner !== undefined && owner !== set.name) {
        issues.push({
          pos: identity.source,
          message: `${who}: live identity ${current.id} is also declared by set ${owner}`,
          hint: "declare each identity in one set only",
        });
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
      // A managed identity whose key changed outside this tool may now belong to someone else (its user changed
      // their own e-mail to the declared one): pairing it by that key is a takeover, so it needs adoption.
      const moved = liveMarker !== undefined && keyChangedOutside(liveMarker, current, set.key);
      if (moved && !mayAdopt) {
        issues.push({
          pos: identity.source,
          message: `${who}: live identity ${current.id} is managed by set ${set.name}, but its ${id} was changed outside ory-reconcile since the set wrote its ownership marker (for another key), so it may belong to someone else`,
          hint:
            options.adoptHint ??
            `check who uses identity ${current.id}; to pair it with this declaration anyway (the marker then records this key), set \`spec.adopt: true\` in set ${set.name} or run with --adopt; otherwise remove it from the manifest`,
        });
        continue;
      }
      if (!liveMarker && !mayAdopt) {
        issues.push({
          pos: identity.source,
          message: `${who}: live identity ${current.id} has this key but is not managed by ory-reconcile (no ownership marker), and adoption was not asked for`,
          hint:
            options.adoptHint ??
            `to take it over (ownership marker added, drift fixed), set \`spec.adopt: true\` in set ${set.name} or run with --adopt; otherwise remove it from the manifest`,
        });
        continue;
      }
      inScope.push(liveDigest(current));
      actions.push(
        pairedAction(
          set,
          asStored(identity, current, uniques),
          current,
          moved ? undefined : liveMarker,
          marker,
          options.identifierRules,
        ),
      );
    }

    const prune = set.prune || options.prune === true;
    // A create whose unique values (identifiers, addresses) only a managed identity of this set holds, which prune
    // would delete, is that identity under a new key (a renamed username): it is updated in place, keeping its id,
    // sessions and credentials, instead of a create the server would refuse and a delete.
    if (prune) {
      for (const { index, identity } of creates) {
        const held = heldBy(uniques.declared(identity), holders());
        const old = held.length === 1 ? held[0] : undefined;
        const raw = old && readMarker(old.metadata_admin);
        const liveMarker = ours(raw);
        // Only an identity whose key is still the one its marker records was renamed by the manifest.
        if (!old || !liveMarker || claimedBy.has(old.id) || keyChangedOutside(liveMarker, old, set.key)) continue;
        claimedBy.set(old.id, set.name);
        inScope.push(liveDigest(old));
        actions[index] = pairedAction(
          set,
          asStored(identity, old, uniques),
          old,
          liveMarker,
          markerFor(
            set,
            identity,
            liveMarker,
            boundOf(old, raw, set.key),
            options.passwordChanges === true && passwordChangedOutside(identity, old),
          ),
          options.identifierRules,
        );
      }
    }
    const owned = managedBy(set.name, live, former);
    const managed = owned.length;
    for (const identity of owned) {
      const marker = readMarker(identity.metadata_admin);
      if (claimedBy.get(identity.id) === set.name) continue;
      const live_digest = liveDigest(identity);
      inScope.push(live_digest);
      const key = liveKey(identity, set.key) ?? identity.id;
      if (!prune) {
        // Kept: released when asked, moved to the set's new name when renamed, otherwise left as it is.
        if (options.release) actions.push(markerAction(set.name, key, identity, undefined, live_digest));
        else if (marker?.set !== set.name)
          actions.push(markerAction(set.name, key, identity, ours(marker), live_digest));
        continue;
      }
      actions.push({
        action: "delete",
        set: set.name,
        key,
        id: identity.id,
        reason: options.destroy ? "destroy" : "not_in_configuration",
        live_digest,
      });
    }
    for (const action of actions) summary[action.action]++;
    setPlans.push({
      name: set.name,
      key: set.key,
      ...(fold ? { fold } : {}),
      ...(set.adopt ? { adopt: true } : {}),
      actions,
      managed,
      state_digest: digest(inScope.sort()),
    });
  }
  const plan: Plan = { sets: setPlans, summary, issues, options };
  if (summary.create + summary.update + summary.adopt > 0) {
    const bySubject = new Map(
      sets.flatMap((set) => set.identities.map((identity) => [subject(set.name, identity.key), identity] as const)),
    );
    const clashes = clashIssues(
      plan,
      bySubject,
      live,
      uniques,
      holders(),
      (identity) => readMarker(identity.metadata_admin)?.set,
    );
    issues.push(...clashes.issues);
    if (Object.keys(clashes.after).length > 0) plan.after = clashes.after;
  }
  // Issues quote keys and values (a clashing trait, a schema id): sensitive ones are hidden here, once, for every output.
  issues.splice(0, issues.length, ...hideInIssues(issues, hiddenOf(sets)));
  return plan;
}

/** `identity` with its traits as the server stores them where they only differ in form (UniqueValues.storedTraits). */
function asStored(identity: DesiredIdentity, current: LiveIdentity, uniques: UniqueValues): DesiredIdentity {
  const traits = uniques.storedTraits(
    identity.body.schema_id ?? current.schema_id,
    identity.body.traits,
    current.traits,
  );
  return traits === identity.body.traits ? identity : { ...identity, body: { ...identity.body, traits } };
}

/** An update of the ownership marker alone: `marker` written in place of the live one, or none (released). */
function markerAction(
  set: string,
  key: string,
  live: LiveIdentity,
  marker: Marker | undefined,
  live_digest: string,
): Action {
  const before = live.metadata_admin ?? null;
  const after = marker ? withMarker(userMetadataAdmin(before), marker) : userMetadataAdmin(before);
  const patch = makePatch({ metadata_admin: before }, { metadata_admin: after });
  return { action: "update", set, key, id: live.id, patch, changes: [], live_digest };
}

/**
 * The action that makes `current` (paired with `identity`) match the manifest: noop, update, or adopt when
 * `liveMarker` is undefined (unmanaged, or managed under a key changed outside this tool). The set's ignored paths
 * are neither compared nor written; its `revoke_on` says whether the write revokes the sessions.
 */
function pairedAction(
  rules: Pick<DesiredSet, "name" | "ignore" | "revokeOn">,
  identity: DesiredIdentity,
  current: LiveIdentity,
  liveMarker: Marker | undefined,
  marker: MarkerPlan,
  identifierRules?: IdentifierRules,
): Action {
  const set = rules.name;
  const live_digest = liveDigest(current);
  const ignore = rules.ignore ?? [];
  const declared = (m: Marker) => {
    const doc = desiredDoc(identity, m, identifierRules);
    return ignore.length > 0 ? withIgnored(doc, liveDoc(current, doc, identifierRules), ignore) : doc;
  };
  let desired = declared(marker.marker);
  const observed: Doc = liveDoc(current, desired, identifierRules);
  let patch = makePatch(observed, desired);
  const { credentials, unlink, links, remove, removeLines, unlinkSaml } = credentialChanges(
    identity,
    current,
    marker.resetPassword,
  );
  if (patch.length === 0 && !credentials && !unlink && !remove && !unlinkSaml)
    return {
      action: "noop",
      set,
      key: identity.key,
      ...(identity.label ? { label: identity.label } : {}),
      ...(identity.generate ? { generate: identity.generate } : {}),
      id: current.id,
      live_digest,
    };
  patch = makePatch(observed, (desired = declared(marker.upgrade)));
  const changes = changesOf(
    { ...observed, metadata_admin: userMetadataAdmin(observed.metadata_admin) },
    { ...desired, metadata_admin: userMetadataAdmin(desired.metadata_admin) },
    credentials,
    links,
  ).concat(removeLines ?? []);
  const action = liveMarker ? "update" : "adopt";
  const adopt = liveMarker ? {} : { holds: redactHoldings(holdingsOf(current), identity.sensitive) };
  const revoke_sessions = revokeReasons(rules.revokeOn, {
    adopt: !liveMarker,
    before: observed.state,
    after: desired.state,
    passwordReset: credentials?.password !== undefined,
  });
  return {
    action,
    set,
    key: identity.key,
    ...shown(identity),
    id: current.id,
    patch,
    credentials,
    ...(unlink ? { unlink } : {}),
    ...(remove ? { remove } : {}),
    ...(unlinkSaml ? { unlinkSaml } : {}),
    ...adopt,
    ...(revoke_sessions ? { revoke_sessions } : {}),
    changes: redactChanges(marker.changedOutside ? withOutsideReason(changes) : changes, identity.sensitive),
    live_digest,
  };
}

/** The label, sensitive values and generate entry an action carries over from its declaration, when it has them. */
function shown(identity: DesiredIdentity): {
  label?: string;
  sensitive?: DesiredIdentity["sensitive"];
  generate?: string;
} {
  return {
    ...(identity.label ? { label: identity.label } : {}),
    ...(identity.sensitive ? { sensitive: identity.sensitive } : {}),
    ...(identity.generate ? { generate: identity.generate } : {}),
  };
}

/** The credential types, linked providers and verified addresses of a live identity (see Holdings). */
export function holdingsOf(live: LiveIdentity): Holdings {
  const verified_addresses = (live.verifiable_addresses ?? [])
    .filter((a) => a.verified === true)
    .map((a) => (a.via === "email" ? a.value : `${a.via}:${a.value}`));
  if (!live.credentials) return { verified_addresses: verified_addresses.sort() };
  const types = Object.keys(live.credentials).sort();
  const providers = ["oidc", "saml"].flatMap((type) => live.credentials?.[type]?.identifiers ?? []).sort();
  return { credentials: types, providers, verified_addresses: verified_addresses.sort() };
}
