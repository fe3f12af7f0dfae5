// The one engine behind the CLI and the Pulumi resources: read live state, plan, apply.
import type { Capabilities, OryAdmin } from "./admin";
import { applyPlan, ApplyOptions, ApplyResult } from "./apply";
import { buildPlan } from "./plan";
import type { DesiredSet, Issue, Plan, PlanOptions } from "./types";

/** Declarations the server cannot honour, found before any read of identities and before any write. */
export function capabilityIssues(sets: ReadonlyArray<DesiredSet>, caps: Capabilities): Issue[] {
  if (caps.externalId) return [];
  const issues: Issue[] = [];
  const server = `the server (${caps.flavor} ${caps.version ?? "unknown version"}) does not support external_id`;
  for (const set of sets) {
    if (set.key.kind === "external_id") {
      issues.push({ pos: set.source, path: "spec.key", message: `set ${set.name} uses key: external_id but ${server}`, hint: "use a trait as the key, e.g. `key: traits.email`, or target Ory Network / Kratos >= v25" });
      continue;
    }
    const declaring = set.identities.find((i) => i.body.external_id !== undefined);
    if (declaring) {
      issues.push({ pos: declaring.source, path: "external_id", message: `${set.name}/${declaring.key} declares external_id but ${server}`, hint: "remove external_id, or target Ory Network / Kratos >= v25" });
    }
  }
  return issues;
}

export interface PlanRun {
  plan: Plan;
  capabilities: Capabilities;
}

export async function planSets(sets: ReadonlyArray<DesiredSet>, admin: OryAdmin, options: PlanOptions = {}): Promise<PlanRun> {
  const capabilities = await admin.capabilities();
  const issues = capabilityIssues(sets, capabilities);
  if (issues.length > 0) {
    return { plan: { sets: [], summary: { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 }, issues }, capabilities };
  }
  const live = await admin.listIdentities({ pageSize: capabilities.pageSizeMax });
  return { plan: buildPlan(sets, live, options), capabilities };
}

export async function reconcile(sets: ReadonlyArray<DesiredSet>, admin: OryAdmin, options: PlanOptions & ApplyOptions = {}): Promise<{ plan: Plan; result: ApplyResult }> {
  const { plan } = await planSets(sets, admin, options);
  const result = await applyPlan(plan, admin, options);
  return { plan, result };
}
