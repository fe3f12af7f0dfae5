// Integration tests run against the real Kratos (and Pulumi) built by scripts/install-tools.sh.
import { existsSync } from "node:fs";
import { kratosBin } from "../../src/dev/kratos";

export default async function globalSetup(): Promise<void> {
  if (!existsSync(kratosBin())) {
    throw new Error(`no kratos binary at ${kratosBin()}: run scripts/install-tools.sh (scripts/test.sh does it for you)`);
  }
}
