// Running the measured programs: the built CLI, the Kratos importer and the raw baselines, each as its own process
// (so every tool pays its own start-up), with wall time, the child's CPU and max RSS (bench/usage.js), and the
// server's CPU time over the same interval (Kratos' process, and PostgreSQL's when it is the backend).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { kratosBin, startKratos, Kratos } from "../src/dev/kratos";
import { Capabilities, kratosCapabilities } from "../src/ory/capabilities";
import type { Backend } from "./report";

export const ROOT = resolve(__dirname, "..");
export const BUILT_CLI = join(ROOT, "dist", "cli", "main.js");
let cli = BUILT_CLI;

/**
 * Copies the build (dist/, and schema/ beside it) into `dir`, a directory inside the package so that node_modules
 * resolve, and measures that copy from now on: a rebuild during a long run (a test run's global setup) does not
 * change what is measured half-way.
 */
export function snapshotCli(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(ROOT, "schema"), join(dir, "schema"), { recursive: true });
  cli = join(dir, "dist", "cli", "main.js");
}
const USAGE = join(__dirname, "usage.js");
const TRACE = join(__dirname, "trace.js");
export const RAW_SEED = join(__dirname, "raw", "seed.js");
export const RAW_LIST = join(__dirname, "raw", "list.js");

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** The child's own user + system CPU (Node children only). */
  clientCpuMs?: number;
  maxRssKb?: number;
  /** Kratos' CPU during the run (its whole process: with SQLite that includes the database work). */
  kratosCpuMs?: number;
  /** PostgreSQL's CPU during the run (all backends of the private cluster), when it is the backend. */
  dbCpuMs?: number;
  /** With `trace` (Node children only): bench/trace.js' events, and when the child was spawned (epoch ms). */
  trace?: { spawnedAt: number; events: TraceEvent[] };
}

export type TraceEvent =
  | { event: "origin" | "preload" | "stdout-first" | "stdout-last" | "exit"; at: number }
  | { event: "fetch"; method: string; url: string; sent: number; headers?: number; body?: number; status?: number };

/** One Kratos server of the run: its name, the version its binary reports, and what our client assumes of it. */
export interface ServerInfo {
  server: string;
  bin: string;
  version: string;
  capabilities: Capabilities;
}

const infos = new Map<string, ServerInfo>();
export function serverInfo(server: string): ServerInfo {
  const known = infos.get(server);
  if (known) return known;
  const bin = kratosBin(server);
  if (!existsSync(bin))
    throw new Error(`no Kratos ${server} binary at ${bin}: run scripts/install-tools.sh kratos kratos-sources`);
  const version = execFileSync(bin, ["version"], { encoding: "utf8" }).match(/v\d+\.\d+\.\d+\S*/)?.[0] ?? "unknown";
  const info = { server, bin, version, capabilities: kratosCapabilities(version) };
  infos.set(server, info);
  return info;
}

const TICK_MS = (() => {
  const hz = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return 1000 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
})();

/** utime + stime (+ children's, when `children`) of a process, in ms; undefined when it is gone or unreadable. */
function procCpuMs(pid: number, children = false): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks * TICK_MS;
  } catch {
    return undefined;
  }
}

function postmasterPid(): number | undefined {
  const dir =
    process.env.ORY_RECONCILE_PG_DIR ??
    join(process.env.TMPDIR ?? "/tmp", `ory-reconcile-postgres-${process.getuid?.() ?? 0}`);
  try {
    return Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

/** CPU of the whole PostgreSQL cluster: the postmaster, its reaped children, and its live children. */
function postgresCpuMs(): number | undefined {
  const root = postmasterPid();
  if (!root) return undefined;
  let total = procCpuMs(root, true);
  if (total === undefined) return undefined;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
        if (Number(fields[1]) === root) total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return total;
}

export interface Server {
  kratos: Kratos;
  backend: Backend;
  /** CPU counters of the server side, read before and after a run. */
  cpu(): { kratos?: number; db?: number };
}

export async function startServer(backend: Backend, server: string, env: Record<string, string> = {}): Promise<Server> {
  const saved = Object.fromEntries(
    ["KRATOS_DSN_BACKEND", ...Object.keys(env)].map((name) => [name, process.env[name]]),
  );
  Object.assign(process.env, env, { KRATOS_DSN_BACKEND: backend });
  try {
    const kratos = await startKratos({ server });
    return {
      kratos,
      backend,
      cpu: () => ({
        kratos: kratos.pid ? procCpuMs(kratos.pid) : undefined,
        db: backend === "postgres" ? postgresCpuMs() : undefined,
      }),
    };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export interface RunOptions {
  env?: Record<string, string>;
  server?: Server;
  /** Extra `node` flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  timeoutMs?: number;
  /** Node children: preload bench/trace.js and return its events (`Measured.trace`). */
  trace?: boolean;
}

/** Runs `command args` and measures it; stdout goes to a file (a long plan must not cost the driver anything). */
export async function measure(command: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-bench-run-"));
  const usageFile = join(dir, "usage.json");
  const outFile = join(dir, "stdout");
  const errFile = join(dir, "stderr");
  const traceFile = join(dir, "trace.jsonl");
  const out = openSync(outFile, "w");
  const err = openSync(errFile, "w");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    BENCH_USAGE_FILE: usageFile,
    ...(options.trace ? { BENCH_TRACE_FILE: traceFile } : {}),
    ...options.env,
  };
  const before = options.server?.cpu();
  const started = process.hrtime.bigint();
  const spawnedAt = performance.timeOrigin + performance.now();
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", out, err] });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60 * 60 * 1000);
    child.on("error", reject);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      resolvePromise(status ?? (signal ? 128 : -1));
    });
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const after = options.server?.cpu();
  closeSync(out);
  closeSync(err);
  const result: Measured = {
    code,
    stdout: readFileSync(outFile, "utf8"),
    stderr: readFileSync(errFile, "utf8"),
    wallMs,
  };
  if (existsSync(usageFile)) {
    const usage = JSON.parse(readFileSync(usageFile, "utf8")) as { maxRssKb: number; userMs: number; systemMs: number };
    result.clientCpuMs = usage.userMs + usage.systemMs;
    result.maxRssKb = usage.maxRssKb;
  }
  if (options.trace && existsSync(traceFile)) {
    const events = readFileSync(traceFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TraceEvent);
    result.trace = { spawnedAt, events };
  }
  if (before?.kratos !== undefined && after?.kratos !== undefined) result.kratosCpuMs = after.kratos - before.kratos;
  if (before?.db !== undefined && after?.db !== undefined) result.dbCpuMs = after.db - before.db;
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** A Node script with bench/usage.js preloaded. */
export function measureNode(script: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  const trace = options.trace ? ["-r", TRACE] : [];
  return measure(process.execPath, [...(options.nodeFlags ?? []), "-r", USAGE, ...trace, script, ...args], options);
}

/** The built CLI: `ory-reconcile <args>` against the server. */
export function measureCli(args: string[], adminUrl: string, options: RunOptions = {}): Promise<Measured> {
  return measureNode(cli, args, { ...options, env: { ORY_ADMIN_URL: adminUrl, ...options.env } });
}

/** `kratos import identities <file> -e <admin url>` of the server's own binary: its importer, one POST per identity. */
export function measureImporter(
  file: string,
  adminUrl: string,
  options: RunOptions & { server: Server },
): Promise<Measured> {
  return measure(
    kratosBin(options.server.kratos.server),
    ["import", "identities", file, "-e", adminUrl, "-q"],
    options,
  );
}

export function check(
  result: Measured,
  what: string,
  expect: (r: Measured) => boolean = (r) => r.code === 0,
): Measured {
  if (!expect(result)) {
    throw new Error(
      `${what} failed (exit ${result.code}):\n${result.stderr.slice(-3000)}\n${result.stdout.slice(-2000)}`,
    );
  }
  return result;
}

/** Identities on the server, counted with the raw lister (outside any timing). */
export async function countIdentities(
  adminUrl: string,
  pageSize = 1000,
): Promise<{ identities: number; pages: number }> {
  const listed = check(await measureNode(RAW_LIST, [adminUrl, String(pageSize)]), "raw list");
  const [identities, pages] = listed.stdout.trim().split(" ").map(Number);
  return { identities, pages };
}

/** Fills the server fast (raw batches, two in flight): setup for scenarios that need existing identities. */
export async function fill(adminUrl: string, batchesFile: string): Promise<Measured> {
  return check(await measureNode(RAW_SEED, [adminUrl, batchesFile, "2"]), "raw seed (setup)");
}
