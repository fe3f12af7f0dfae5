// `ory-reconcile plan`
import { hasChanges, toJsonPlan } from "../reconcile/core/jsonplan";
import { planSets } from "../reconcile/engine/engine";
import { estimateApply, RequestTally } from "../reconcile/core/estimate";
import { renderMarkdownPlan } from "../reconcile/core/markdown";
import { renderPlan } from "../reconcile/core/render";
import { savedPlanText } from "../reconcile/core/saved-plan";
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
  output: "text" | "json" | "markdown";
  out?: string;
  /** Every identity on its own, also the copies of a `generate` entry. */
  verbose?: boolean;
  /** Also report the live identities no set manages. */
  showUnmanaged?: boolean;
  detailedExitcode?: boolean;
  prune?: boolean;
  adopt?: boolean;
}

export async function planCommand(flags: PlanFlags, stdout: NodeJS.WritableStream, color: boolean): Promise<number> {
  const sets = loadOrFail(flags.paths, flags.vars);
  // The plan's own requests, per rate-limit bucket, and the limits the answers announce: the estimate's base.
  const tally = new RequestTally();
  const admin = connect(flags, tally.record);
  const { plan, capabilities, unmanaged } = await planSets(sets, admin, {
    prune: flags.prune,
    adopt: flags.adopt === true,
    unmanaged: flags.showUnmanaged === true,
  });
  const json = toJsonPlan(plan);
  if (unmanaged) json.unmanaged = unmanaged;
  const estimate =
    plan.issues.length === 0 ? estimateApply(plan, capabilities, tally.requests, tally.limits) : undefined;
  if (estimate) json.estimate = estimate;
  const out = flags.out;
  // Integers the server holds beyond 2^53 are written with their digits (reconcile/core/exact-json.ts).
  const jsonText = () => savedPlanText(json);
  if (out) onDisk(`write the plan to ${out}`, () => writePrivateFile(out, jsonText()));
  const verbose = flags.verbose === true;
  const text = () => (style.quiet ? quietPlanText(renderPlan(json)) : renderPlan(json, { color, verbose }));
  stdout.write(
    flags.output === "json" ? jsonText() : flags.output === "markdown" ? renderMarkdownPlan(json, { verbose }) : text(),
  );
  if (plan.issues.length > 0) throw new UserError(`the plan has ${plan.issues.length} error(s)`, plan.issues);
  return flags.detailedExitcode && hasChanges(plan.summary) ? 2 : 0;
}
