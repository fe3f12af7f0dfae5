// The `recoveryLinks` output of the Pulumi resources: recovery (invite) links and codes, stored as a Pulumi secret
// (the resources list it in `additionalSecretOutputs`, so the state holds it encrypted).
import type { RecoveryRecord } from "../reconcile/engine/recovery";

/** One issued link or code, as plain JSON with stable names (later versions read it from the state). */
export interface RecoveryOutput {
  set: string;
  key: string;
  id: string;
  method: "link" | "code";
  link: string;
  code?: string;
  expires_at?: string;
}

/**
 * The links to store: those stored before whose identity the set still manages (`ids`: key -> id), then the ones
 * issued by this apply. Undefined when there are none (the output stays absent).
 */
export function keptRecoveries(
  before: ReadonlyArray<RecoveryOutput> | undefined,
  issued: ReadonlyArray<RecoveryRecord>,
  ids: Readonly<Record<string, string>>,
): RecoveryOutput[] | undefined {
  const managed = new Set(Object.values(ids));
  const fresh = issued.flatMap((r): RecoveryOutput[] =>
    r.error === undefined && r.link
      ? [
          {
            set: r.set,
            key: r.key,
            id: r.id,
            method: r.method,
            link: r.link.reveal(),
            ...(r.code ? { code: r.code.reveal() } : {}),
            ...(r.expires_at ? { expires_at: r.expires_at } : {}),
          },
        ]
      : [],
  );
  const replaced = new Set(fresh.map((r) => r.id));
  const kept = (before ?? []).filter((r) => managed.has(r.id) && !replaced.has(r.id));
  const all = [...kept, ...fresh];
  return all.length > 0 ? all : undefined;
}
