// b. No-op plan of N managed identities vs a raw paged listing (wall time, requests), and the planner's CPU alone.
// c. 1 % drift (changed traits, deletes with prune, new identities): requests made vs the fewest possible.
// One Kratos per backend, filled with the raw seeder; the drift is reverted (untimed) after every run.
import { startProxy } from "../test/support/proxy";
import type { Config, Log } from "./config";
import { Drift, driftManifest, driftOf, writeInputs } from "./data";
import { timePlanner } from "./planner";
import { limitOf, seconds } from "./limits";
import { Backend, ratios, row, Row } from "./report";
import {
  check,
  countIdentities,
  fill,
  measureCli,
  measureNode,
  Measured,
  RAW_LIST,
  serverInfo,
  startServer,
} from "./tools";
import { join } from "node:path";
import { writeFileSync } from "node:fs";

export async function readsScenario(config: Config, log: Log): Promise<Row[]> {
  const n = config.n;
  const rows: Row[] = [];
  const inputs = writeInputs(config.workDir, n, "plain", 2000);
  const drift = driftOf(n);
  const driftFile = join(config.workDir, "drift.yaml");
  writeFileSync(driftFile, driftManifest(n, drift));

  for (const name of config.servers) {
    // The raw listing asks for the page size ory-reconcile uses on this server (1000 on v1.x, 500 on newer ones).
    const pageSize = serverInfo(name).capabilities.pageSizeMax;
    const batches = writeInputs(config.workDir, n, "plain", serverInfo(name).capabilities.batchCreateLimit).batchesFile;
    for (const backend of config.backends) {
      const server = await startServer(backend, name);
      try {
        const url = server.kratos.adminUrl;
        await fill(url, batches);
        const { identities, pages } = await countIdentities(url, pageSize);
        if (identities !== n) throw new Error(`setup: ${identities} identities, expected ${n}`);
        log(`reads ${name} ${backend}: ${n} identities in ${pages} pages of ${pageSize}`);
        rows.push(...(await noop(config, log, name, backend, server, inputs.manifest, pages, pageSize)));
        rows.push(...(await driftRuns(config, log, name, backend, server, inputs.manifest, driftFile, drift, pages)));
      } finally {
        await server.kratos.stop();
      }
    }
  }
  return rows;
}

type Server = Awaited<ReturnType<typeof startServer>>;

async function noop(
  config: Config,
  log: Log,
  name: string,
  backend: Backend,
  server: Server,
  manifest: string,
  pages: number,
  pageSize: number,
): Promise<Row[]> {
  const url = server.kratos.adminUrl;
  const ours: Measured[] = [];
  const raw: Measured[] = [];
  const fixed: Measured[] = [];
  for (let run = 0; run < config.runs; run++) {
    const tools = run % 2 === 0 ? (["ours", "raw", "validate"] as const) : (["validate", "raw", "ours"] as const);
    for (const tool of tools) {
      if (tool === "ours") {
        const m = await measureCli(["plan", manifest, "--detailed-exitcode"], url, {
          server,
          nodeFlags: config.profileFlags("noop", name, backend),
        });
        ours.push(check(m, "no-op plan (exit 0 = no changes)"));
      } else if (tool === "raw") {
        raw.push(check(await measureNode(RAW_LIST, [url, String(pageSize)], { server }), "raw list"));
      } else {
        // What every command pays before the first request: Node start-up, loading the CLI, reading the manifest.
        fixed.push(check(await measureCli(["validate", manifest], url), "validate"));
      }
    }
    log(
      `noop ${name} ${backend} run ${run + 1}/${config.runs}: ours ${seconds(ours[run].wallMs)}, raw ${seconds(raw[run].wallMs)}`,
    );
  }

  // Requests, counted once each through the recording proxy.
  const proxy = await startProxy({ target: url });
  let oursRequests: number;
  let rawRequests: number;
  try {
    check(await measureCli(["plan", manifest, "--detailed-exitcode"], proxy.url), "no-op plan via proxy");
    oursRequests = proxy.count();
    proxy.clear();
    check(await measureNode(RAW_LIST, [proxy.url, String(pageSize)]), "raw list via proxy");
    rawRequests = proxy.count();
  } finally {
    await proxy.stop();
  }

  const planner = await timePlanner(url, manifest, Math.max(3, config.runs), pageSize);
  const n = config.n;
  const scenario = `b. no-op plan of ${n.toLocaleString("en")}`;
  const id = `noop.${backend}`;
  const at = { server: name, scenario, backend };
  const wall = (list: Measured[]) => list.map((m) => m.wallMs / 1000);
  return [
    row({
      id: `${id}.ours`,
      ...at,
      measure: "ory-reconcile plan",
      unit: "s",
      values: wall(ours),
      limit: limitOf(ours),
    }),
    row({
      id: `${id}.raw`,
      ...at,
      measure: `raw paged listing (${pages} pages)`,
      unit: "s",
      values: wall(raw),
      limit: limitOf(raw),
    }),
    row({
      id: `${id}.ours-vs-raw`,
      ...at,
      measure: "ory-reconcile / raw listing",
      unit: "x",
      values: ratios(wall(ours), wall(raw)),
      goal: { text: "<= 1.2×", ok: (m) => m <= 1.2 },
    }),
    row({
      id: `${id}.validate`,
      ...at,
      measure: "of which fixed: `ory-reconcile validate` (start-up + manifest, no network)",
      unit: "s",
      values: wall(fixed),
      limit: limitOf(fixed),
    }),
    row({
      id: `${id}.variable-vs-raw`,
      ...at,
      measure: "(ory-reconcile plan − validate) / raw listing",
      unit: "x",
      values: wall(ours).map((w, i) => (w - wall(fixed)[i]) / wall(raw)[i]),
    }),
    row({
      id: `${id}.requests-ours`,
      ...at,
      measure: "requests, ory-reconcile plan",
      unit: "requests",
      values: [oursRequests],
      note: `raw listing: ${rawRequests}`,
    }),
    row({ id: `${id}.requests-raw`, ...at, measure: "requests, raw listing", unit: "requests", values: [rawRequests] }),
    row({
      id: `${id}.planner-cpu`,
      ...at,
      measure: "buildPlan CPU (in-process, on the listed data)",
      unit: "ms",
      values: planner.cpuMs,
      limit: "our CPU",
    }),
    row({
      id: `${id}.planner-per-1k`,
      ...at,
      measure: "buildPlan CPU per 1,000 identities",
      unit: "ms",
      values: planner.cpuMs.map((ms) => (ms * 1000) / n),
      limit: "our CPU",
    }),
  ];
}

async function driftRuns(
  config: Config,
  log: Log,
  name: string,
  backend: Backend,
  server: Server,
  seed: string,
  driftFile: string,
  drift: Drift,
  pages: number,
): Promise<Row[]> {
  const url = server.kratos.adminUrl;
  const proxy = await startProxy({ target: url });
  const made: number[] = [];
  const walls: Measured[] = [];
  const breakdown: string[] = [];
  // Fewest possible: read every identity once (as the raw listing does), one PATCH per changed identity, one DELETE
  // per removed one, one batch per `batchCreateLimit` new ones.
  const minimum =
    pages + drift.changed + drift.deleted + Math.ceil(drift.added / serverInfo(name).capabilities.batchCreateLimit);
  try {
    for (let run = 0; run < config.runs; run++) {
      proxy.clear();
      const m = await measureCli(["apply", driftFile, "--prune"], proxy.url, {
        server,
        nodeFlags: config.profileFlags("drift", name, backend),
      });
      const summary = `Apply complete: ${drift.added} created, ${drift.changed} updated, 0 adopted, ${drift.deleted} deleted, 0 failed.`;
      check(m, "drift apply", (r) => r.code === 0 && r.stdout.includes(summary));
      made.push(proxy.count());
      walls.push(m);
      const counts = new Map<string, number>();
      for (const r of proxy.requests) {
        const path = r.path.split("?")[0].replace(/[0-9a-f-]{36}/g, "{id}");
        const query = r.path.includes("ids=") ? "?ids=…" : "";
        counts.set(`${r.method} ${path}${query}`, (counts.get(`${r.method} ${path}${query}`) ?? 0) + 1);
      }
      breakdown.push([...counts].map(([k, v]) => `${v}× ${k}`).join(", "));
      log(
        `drift ${name} ${backend} run ${run + 1}/${config.runs}: ${made[run]} requests (minimum ${minimum}), ${seconds(m.wallMs)}`,
      );
      // Back to the seeded state (untimed), and check that it is: a plan of the seed manifest is empty again.
      check(await measureCli(["apply", seed, "--prune"], url), "drift revert");
      check(await measureCli(["plan", seed, "--detailed-exitcode"], url), "no-op after revert");
    }
  } finally {
    await proxy.stop();
  }
  const { identities } = await countIdentities(url);
  if (identities !== config.n) throw new Error(`after the drift runs: ${identities} identities, expected ${config.n}`);
  const scenario = `c. 1 % drift of ${config.n.toLocaleString("en")} (${drift.changed} changed, ${drift.deleted} pruned, ${drift.added} new)`;
  const id = `drift.${backend}`;
  const at = { server: name, scenario, backend };
  return [
    row({
      id: `${id}.requests`,
      ...at,
      measure: "requests made (apply --prune)",
      unit: "requests",
      values: made,
      note: breakdown[0],
    }),
    row({
      id: `${id}.minimum`,
      ...at,
      measure: "fewest possible requests",
      unit: "requests",
      values: [minimum],
      note: `${pages} list pages + ${drift.changed} PATCH + ${drift.deleted} DELETE + 1 batch`,
    }),
    row({
      id: `${id}.vs-minimum`,
      ...at,
      measure: "requests made / fewest possible",
      unit: "x",
      values: made.map((m) => m / minimum),
    }),
    row({
      id: `${id}.wall`,
      ...at,
      measure: "ory-reconcile apply --prune",
      unit: "s",
      values: walls.map((m) => m.wallMs / 1000),
      limit: limitOf(walls),
    }),
  ];
}

export function readsRowIds(config: Pick<Config, "backends" | "servers">): string[] {
  return config.servers.flatMap((server) =>
    config.backends.flatMap((backend) => [
      ...[
        "ours",
        "raw",
        "ours-vs-raw",
        "validate",
        "variable-vs-raw",
        "requests-ours",
        "requests-raw",
        "planner-cpu",
        "planner-per-1k",
      ].map((m) => `${server}/noop.${backend}.${m}`),
      ...["requests", "minimum", "vs-minimum", "wall"].map((m) => `${server}/drift.${backend}.${m}`),
    ]),
  );
}
