// `npm run bench [-- options]`: ory-reconcile against the Kratos importer and raw-HTTP baselines, on the same machine,
// the same Kratos and the same data, in one run; SQLite and PostgreSQL. Prints a markdown table and writes JSON
// (default bench/results/bench-<time>.json, next to it the table as .md). See bench/README.md.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defaultServer } from "../src/dev/kratos";
import { Config, DEFAULT_VARIANTS, Log, parseArgs, Scenario, SEED_TOOLS } from "./config";
import { largeRowIds, largeScenario } from "./large";
import { pulumiRowIds, pulumiScenario } from "./pulumi";
import { readsRowIds, readsScenario } from "./reads";
import { markdownTable, Row } from "./report";
import { seedRowIds, seedScenario } from "./seed";
import { BUILT_CLI, ROOT, serverInfo, snapshotCli } from "./tools";

export const RESULTS_DIR = join(__dirname, "results");

/**
 * Every row id a run with these options reports, whatever the figures. `servers` and `variants` default as
 * `parseArgs` does (the default server only; no password and bcrypt-hashed; every seeding tool).
 */
export function expectedRowIds(
  options: Pick<Config, "backends" | "largeBackends" | "scenarios" | "wanMs"> &
    Partial<Pick<Config, "servers" | "variants" | "seedTools">>,
): string[] {
  const config = {
    ...options,
    servers: options.servers ?? [defaultServer()],
    variants: options.variants ?? DEFAULT_VARIANTS,
    seedTools: options.seedTools ?? [...SEED_TOOLS],
  };
  const ids: Record<Scenario, () => string[]> = {
    seed: () => seedRowIds(config),
    reads: () => readsRowIds(config),
    large: () => largeRowIds(config),
    pulumi: () => pulumiRowIds(config),
  };
  return config.scenarios.flatMap((s) => ids[s]());
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export interface BenchResult {
  meta: Record<string, unknown>;
  rows: Row[];
}

async function main(argv: string[]): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "ory-reconcile-bench-"));
  const config = parseArgs(argv, RESULTS_DIR, workDir);
  const started = Date.now();
  const log: Log = (line) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build (npm run bench does)`);
  const snapshot = join(RESULTS_DIR, `.cli-${process.pid}`);
  snapshotCli(snapshot);
  // Every server's binary before anything runs: a missing one fails the run at once, not hours into it.
  const kratos = Object.fromEntries(config.servers.map((server) => [server, serverInfo(server).version]));
  const versions = config.servers
    .map((server) => (kratos[server] === server ? server : `${server} (${kratos[server]})`))
    .join(", ");
  log(
    `Kratos ${versions}; N=${config.n}, large N=${config.largeN}, runs=${config.runs}, backends=${config.backends.join(",")}`,
  );

  const runners: Record<Scenario, (c: Config, l: Log) => Promise<Row[]>> = {
    seed: seedScenario,
    reads: readsScenario,
    large: largeScenario,
    pulumi: pulumiScenario,
  };
  const rows: Row[] = [];
  const meta = {
    command: `npm run bench --${argv.length ? " " + argv.join(" ") : ""}`,
    date: new Date().toISOString(),
    git: `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") ? " (with uncommitted changes)" : ""}`,
    node: process.version,
    kratos,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    config: {
      quick: config.quick,
      runs: config.runs,
      n: config.n,
      largeN: config.largeN,
      pulumiN: config.pulumiN,
      servers: config.servers,
      variants: config.variants,
      backends: config.backends,
      wanMs: config.wanMs,
      largeBackends: config.largeBackends,
      scenarios: config.scenarios,
    },
  };
  const write = (done: boolean) => {
    const result: BenchResult = {
      meta: {
        ...meta,
        loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
        durationS: Math.round((Date.now() - started) / 1000),
        complete: done,
      },
      rows,
    };
    mkdirSync(dirname(config.out), { recursive: true });
    writeFileSync(config.out, JSON.stringify(result, null, 2) + "\n");
    writeFileSync(config.out.replace(/\.json$/, "") + ".md", `${meta.command}\n\n${markdownTable(rows, kratos)}`);
  };
  try {
    for (const scenario of config.scenarios) {
      log(`scenario ${scenario}`);
      rows.push(...(await runners[scenario](config, log)));
      write(false); // partial results survive a later failure
    }
    write(true);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    rmSync(snapshot, { recursive: true, force: true });
  }
  process.stdout.write(
    `\n${meta.command}  (${meta.cpus}, Node ${meta.node}, Kratos ${versions})\n\n${markdownTable(rows, kratos)}\nJSON: ${config.out}\n`,
  );
  if (config.profileDir) process.stdout.write(`CPU profiles: ${config.profileDir}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
