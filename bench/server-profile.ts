// A Go CPU profile of the server side of seeding: `kratos serve` of one server started with PROFILING=cpu (ory/x
// profilex: github.com/pkg/profile writes <tmp>/profile<random>/cpu.pprof when the server shuts down), N identities
// sent as raw batches (`PATCH /admin/identities`, the batches ory-reconcile sends, two in flight), then
// `go tool pprof -top` of the profile. The server's CPU per identity is printed next to it.
//
// Usage: node -r ./bench/register.js bench/server-profile.ts [--server v26.2.0] [--n 4000] [--variant plain]
//        [--in-flight 2] [--batch N] [--top 40] [--out dir]
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchLimit } from "../src/ory/capabilities";
import { createBody, Variant, writeInputs } from "./data";
import { check, countIdentities, measureNode, RAW_SEED, serverInfo, startServer } from "./tools";

function profiles(): Map<string, number> {
  const dir = tmpdir();
  const found = new Map<string, number>();
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith("profile")) continue;
    const file = join(dir, entry, "cpu.pprof");
    try {
      found.set(file, statSync(file).mtimeMs);
    } catch {
      // not a profile dir, or not written yet
    }
  }
  return found;
}

async function main(): Promise<void> {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ""), argv[i + 1]);
  const server = args.get("server") ?? "v26.2.0";
  const n = Number(args.get("n") ?? 4000);
  const variant = (args.get("variant") ?? "plain") as Variant;
  const inFlight = args.get("in-flight") ?? "2";
  const info = serverInfo(server);
  const batchSize = Number(args.get("batch") ?? batchLimit(info.capabilities, [createBody(1, variant)]));
  const outDir = args.get("out") ?? join(__dirname, "results", "server-profiles");
  const work = mkdtempSync(join(tmpdir(), "ory-reconcile-server-profile-"));
  try {
    const inputs = writeInputs(work, n, variant, batchSize);
    const before = profiles();
    const kratos = await startServer("sqlite", server, { PROFILING: "cpu" });
    let seeded;
    try {
      seeded = check(
        await measureNode(RAW_SEED, [kratos.kratos.adminUrl, inputs.batchesFile, inFlight], { server: kratos }),
        "raw seed",
      );
      const { identities } = await countIdentities(kratos.kratos.adminUrl, info.capabilities.pageSizeMax);
      if (identities !== n) throw new Error(`${identities} identities on the server, expected ${n}`);
    } finally {
      await kratos.kratos.stop();
    }
    const written = [...profiles()].filter(([file, mtime]) => before.get(file) !== mtime).sort((a, b) => b[1] - a[1]);
    if (written.length === 0) throw new Error("no cpu.pprof was written (is PROFILING supported by this binary?)");
    mkdirSync(outDir, { recursive: true });
    const kept = join(outDir, `${server}-${variant}-${n}-b${batchSize}-f${inFlight}.pprof`);
    cpSync(written[0][0], kept);
    for (const [file] of written) rmSync(join(file, ".."), { recursive: true, force: true });
    const kratosCpu = seeded.kratosCpuMs ?? NaN;
    process.stdout.write(
      `Kratos ${server} (${info.version}), ${n} identities (${variant}), batches of ${batchSize}, ${inFlight} in flight: ` +
        `wall ${(seeded.wallMs / 1000).toFixed(2)} s, Kratos CPU ${(kratosCpu / 1000).toFixed(2)} s = ${(kratosCpu / n).toFixed(2)} ms per identity\nprofile: ${kept}\n\n`,
    );
    const top = execFileSync("go", ["tool", "pprof", "-top", `-nodecount=${args.get("top") ?? 40}`, info.bin, kept], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const cum = execFileSync(
      "go",
      ["tool", "pprof", "-top", "-cum", `-nodecount=${args.get("top") ?? 40}`, info.bin, kept],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    process.stdout.write(`${top}\n--- by cumulative time ---\n${cum}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `server-profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
