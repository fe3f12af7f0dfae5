// d. Plan of a large set (100,000 by default): peak RSS of the CLI process and planner time per 1,000 identities,
// against a real Kratos filled with the raw seeder (two batches in flight), and in-process on generated live data.
import type { Config, Log } from "./config";
import { seedManifest, writeInputs } from "./data";
import { limitOf, seconds } from "./limits";
import { timeGeneratedPlanner, timePlanner } from "./planner";
import { Backend, row, Row } from "./report";
import { check, countIdentities, fill, measureCli, Measured, serverInfo, startServer } from "./tools";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

export async function largeScenario(config: Config, log: Log): Promise<Row[]> {
  const n = config.largeN;
  const scenario = `d. plan of ${n.toLocaleString("en")}`;
  const rows: Row[] = [];
  const reps = Math.max(3, config.runs);
  const generated = timeGeneratedPlanner(config.workDir, n, reps);
  log(`large: buildPlan on ${n} generated identities: ${generated.cpuMs.map((ms) => ms.toFixed(0)).join(", ")} ms CPU`);
  rows.push(
    row({
      id: "large.generated.planner-per-1k",
      server: "-",
      scenario,
      backend: "-",
      measure: "buildPlan CPU per 1,000 (generated live data, in-process)",
      unit: "ms",
      values: generated.cpuMs.map((ms) => (ms * 1000) / n),
      limit: "our CPU",
    }),
  );
  if (config.largeBackends.length === 0) return rows;

  const manifest = join(config.workDir, `large-${n}.yaml`);
  writeFileSync(manifest, seedManifest(n, "plain"));
  for (const name of config.servers) {
    const { batchCreateLimit } = serverInfo(name).capabilities;
    const inputs = writeInputs(config.workDir, n, "plain", batchCreateLimit);
    for (const backend of config.largeBackends)
      rows.push(...(await large(config, log, name, backend, inputs.batchesFile, manifest, reps)));
  }
  return rows;
}

async function large(
  config: Config,
  log: Log,
  name: string,
  backend: Backend,
  batchesFile: string,
  manifest: string,
  reps: number,
): Promise<Row[]> {
  const n = config.largeN;
  const scenario = `d. plan of ${n.toLocaleString("en")}`;
  const server = await startServer(backend, name);
  try {
    const url = server.kratos.adminUrl;
    const seeded = await fill(url, batchesFile);
    const { identities } = await countIdentities(url);
    if (identities !== n) throw new Error(`setup: ${identities} identities, expected ${n}`);
    log(`large ${name} ${backend}: seeded ${n} in ${seconds(seeded.wallMs)} (raw, 2 batches in flight)`);
    const plans: Measured[] = [];
    for (let run = 0; run < config.runs; run++) {
      const m = await measureCli(["plan", manifest, "--detailed-exitcode"], url, {
        server,
        nodeFlags: config.profileFlags("large", name, backend),
      });
      plans.push(check(m, "large no-op plan"));
      log(
        `large ${name} ${backend} run ${run + 1}/${config.runs}: ${seconds(m.wallMs)}, max RSS ${((m.maxRssKb ?? 0) / 1024).toFixed(0)} MB`,
      );
    }
    const planner = await timePlanner(url, manifest, reps, serverInfo(name).capabilities.pageSizeMax);
    const id = `large.${backend}`;
    const at = { server: name, scenario, backend };
    return [
      row({
        id: `${id}.rss`,
        ...at,
        measure: "peak RSS of `ory-reconcile plan`",
        unit: "MB",
        values: plans.map((m) => (m.maxRssKb ?? NaN) / 1024),
        goal: { text: "< 300 MB", ok: (m) => m < 300 },
      }),
      row({
        id: `${id}.wall`,
        ...at,
        measure: "ory-reconcile plan",
        unit: "s",
        values: plans.map((m) => m.wallMs / 1000),
        limit: limitOf(plans),
      }),
      row({
        id: `${id}.planner-per-1k`,
        ...at,
        measure: "buildPlan CPU per 1,000 (listed live data, in-process)",
        unit: "ms",
        values: planner.cpuMs.map((ms) => (ms * 1000) / n),
        limit: "our CPU",
      }),
      row({
        id: `${id}.seed`,
        ...at,
        measure: `setup: raw seeding of ${n.toLocaleString("en")} (2 batches in flight)`,
        unit: "s",
        values: [seeded.wallMs / 1000],
        limit: limitOf([seeded]),
      }),
    ];
  } finally {
    await server.kratos.stop();
  }
}

export function largeRowIds(config: Pick<Config, "largeBackends" | "servers">): string[] {
  const perServer = config.servers.flatMap((server) =>
    config.largeBackends.flatMap((b) =>
      ["rss", "wall", "planner-per-1k", "seed"].map((m) => `${server}/large.${b}.${m}`),
    ),
  );
  return ["large.generated.planner-per-1k", ...perServer];
}
