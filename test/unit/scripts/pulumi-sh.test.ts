// scripts/pulumi.sh refuses to encrypt a stack's secrets with an empty passphrase unless told the stack is a throwaway.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const SCRIPT = join(__dirname, "../../../scripts/pulumi.sh");
const run = (env: Record<string, string>) => spawnSync("bash", [SCRIPT, "preview"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 20000 });

describe("scripts/pulumi.sh", () => {
  it.each([[{}], [{ PULUMI_CONFIG_PASSPHRASE: "" }], [{ PULUMI_CONFIG_PASSPHRASE: "", ORY_RECONCILE_THROWAWAY_STACK: "0" }]])("refuses an empty passphrase (%j) before doing anything", (env) => {
    const result = run(env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Error: PULUMI_CONFIG_PASSPHRASE is empty: the stack's secrets would be encrypted with an empty passphrase\n" +
        "  hint: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or set ORY_RECONCILE_THROWAWAY_STACK=1 for a throwaway stack\n",
    );
  });
});
