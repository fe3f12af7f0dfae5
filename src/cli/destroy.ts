// `ory-reconcile destroy --set NAME…`: deletes every identity these sets manage (their ownership marker names one of
// them), and nothing else. It needs no manifests: the plan is that of each set declaring no identity, with prune.
import { planSets } from "../reconcile/engine/engine";
import { KEY_PATH_PATTERN, keySpecOf } from "../reconcile/core/key-spec";
import { toJsonPlan } from "../reconcile/core/jsonplan";
import type { DesiredSet } from "../reconcile/core/types";
import { writePlan } from "./apply";
import { connect } from "./connect";
import { UserError } from "./errors";

export interface DestroyFlags {
  sets: string[];
  /** Key path shown for each identity in the plan (default `traits.email`; the identity id where it has none). */
  key: string;
  endpoint?: string;
  insecureHttp?: boolean;
  /** A cap, "all" (none), or absent: the default cap (see defaultDeleteCap). */
  maxDeletes?: number | "all";
  concurrency?: number;
  output: "text" | "json";
}

const SET_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Lists every identity (`GET /admin/identities`, paged), plans the delete of those whose marker names one of
 * `flags.sets`, prints the plan, then deletes them (`DELETE /admin/identities/{id}`) under the delete cap. Exit 0
 * when all are deleted (or none was managed), 1 when one failed; a refused cap or bad flag is a UserError before any
 * write.
 */
export async function destroyCommand(
  flags: DestroyFlags,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WriteStream,
  color: boolean,
): Promise<number> {
  const names = [...new Set(flags.sets)];
  const bad = names.find((name) => !SET_NAME.test(name));
  if (bad !== undefined)
    throw new UserError(
      `--set ${JSON.stringify(bad)} is not a set name`,
      [],
      'a set name is lowercase letters, digits and "-" (metadata.name of its manifest), e.g. --set staff',
    );
  if (!KEY_PATH_PATTERN.test(flags.key))
    throw new UserError(
      `--key ${JSON.stringify(flags.key)} is not a key path`,
      [],
      "use traits.<dotted.path> or external_id, e.g. --key traits.email",
    );
  const admin = connect(flags);
  const sets: DesiredSet[] = names.map((name) => ({ name, key: keySpecOf(flags.key), prune: true, identities: [] }));
  const { plan } = await planSets(sets, admin, { prune: true, destroy: true });
  const json = toJsonPlan(plan);
  if (plan.issues.length > 0)
    throw new UserError(`the plan has ${plan.issues.length} error(s); nothing was deleted`, plan.issues);
  if (plan.summary.delete === 0) {
    const none = `Nothing to destroy: no identity is managed by ${names.length === 1 ? "set" : "sets"} ${names.join(", ")}.`;
    stdout.write(
      flags.output === "json" ? JSON.stringify({ plan: json, outcomes: [], failed: 0 }, null, 2) + "\n" : none + "\n",
    );
    return 0;
  }
  return writePlan(plan, json, admin, flags, { stdout, stderr, color, verb: "destroy" });
}
