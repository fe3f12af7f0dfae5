// e. Pulumi: a no-op `pulumi preview` of one IdentitySet holding N identities (the real Pulumi CLI, driven through
// the Automation API as scripts/pulumi.sh does) vs `ory-reconcile plan` of the same manifest. The stack is brought
// up once (untimed); then previews and CLI plans take turns.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectStack, ProjectStack } from "../test/integration/pulumi/project";
import type { Config, Log } from "./config";
import { seedManifest, SET, writeInputs } from "./data";
import { limitOf, seconds } from "./limits";
import { Backend, pendingRow, ratios, row, Row } from "./report";
import { check, countIdentities, fill, measureCli, Measured, serverInfo, startServer } from "./tools";

const ROWS = ["preview", "plan", "preview-vs-plan"] as const;

export async function pulumiScenario(config: Config, log: Log): Promise<Row[]> {
  const n = config.pulumiN;
  const scenario = `e. Pulumi IdentitySet of ${n.toLocaleString("en")}`;
  const manifest = join(config.workDir, `pulumi-${n}.yaml`);
  writeFileSync(manifest, seedManifest(n, "plain"));
  const rows: Row[] = [];
  for (const name of config.servers) {
    const inputs = writeInputs(config.workDir, n, "plain", serverInfo(name).capabilities.batchCreateLimit);
    for (const backend of config.backends) {
      try {
        rows.push(...(await measurePreview(config, log, name, backend, scenario, manifest, inputs.batchesFile)));
      } catch (error) {
        // A failure here is reported in the table, and does not lose the other scenarios.
        const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 300);
        log(`pulumi ${name} ${backend}: FAILED: ${reason}`);
        rows.push(
          ...ROWS.map((m) =>
            pendingRow(
              {
                id: `pulumi.${backend}.${m}`,
                server: name,
                scenario,
                backend,
                measure: m,
                unit: m === "preview-vs-plan" ? "x" : "s",
              },
              "skipped",
              `failed: ${reason}`,
            ),
          ),
        );
      }
    }
  }
  return rows;
}

async function measurePreview(
  config: Config,
  log: Log,
  name: string,
  backend: Backend,
  scenario: string,
  manifest: string,
  batches: string,
): Promise<Row[]> {
  const { IdentitySet } = require("../src/index") as typeof import("../src/index");
  const server = await startServer(backend, name);
  let stack: ProjectStack | undefined;
  try {
    const url = server.kratos.adminUrl;
    await fill(url, batches);
    if ((await countIdentities(url)).identities !== config.pulumiN)
      throw new Error("setup: wrong number of identities");
    stack = await projectStack(
      `bench-${name.replace(/[^A-Za-z0-9-]/g, "-")}-${backend}`,
      async () => {
        const set = new IdentitySet(SET, { manifest });
        return { counts: set.counts };
      },
      { ORY_ADMIN_URL: url },
    );
    const up = await stack.stack.up();
    if (up.summary.result !== "succeeded") throw new Error(`pulumi up: ${up.summary.result}`);
    const previews: number[] = [];
    const plans: Measured[] = [];
    for (let run = 0; run < config.runs; run++) {
      for (const tool of run % 2 === 0 ? ["preview", "plan"] : ["plan", "preview"]) {
        if (tool === "preview") {
          const started = process.hrtime.bigint();
          const preview = await stack.stack.preview();
          previews.push(Number(process.hrtime.bigint() - started) / 1e9);
          // The stack and the IdentitySet, both unchanged.
          if (Object.keys(preview.changeSummary).some((k) => k !== "same"))
            throw new Error(`preview is not a no-op: ${JSON.stringify(preview.changeSummary)}`);
        } else {
          plans.push(check(await measureCli(["plan", manifest, "--detailed-exitcode"], url, { server }), "CLI plan"));
        }
      }
      log(
        `pulumi ${name} ${backend} run ${run + 1}/${config.runs}: preview ${previews[run].toFixed(2)} s, CLI plan ${seconds(plans[run].wallMs)}`,
      );
    }
    const wall = plans.map((m) => m.wallMs / 1000);
    const id = `pulumi.${backend}`;
    const at = { server: name, scenario, backend };
    return [
      row({
        id: `${id}.preview`,
        ...at,
        measure: "no-op `pulumi preview` (Automation API)",
        unit: "s",
        values: previews,
        limit: "Pulumi CLI + engine + provider start-up",
      }),
      row({ id: `${id}.plan`, ...at, measure: "ory-reconcile plan", unit: "s", values: wall, limit: limitOf(plans) }),
      row({
        id: `${id}.preview-vs-plan`,
        ...at,
        measure: "pulumi preview / CLI plan",
        unit: "x",
        values: ratios(previews, wall),
      }),
    ];
  } finally {
    await stack?.dispose();
    await server.kratos.stop();
  }
}

export function pulumiRowIds(config: Pick<Config, "backends" | "servers">): string[] {
  return config.servers.flatMap((server) =>
    config.backends.flatMap((backend) => ROWS.map((m) => `${server}/pulumi.${backend}.${m}`)),
  );
}
