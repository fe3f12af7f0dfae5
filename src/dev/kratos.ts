// A throwaway Ory Kratos for tests, benchmarks and the demo: free loopback ports, a temp dir with a SQLite
// database, migrations, `kratos serve --dev`, readiness poll, and a clean shutdown that leaves nothing behind.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { IDENTITY_SCHEMA } from "./identity-schema";

export interface KratosOptions {
  /** Path of the kratos binary (default: $KRATOS_BIN or <cache>/bin/kratos). */
  bin?: string;
  /** Database DSN; default a SQLite file in the temp dir. `{dir}` is replaced by the temp dir. */
  dsn?: string;
  /** Forward Kratos' own log lines to stderr. */
  verbose?: boolean;
  /** Extra configuration merged over the defaults (top-level keys replace). */
  config?: Record<string, unknown>;
}

export interface Kratos {
  adminUrl: string;
  publicUrl: string;
  dir: string;
  version: string;
  stop(): Promise<void>;
}

export function cacheDir(): string {
  return process.env.ORY_RECONCILE_CACHE ?? join(homedir(), ".cache", "ory-reconcile");
}

export function kratosBin(): string {
  return process.env.KRATOS_BIN ?? join(cacheDir(), "bin", "kratos");
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
      methods: { password: { enabled: true }, code: { enabled: true } },
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

const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((child) => child.kill("SIGKILL")));

export async function startKratos(options: KratosOptions = {}): Promise<Kratos> {
  const bin = options.bin ?? kratosBin();
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-kratos-"));
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const dsn = (options.dsn ?? "sqlite://{dir}/db.sqlite?_fk=true&mode=rwc").replace("{dir}", dir);
  const config = { ...kratosConfig(dir, publicPort, adminPort, dsn), ...options.config };
  writeFileSync(join(dir, "identity.schema.json"), JSON.stringify(IDENTITY_SCHEMA, null, 2));
  writeFileSync(join(dir, "kratos.json"), JSON.stringify(config, null, 2));
  const env = { ...process.env, DSN: dsn };

  try {
    const migrate = spawnSync(bin, ["migrate", "sql", "-e", "--yes", "-c", join(dir, "kratos.json")], {
      env,
      encoding: "utf8",
    });
    if (migrate.error) throw new Error(`cannot run ${bin} (run scripts/install-tools.sh): ${migrate.error.message}`);
    if (migrate.status !== 0) throw new Error(`kratos migrate failed (${migrate.status}):\n${migrate.stderr}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
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
  };
  try {
    await waitReady(`${adminUrl}/admin/health/ready`, child, () => output);
    const version = ((await (await fetch(`${adminUrl}/admin/version`)).json()) as { version: string }).version;
    return { adminUrl, publicUrl: `http://127.0.0.1:${publicPort}`, dir, version, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
