// Stops the private PostgreSQL cluster when this test run started it (KRATOS_DSN_BACKEND=postgres, bench --quick).
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export default async function globalTeardown(): Promise<void> {
  if (process.env.ORY_RECONCILE_PG_WAS_RUNNING !== "no") return;
  spawnSync("bash", [join(__dirname, "..", "..", "scripts", "postgres.sh"), "stop"], { stdio: "inherit" });
}
