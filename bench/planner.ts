// The planner alone, in this process: `buildPlan` on live data read once from the server (or generated), CPU time
// of each call measured with process.cpuUsage (user + system), after one warm-up call.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadManifests } from "../src/manifest";
import { createOryClient } from "../src/ory";
import { buildPlan } from "../src/reconcile/core/plan";
import type { DesiredSet, LiveIdentity } from "../src/reconcile/core/types";
import { generatedLive, seedManifest } from "./data";

export interface PlannerTimes {
  cpuMs: number[];
  identities: number;
}

function load(manifest: string): DesiredSet[] {
  const loaded = loadManifests([manifest]);
  if (!loaded.ok) throw new Error(`bench manifest invalid: ${JSON.stringify(loaded.issues.slice(0, 3))}`);
  return loaded.sets;
}

function time(sets: DesiredSet[], live: LiveIdentity[], reps: number): PlannerTimes {
  const expected = sets.reduce((n, s) => n + s.identities.length, 0);
  const first = buildPlan(sets, live);
  if (first.summary.noop !== expected || first.issues.length > 0) {
    throw new Error(
      `planner check: expected ${expected} no-ops, got ${JSON.stringify(first.summary)} with ${first.issues.length} issue(s)`,
    );
  }
  const cpuMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const before = process.cpuUsage();
    buildPlan(sets, live);
    const used = process.cpuUsage(before);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return { cpuMs, identities: expected };
}

/** buildPlan on the identities listed from `adminUrl` (all managed by the manifest's set: a no-op plan). */
export async function timePlanner(
  adminUrl: string,
  manifest: string,
  reps: number,
  pageSize = 1000,
): Promise<PlannerTimes> {
  const live = await createOryClient({ endpoint: adminUrl }).listIdentities({ pageSize });
  return time(load(manifest), live, reps);
}

/** buildPlan on `count` generated live identities (no server): the planner at sizes too slow to seed. */
export function timeGeneratedPlanner(workDir: string, count: number, reps: number): PlannerTimes {
  const manifest = join(workDir, `generated-${count}.yaml`);
  writeFileSync(manifest, seedManifest(count, "plain"));
  return time(load(manifest), generatedLive(count), reps);
}
