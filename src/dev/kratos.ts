// A throwaway Ory Kratos for tests, benchmarks and the demo: free loopback ports, a temp dir with a SQLite
// database, migrations, `kratos serve --dev`, readiness poll, and a clean shutdown that leaves nothing behind.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { IDENTITY_SCHEMA } from "./identity-schema";

export interface KratosOptions {
  /** Which server: `v1.3.1`, `v26.2.0` or `master` (default: $KRATOS_VERSION, else v1.3.1); see {@link kratosBin}. */
  server?: string;
  /** Path of the kratos binary (default: $KRATOS_BIN, or the cached build of `server`). */
  bin?: string;
  /**
   * Database DSN; default a SQLite file in the temp dir, or with `KRATOS_DSN_BACKEND=postgres` a fresh database
   * in the private PostgreSQL cluster of scripts/postgres.sh (dropped by `stop`). `{dir}` is replaced by the temp dir.
   */
  dsn?: string;
  /** Forward Kratos' own log lines to stderr. */
  verbose?: boolean;
  /** Extra configuration merged over the defaults (top-level keys replace). */
  config?: Record<string, unknown>;
}

export interface Kratos {
  /** The server's name in the table of servers (`v1.3.1`, `v26.2.0`, `master`), or `custom` for `options.bin`. */
  server: string;
  adminUrl: string;
  publicUrl: string;
  dir: string;
  version: string;
  /** `sqlite` or `postgres` for the default DSNs, `custom` for `options.dsn`. */
  backend: "sqlite" | "postgres" | "custom";
  /** Process id of `kratos serve` (benchmarks read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export function cacheDir(): string {
  return process.env.ORY_RECONCILE_CACHE ?? join(homedir(), ".cache", "ory-reconcile");
}

/** The servers scripts/install-tools.sh builds: v1.3.1 from Go modules, v26.2.0 and master from ../shared/ory-kratos. */
export const KRATOS_SERVERS = ["v1.3.1", "v26.2.0", "master"] as const;

/** The default server: $KRATOS_VERSION, else v1.3.1. */
export function defaultServer(): string {
  return process.env.KRATOS_VERSION || "v1.3.1";
}

/**
 * The binary of a server: $KRATOS_BIN when given (for the default server only), else what scripts/install-tools.sh
 * built: `<cache>/bin/kratos` for v1.3.1, `<cache>/bin/kratos-<server>` for any other (`kratos-master` links to the
 * newest source build). Whether it exists is the caller's question ({@link installedServers}).
 */
export function kratosBin(server = defaultServer()): string {
  if (process.env.KRATOS_BIN && server === defaultServer()) return process.env.KRATOS_BIN;
  return join(cacheDir(), "bin", server === "v1.3.1" ? "kratos" : `kratos-${server}`);
}

/** The servers of {@link KRATOS_SERVERS} whose binary is installed. */
export function installedServers(): string[] {
  return KRATOS_SERVERS.filter((server) => existsSync(kratosBin(server)));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The configuration of every throwaway Kratos (the same keys mean the same on v1.3.1, v26.2.0 and master): password
 * login with TOTP and lookup secrets (recovery codes) as second factors; recovery and verification by link and by
 * code (`use: code` in the self-service flows; the admin API issues either); e-mails go to a closed port and are
 * dropped.
 */
function kratosConfig(dir: string, publicPort: number, adminPort: number, dsn: string): Record<string, unknown> {
  const publicUrl = `http://127.0.0.1:${publicPort}/`;
  return {
    dsn,
    serve: {
      public: { base_url: publicUrl, host: "127.0.0.1", port: publicPort },
      admin: { base_url: `http://127.0.0.1:${adminPort}/`, host: "127.0.0.1", port: adminPort },
    },
    selfservice: {
      default_browser_return_url: publicUrl,
      allowed_return_urls: [publicUrl],
      methods: {
        password: { enabled: true },
        code: { enabled: true },
        link: { enabled: true },
        totp: { enabled: true, config: { issuer: "ory-reconcile-test" } },
        lookup_secret: { enabled: true },
      },
      flows: {
        login: { lifespan: "10m" },
        registration: { enabled: true },
        verification: { enabled: true, use: "code" },
        recovery: { enabled: true, use: "code" },
      },
    },
    identity: {
      default_schema_id: "default",
      schemas: [{ id: "default", url: `file://${join(dir, "identity.schema.json")}` }],
    },
    hashers: { algorithm: "bcrypt", bcrypt: { cost: 4 } },
    secrets: { cookie: ["ory-reconcile-test-cookie-secret"], cipher: ["ory-reconcile-test-cipher-32byte"] },
    courier: { smtp: { connection_uri: "smtp://127.0.0.1:1/?disable_starttls=true" } },
    log: { level: "warning", format: "text" },
  };
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kratos exited with code ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`kratos did not become ready at ${url} within ${timeoutMs} ms:\n${log()}`);
}

/** The default database backend: $KRATOS_DSN_BACKEND, `sqlite` (default) or `postgres`. */
export function dsnBackend(): "sqlite" | "postgres" {
  const backend = process.env.KRATOS_DSN_BACKEND || "sqlite";
  if (backend !== "sqlite" && backend !== "postgres")
    throw new Error(`KRATOS_DSN_BACKEND=${backend}: expected sqlite or postgres`);
  return backend;
}

const POSTGRES_SCRIPT = resolve(__dirname, "..", "..", "scripts", "postgres.sh");

/** Runs scripts/postgres.sh (it installs PostgreSQL and starts the cluster when needed); returns its last line. */
function postgres(...args: string[]): string {
  const run = spawnSync("bash", [POSTGRES_SCRIPT, ...args], { encoding: "utf8" });
  if (run.status !== 0)
    throw new Error(
      `scripts/postgres.sh ${args.join(" ")} failed (${run.error?.message ?? run.status}):\n${run.stderr}`,
    );
  return run.stdout.trim().split("\n").pop() ?? "";
}

const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((child) => child.kill("SIGKILL")));

/** `kratos migrate sql` of the database named by `env.DSN`; throws with the server's output when it fails. */
function migrate(bin: string, server: string, config: string, env: NodeJS.ProcessEnv): void {
  const run = spawnSync(bin, ["migrate", "sql", "-e", "--yes", "-c", config], { env, encoding: "utf8" });
  if (run.error)
    throw new Error(`cannot run Kratos ${server} at ${bin} (run scripts/install-tools.sh): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`kratos migrate failed (${run.status}):\n${run.stderr}`);
}

/**
 * A SQLite database migrated by `bin`, made once per binary and copied for each server it starts:
 * `<cache>/kratos-db/<digest of the binary's real path, size and mtime>.sqlite`. Migrating takes seconds at every
 * start (3–5 s per server on a loaded 2-core machine); a copy takes milliseconds. A rebuilt binary gets a new one.
 * Made in a temp file and renamed into place, so concurrent starts never see half a database.
 */
function migratedDatabase(bin: string, server: string, config: string): string {
  let stat;
  try {
    stat = statSync(bin);
  } catch (error) {
    throw new Error(
      `cannot run Kratos ${server} at ${bin} (run scripts/install-tools.sh): ${(error as Error).message}`,
    );
  }
  const digest = createHash("sha256")
    .update(`${realpathSync(bin)}\0${stat.size}\0${stat.mtimeMs}`)
    .digest("hex")
    .slice(0, 24);
  const folder = join(cacheDir(), "kratos-db");
  const file = join(folder, `${digest}.sqlite`);
  if (existsSync(file)) return file;
  mkdirSync(folder, { recursive: true });
  const work = mkdtempSync(join(folder, "migrating-"));
  try {
    const dsn = `sqlite://${join(work, "db.sqlite")}?_fk=true&mode=rwc`;
    migrate(bin, server, config, { ...process.env, DSN: dsn });
    renameSync(join(work, "db.sqlite"), file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return file;
}

export async function startKratos(options: KratosOptions = {}): Promise<Kratos> {
  const server = options.bin ? "custom" : (options.server ?? defaultServer());
  const bin = options.bin ?? kratosBin(server);
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-kratos-"));
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const backend = options.dsn !== undefined ? "custom" : dsnBackend();
  const database = backend === "postgres" ? `kratos_${randomBytes(8).toString("hex")}` : undefined;
  const dropDatabase = () => {
    try {
      if (database) postgres("dropdb", database);
    } catch {
      // a throwaway cluster: a database left behind goes with it
    }
  };
  let dsn: string;
  try {
    dsn = (
      options.dsn ?? (database ? postgres("createdb", database) : "sqlite://{dir}/db.sqlite?_fk=true&mode=rwc")
    ).replace("{dir}", dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const config = { ...kratosConfig(dir, publicPort, adminPort, dsn), ...options.config };
  writeFileSync(join(dir, "identity.schema.json"), JSON.stringify(IDENTITY_SCHEMA, null, 2));
  writeFileSync(join(dir, "kratos.json"), JSON.stringify(config, null, 2));
  const env = { ...process.env, DSN: dsn };

  try {
    if (backend === "sqlite")
      copyFileSync(migratedDatabase(bin, server, join(dir, "kratos.json")), join(dir, "db.sqlite"));
    else migrate(bin, server, join(dir, "kratos.json"), env);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    dropDatabase();
    throw error;
  }

  const child = spawn(bin, ["serve", "--dev", "--sqa-opt-out", "-c", join(dir, "kratos.json")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  const capture = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20000);
    if (options.verbose) process.stderr.write(chunk);
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);

  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
    dropDatabase();
  };
  try {
    await waitReady(`${adminUrl}/admin/health/ready`, child, () => output);
    const version = ((await (await fetch(`${adminUrl}/admin/version`)).json()) as { version: string }).version;
    return {
      server,
      adminUrl,
      publicUrl: `http://127.0.0.1:${publicPort}`,
      dir,
      version,
      backend,
      pid: child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
