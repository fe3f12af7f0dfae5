// The checks of stored password fingerprints that a plan will make, found ahead so that their scrypt runs in
// parallel (warmFingerprints) instead of one after another inside the pure planner.
import { Binding } from "./fingerprint";
import { readMarker } from "./marker";
import { liveKey } from "./normalize";
import type { DesiredSet, LiveIdentity, PasswordDecl, PlanOptions } from "./types";

/**
 * For every live identity that a set manages (under its name or its former one) and that carries a stored
 * fingerprint other than the one computed for the declaration with the same key (policy `enforce`): the stored
 * fingerprint, the declared password, and what it may be bound to. Pairs by the exact key only: a check this misses
 * is still made by the planner, just not ahead.
 */
export function storedFingerprintChecks(
  sets: ReadonlyArray<DesiredSet>,
  live: ReadonlyArray<LiveIdentity>,
  options: PlanOptions = {},
): Array<{ stored: string; decl: PasswordDecl; binding: Binding }> {
  const out: Array<{ stored: string; decl: PasswordDecl; binding: Binding }> = [];
  const managed = live.flatMap((identity) => {
    const marker = readMarker(identity.metadata_admin);
    return marker?.password !== undefined ? [{ identity, marker, stored: marker.password }] : [];
  });
  if (managed.length === 0) return out;
  for (const set of sets) {
    const former = options.renamedFrom?.[set.name];
    const enforced = new Map(
      set.identities.flatMap((i) =>
        i.credentials?.password?.policy === "enforce"
          ? [[i.markedKey?.key ?? i.key, i.credentials.password] as const]
          : [],
      ),
    );
    if (enforced.size === 0) continue;
    for (const { identity, marker, stored } of managed) {
      if (marker.set !== set.name && marker.set !== former) continue;
      const key = liveKey(identity, set.key);
      const decl = key === undefined ? undefined : enforced.get(key);
      if (key === undefined || !decl || stored === decl.fingerprint) continue;
      out.push({ stored, decl, binding: { keys: [key], sets: [set.name, marker.set] } });
    }
  }
  return out;
}
