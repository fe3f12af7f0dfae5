// a. Seeding N identities into an empty Kratos: `ory-reconcile apply` vs `kratos import identities` vs raw batches.
// Every run of every tool gets a fresh Kratos (fresh database), the tools take turns in a rotating order, and the
// ratios are taken per run. With `--wan-ms` (default 20 in full runs), one more case sends every request through
// the recording proxy with that much added delay: a network between client and server, as with Ory Network.
import { startProxy } from "../test/support/proxy";
import type { Config, Log, SeedTool } from "./config";
import { createBody, Inputs, Variant, writeInputs } from "./data";
import { limitOf, seconds } from "./limits";
import { Backend, ratios, row, Row } from "./report";
import { BATCHES_IN_FLIGHT } from "../src/reconcile/core/capabilities";
import { batchLimit } from "../src/ory/capabilities";
import {
  check,
  countIdentities,
  measureCli,
  measureImporter,
  measureNode,
  Measured,
  RAW_SEED,
  serverInfo,
  startServer,
} from "./tools";

type Tool = SeedTool;

const LABEL: Record<Variant, string> = {
  plain: "no password",
  hashed: "bcrypt-hashed passwords",
  plaintext: "plaintext passwords",
};

interface Case {
  /** Without the server (rows prefix it). */
  id: string;
  scenario: string;
  server: string;
  backend: Backend;
  variant: Variant;
  n: number;
  inputs: Inputs;
  /** Identities per raw batch: what ory-reconcile sends to this server (src/ory/capabilities.ts `batchLimit`). */
  batchSize: number;
  /** Delay added to every request (a proxy in front of Kratos); 0: direct. */
  delayMs: number;
}

/** The WAN case: the first backend, no password, at most 2,000 identities (the importer pays the delay per identity). */
export function wanCount(config: Pick<Config, "n">): number {
  return Math.min(config.n, 2000);
}

/** Identities per batch that ory-reconcile sends to `server` for `variant` (the raw baseline sends the same). */
function batchSizeOf(server: string, variant: Variant): number {
  return batchLimit(serverInfo(server).capabilities, [createBody(1, variant)]);
}

function cases(config: Config): Case[] {
  const { n } = config;
  const inputs = (count: number, variant: Variant, batchSize: number) =>
    writeInputs(config.workDir, count, variant, batchSize);
  return config.servers.flatMap((server) => {
    const list: Case[] = config.backends.flatMap((backend) =>
      config.variants.map((variant) => {
        const batchSize = batchSizeOf(server, variant);
        return {
          id: `seed.${variant}.${backend}`,
          scenario: `a. seed ${n.toLocaleString("en")} (${LABEL[variant]})`,
          server,
          backend,
          variant,
          n,
          inputs: inputs(n, variant, batchSize),
          batchSize,
          delayMs: 0,
        };
      }),
    );
    if (config.wanMs > 0) {
      const count = wanCount(config);
      const backend = config.backends[0];
      const batchSize = batchSizeOf(server, "plain");
      list.push({
        id: `seed-wan.plain.${backend}`,
        scenario: `a. seed ${count.toLocaleString("en")} (no password) with ${config.wanMs} ms added to every request`,
        server,
        backend,
        variant: "plain",
        n: count,
        inputs: inputs(count, "plain", batchSize),
        batchSize,
        delayMs: config.wanMs,
      });
    }
    return list;
  });
}

async function runTool(config: Config, c: Case, tool: Tool): Promise<Measured> {
  const server = await startServer(c.backend, c.server);
  const proxy =
    c.delayMs > 0 ? await startProxy({ target: server.kratos.adminUrl, faults: { delayMs: c.delayMs } }) : undefined;
  try {
    const url = proxy?.url ?? server.kratos.adminUrl;
    let measured: Measured;
    if (tool === "ours") {
      measured = await measureCli(["apply", c.inputs.manifest], url, {
        server,
        nodeFlags: config.profileFlags(c.server, c.id),
      });
      check(
        measured,
        "ory-reconcile apply",
        (r) => r.code === 0 && r.stdout.includes(`Apply complete: ${c.n} created`),
      );
    } else if (tool === "importer") {
      measured = check(await measureImporter(c.inputs.importFile, url, { server }), "kratos import identities");
    } else {
      measured = check(
        await measureNode(RAW_SEED, [url, c.inputs.batchesFile, String(BATCHES_IN_FLIGHT)], { server }),
        "raw seed",
      );
    }
    const { identities } = await countIdentities(server.kratos.adminUrl);
    if (identities !== c.n)
      throw new Error(`${tool} on ${c.server}/${c.id}: ${identities} identities on the server, expected ${c.n}`);
    return measured;
  } finally {
    await proxy?.stop();
    await server.kratos.stop();
  }
}

export async function seedScenario(config: Config, log: Log): Promise<Row[]> {
  const all = cases(config);
  const results = new Map<string, Measured[]>();
  for (let run = 0; run < config.runs; run++) {
    for (const c of all) {
      const tools = config.seedTools;
      for (const tool of tools.map((_, i) => tools[(i + run) % tools.length])) {
        const measured = await runTool(config, c, tool);
        const key = `${c.server}/${c.id}/${tool}`;
        log(`${c.server}/${c.id} run ${run + 1}/${config.runs}: ${tool} ${seconds(measured.wallMs)}`);
        results.set(key, [...(results.get(key) ?? []), measured]);
      }
    }
  }

  return all.flatMap((c): Row[] => {
    const get = (tool: Tool) => results.get(`${c.server}/${c.id}/${tool}`) ?? [];
    const wall = (tool: Tool) => get(tool).map((m) => m.wallMs / 1000);
    const { id, scenario, server, backend } = c;
    const has = (...tools: Tool[]) => tools.every((tool) => config.seedTools.includes(tool));
    return [
      has("ours") &&
        row({
          id: `${id}.ours`,
          server,
          scenario,
          backend,
          measure: "ory-reconcile apply",
          unit: "s",
          values: wall("ours"),
          limit: limitOf(get("ours")),
        }),
      has("importer") &&
        row({
          id: `${id}.importer`,
          server,
          scenario,
          backend,
          measure: "kratos import identities (1 POST each)",
          unit: "s",
          values: wall("importer"),
          limit: limitOf(get("importer")),
        }),
      has("raw") &&
        row({
          id: `${id}.raw`,
          server,
          scenario,
          backend,
          measure: `raw batches (PATCH ×${c.batchSize}, ${BATCHES_IN_FLIGHT} in flight, fetch)`,
          unit: "s",
          values: wall("raw"),
          limit: limitOf(get("raw")),
        }),
      has("importer", "ours") &&
        row({
          id: `${id}.importer-vs-ours`,
          server,
          scenario,
          backend,
          measure: "speed-up over the importer",
          unit: "x",
          values: ratios(wall("importer"), wall("ours")),
          goal: { text: ">= 10×", ok: (m) => m >= 10 },
        }),
      has("ours", "raw") &&
        row({
          id: `${id}.ours-vs-raw`,
          server,
          scenario,
          backend,
          measure: "ory-reconcile / raw baseline",
          unit: "x",
          values: ratios(wall("ours"), wall("raw")),
          goal: { text: "<= 1.2×", ok: (m) => m <= 1.2 },
        }),
    ].filter((r): r is Row => r !== false);
  });
}

export function seedRowIds(
  config: Pick<Config, "backends" | "wanMs" | "servers" | "variants" | "seedTools">,
): string[] {
  const prefixes = config.backends.flatMap((backend) => config.variants.map((variant) => `seed.${variant}.${backend}`));
  if (config.wanMs > 0) prefixes.push(`seed-wan.plain.${config.backends[0]}`);
  const measures = [
    ...config.seedTools,
    ...(["importer-vs-ours", "ours-vs-raw"] as const).filter((m) =>
      m.split("-vs-").every((tool) => config.seedTools.includes(tool as SeedTool)),
    ),
  ];
  return config.servers.flatMap((server) => prefixes.flatMap((p) => measures.map((m) => `${server}/${p}.${m}`)));
}
