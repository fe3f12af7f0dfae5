// `ory-reconcile plan`
import { hasChanges, toJsonPlan } from "../reconcile/jsonplan";
import { planSets } from "../reconcile/engine";
import { renderPlan } from "../reconcile/render";
import { connect } from "./connect";
import { onDisk, UserError } from "./errors";
import { loadOrFail } from "./load";
import { writePrivateFile } from "./private-file";
import { quietPlanText, style } from "./style";

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
  if (out) onDisk(`write the plan to ${out}`, () => writePrivateFile(out, JSON.stringify(json, null, 2) + "\n"));
  const text = () => (style.quiet ? quietPlanText(renderPlan(json)) : renderPlan(json, { color }));
  stdout.write(flags.output === "json" ? JSON.stringify(json, null, 2) + "\n" : text());
  if (plan.issues.length > 0) throw new UserError(`the plan has ${plan.issues.length} error(s)`, plan.issues);
  return flags.detailedExitcode && hasChanges(plan.summary) ? 2 : 0;
}
