// Integration tests run the built CLI against the real Kratos (and Pulumi) built by scripts/install-tools.sh.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { kratosBin } from "../../src/dev/kratos";
import { npmPack, PACKED_ENV } from "./package";

export default async function globalSetup(): Promise<void> {
  if (!existsSync(kratosBin())) {
    throw new Error(
      `no kratos binary at ${kratosBin()}: run scripts/install-tools.sh (scripts/test.sh does it for you)`,
    );
  }
  // Remember whether the private PostgreSQL cluster was already up, so the teardown stops only what this run started.
  const status = spawnSync("bash", [join(__dirname, "..", "..", "scripts", "postgres.sh"), "status"], {
    encoding: "utf8",
  });
  process.env.ORY_RECONCILE_PG_WAS_RUNNING = status.status === 0 ? "yes" : "no";
  // The CLI runs as a real child process from dist/: build it once for the whole run. `npm pack` does (its `prepare`
  // empties dist/ and runs the full build) and leaves the package as users get it, which the package suites install
  // (test/support/package.ts `packTarball`): dist/ is never emptied again while test files run side by side.
  process.env[PACKED_ENV] = npmPack();
}
