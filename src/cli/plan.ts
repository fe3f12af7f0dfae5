// `ory-reconcile plan`
import { restoreExactIntegers } from "../ory/exact-json";
import { hasChanges, toJsonPlan } from "../reconcile/jsonplan";
import { planSets } from "../reconcile/engine";
import { renderPlan } from "../reconcile/render";
import { connect } from "./connect";
import { onDisk, UserError } from "./errors";
import { loadOrFail } from "./load";
import { writePrivateFile } from "./private-file";

export interface PlanFlags {
  paths: string[];
  vars?: Record<string, string>;
  endpoint?: string;
  insecureHttp?: boolean;
  output: "text" | "json";
  out?: string;
  detailedExitcode?: boolean;
  prune?: boolean;
  adopt?: boolean;
}

export async function planCommand(flags: PlanFlags, stdout: NodeJS.WritableStream, color: boolean): Promise<number> {
  const sets = loadOrFail(flags.paths, flags.vars);
  const admin = connect(flags);
  const { plan } = await planSets(sets, admin, { prune: flags.prune, adopt: flags.adopt === true });
  const json = toJsonPlan(plan);
  const out = flags.out;
  // Integers the server holds beyond 2^53 are written with their digits (ory/exact-json.ts).
  const jsonText = () => restoreExactIntegers(JSON.stringify(json, null, 2)) + "\n";
  if (out) onDisk(`write the plan to ${out}`, () => writePrivateFile(out, jsonText()));
  stdout.write(flags.output === "json" ? jsonText() : renderPlan(json, { color }));
  if (plan.issues.length > 0) throw new UserError(`the plan has ${plan.issues.length} error(s)`, plan.issues);
  return flags.detailedExitcode && hasChanges(plan.summary) ? 2 : 0;
}
