// Stops the private PostgreSQL cluster when this test run started it (KRATOS_DSN_BACKEND=postgres, bench --quick),
// and removes the package that global-setup.ts packed.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { PACKED_ENV } from "./package";

export default async function globalTeardown(): Promise<void> {
  const packed = process.env[PACKED_ENV];
  if (packed) rmSync(dirname(packed), { recursive: true, force: true });
  if (process.env.ORY_RECONCILE_PG_WAS_RUNNING !== "no") return;
  spawnSync("bash", [join(__dirname, "..", "..", "scripts", "postgres.sh"), "stop"], { stdio: "inherit" });
}
