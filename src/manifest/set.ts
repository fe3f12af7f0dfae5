// A schema-valid, interpolated set document -> DesiredSet: defaults merged, templates expanded, keys checked.
import type { DesiredIdentity, DesiredSet, RevokeOn, SourcePos } from "../reconcile/core/types";
import { MARKER_KEY } from "../reconcile/core/marker";
import { formatPos } from "../reconcile/core/issues";
import { checkKey, checkMerged, checkOwn, KeyField, keyValue, Obj, parseKeyField, toDesired } from "./identity";
import { deepFreeze, deepMerge } from "./merge";
import { formatPath, Path, Reporter } from "./path";
import { compileTemplate } from "./template";
import type { SensitiveTest } from "../reconcile/core/sensitive";

/** The shape the schema guarantees. */
export interface SetDocument {
  metadata: { name: string };
  spec: {
    key?: string;
    prune?: boolean;
    adopt?: boolean;
    sessions?: { revoke_on?: RevokeOn[] };
    ignore?: string[];
    defaults?: Obj;
    identities?: Obj[];
    generate?: Array<{ count: number; template: Obj }>;
  };
}

/** Where a key was first declared: an identity, or a generate entry (shared by all its copies). */
interface Origin {
  label: string;
  pos: SourcePos | undefined;
  path: Path;
  generated: boolean;
}

interface Claim {
  origin: Origin;
  copy?: number;
}

/** Builds the set, reporting into `reporter`; returns undefined when anything was reported. */
export function buildSet(
  doc: SetDocument,
  reporter: Reporter,
  sensitive: SensitiveTest = () => false,
): DesiredSet | undefined {
  const name = doc.metadata.name;
  const key = parseKeyField(doc.spec.key);
  const defaults = doc.spec.defaults ?? {};
  const defaultsOk = checkOwn(defaults, ["spec", "defaults"], reporter);
  const identities: DesiredIdentity[] = [];
  const keys = new Keys(reporter, key);

  (doc.spec.identities ?? []).forEach((own, index) => {
    const path = ["spec", "identities", index];
    const ownOk = checkOwn(own, path, reporter);
    const merged = deepMerge(defaults, own) as Obj;
    if (!checkMerged(merged, path, reporter, ownOk && defaultsOk)) return;
    const value = checkKey(merged, path, key, reporter);
    if (value === undefined) return;
    const origin = originOf(path, path, key, reporter, false);
    if (keys.claim(value, { origin }))
      identities.push(deepFreeze(toDesired(merged, value, reporter.locate(path), sensitive, identities.length + 1)));
  });

  (doc.spec.generate ?? []).forEach((entry, index) => {
    const path = ["spec", "generate", index, "template"];
    const ownOk = checkOwn(entry.template, path, reporter);
    const merged = deepMerge(defaults, entry.template) as Obj;
    if (!checkMerged(merged, path, reporter, ownOk && defaultsOk)) return;
    const build = compileTemplate(merged);
    if (checkKey(build(1) as Obj, path, key, reporter) === undefined) return; // the same for every copy
    const origin = originOf(["spec", "generate", index], path, key, reporter, true);
    const source = deepFreeze(reporter.locate(["spec", "generate", index]));
    for (let i = 1; i <= entry.count; i++) {
      const copy = build(i) as Obj;
      const value = keyValue(copy, key) as string;
      if (keys.claim(value, { origin, copy: i }))
        identities.push(
          deepFreeze({ ...toDesired(copy, value, source, sensitive, identities.length + 1), generate: origin.label }),
        );
    }
  });

  const ignore = ignoredPaths(doc.spec.ignore ?? [], reporter);
  if (reporter.issues.length > 0) return undefined;
  const set: DesiredSet = {
    name,
    key: key.spec,
    prune: doc.spec.prune ?? false,
    ...(doc.spec.adopt ? { adopt: true } : {}),
    identities,
  };
  const revokeOn = doc.spec.sessions?.revoke_on;
  if (revokeOn !== undefined) set.revokeOn = [...new Set(revokeOn)];
  if (ignore.length > 0) set.ignore = ignore;
  const source = reporter.locate([]);
  if (source) set.source = source;
  return set;
}

/** `spec.ignore` split into segments (the schema checked their form); the ownership marker cannot be ignored. */
function ignoredPaths(paths: string[], reporter: Reporter): string[][] {
  return paths.flatMap((text, index) => {
    const path = text.split(".");
    if (path[0] === "metadata_admin" && path[1] === MARKER_KEY) {
      reporter.add(
        ["spec", "ignore", index],
        `"${text}" is the ownership marker, which ory-reconcile always manages`,
        "remove it from spec.ignore",
      );
      return [];
    }
    return [path];
  });
}

/** Key uniqueness within a set; a generate entry's collisions are reported once, not once per copy. */
class Keys {
  readonly #claims = new Map<string, Claim>();
  readonly #reported = new Set<string>();
  constructor(
    private readonly reporter: Reporter,
    private readonly key: KeyField,
  ) {}

  claim(value: string, claim: Claim): boolean {
    const first = this.#claims.get(value);
    if (!first) {
      this.#claims.set(value, claim);
      return true;
    }
    const pair = `${first.origin.label}|${claim.origin.label}`;
    if (claim.origin.generated && this.#reported.has(pair)) return false;
    this.#reported.add(pair);
    if (first.origin === claim.origin) {
      this.reporter.add(
        claim.origin.path,
        `generated copies ${first.copy} and ${claim.copy} have the same key "${value}"`,
        `put {{i}} in ${this.key.text} so that every copy gets its own key, e.g. user-{{i}}@example.test`,
      );
    } else {
      this.reporter.add(
        claim.origin.path,
        `duplicate key "${value}": also declared at ${describe(first)}`,
        `keys (${this.key.text}) must be unique within a set: change or remove one of them`,
      );
    }
    return false;
  }
}

/** `label` names the declaration; the key itself sits at `identityPath` + the key's path. */
function originOf(label: Path, identityPath: Path, key: KeyField, reporter: Reporter, generated: boolean): Origin {
  const path = [...identityPath, ...key.path];
  return { label: formatPath(label), pos: reporter.locate(path), path, generated };
}

function describe(claim: Claim): string {
  const { pos, label } = claim.origin;
  const what = claim.copy === undefined ? label : `${label}, copy ${claim.copy}`;
  return pos ? `${formatPos(pos)} (${what})` : what;
}
