// Where an IdentitySet's declaration comes from: a manifest path (file or directory, `setName` picks one set) or
// an inline object in manifest format. Used at program time (for the digest) and in the provider (to plan).
import { loadManifests, parseSetObject } from "../manifest";
import { fingerprintOf } from "../reconcile/core/fingerprint";
import { digest } from "../reconcile/core/json";
import { redactJson } from "../reconcile/core/sensitive";
import type { DesiredSet, Issue, Json } from "../reconcile/core/types";

export interface SetSource {
  manifest?: string;
  setName?: string;
  set?: unknown;
}

export type SetResult = { ok: true; set: DesiredSet } | { ok: false; issues: Issue[] };

export interface SourceOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The name `${file:…}` references of an inline set are relative to (the Pulumi project directory). */
export const INLINE_FILE = "inline-set";

export function loadSet(source: SetSource, options: SourceOptions = {}): SetResult {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if ((source.manifest === undefined) === (source.set === undefined)) {
    return fail(
      "give exactly one of manifest (a path) or set (an inline set)",
      'e.g. new IdentitySet("staff", { manifest: "manifests/staff.yaml" })',
    );
  }
  if (source.set !== undefined) {
    const parsed = parseSetObject(source.set, INLINE_FILE, { cwd, env });
    return parsed.ok ? { ok: true, set: parsed.sets[0] } : parsed;
  }
  const loaded = loadManifests([source.manifest as string], { cwd, env });
  if (!loaded.ok) return loaded;
  const names = loaded.sets.map((s) => s.name);
  if (source.setName !== undefined) {
    const found = loaded.sets.find((s) => s.name === source.setName);
    return found
      ? { ok: true, set: found }
      : fail(
          `no set named "${source.setName}" in ${source.manifest} (found: ${names.join(", ") || "none"})`,
          "fix setName or the path",
        );
  }
  if (loaded.sets.length !== 1) {
    return fail(
      `${source.manifest} holds ${loaded.sets.length} sets (${names.join(", ") || "none"}); an IdentitySet is one set`,
      "pass setName to pick one",
    );
  }
  return { ok: true, set: loaded.sets[0] };
}

function fail(message: string, hint: string): SetResult {
  return { ok: false, issues: [{ message, hint }] };
}

/**
 * A digest of everything the declaration says, so that a changed file changes the resource's inputs even though
 * its path did not. Secrets (and `${env:…}` / `${file:…}` values) enter only as the engine's fingerprints (policy `enforce`; `initial` passwords are
 * never re-applied, so they do not matter); positions are left out, so moving lines changes nothing.
 */
export function setDigest(set: DesiredSet): string {
  const { source: _source, ...rest } = set;
  // JSON round trip: every `Secret` becomes "(sensitive)" through its toJSON; values from `${env:…}` / `${file:…}`
  // enter as "(sensitive)" too, and a sensitive key as its label. A password of policy `enforce` enters as its
  // fingerprint, so that changing it changes the digest.
  const identities = set.identities.map(({ source: _at, key, label, sensitive, ...identity }) => {
    const password = identity.credentials?.password;
    const fingerprint = password?.policy === "enforce" ? fingerprintOf(key, password) : undefined;
    return JSON.parse(
      JSON.stringify({
        ...identity,
        key: label ?? key,
        body: redactJson(identity.body as unknown as Json, "", sensitive),
        ...(fingerprint ? { fingerprint } : {}),
      }),
    ) as unknown;
  });
  return digest({ ...rest, identities });
}
