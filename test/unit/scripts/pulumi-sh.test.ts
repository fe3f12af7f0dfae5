// scripts/pulumi.sh refuses to encrypt a stack's secrets with an empty passphrase unless told the stack is a throwaway.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { passphraseEnv } from "../../../src/resources/passphrase";

const SCRIPT = join(__dirname, "../../../scripts/pulumi.sh");
const run = (env: Record<string, string>) =>
  spawnSync("bash", [SCRIPT, "preview"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 20000 });

describe("scripts/pulumi.sh", () => {
  it.each([
    [{}],
    [{ PULUMI_CONFIG_PASSPHRASE: "" }],
    [{ PULUMI_CONFIG_PASSPHRASE: "", ORY_RECONCILE_THROWAWAY_STACK: "0" }],
  ])("refuses an empty passphrase (%j) before doing anything", (env) => {
    const result = run(env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Error: PULUMI_CONFIG_PASSPHRASE is empty: the stack's secrets would be encrypted with an empty passphrase\n" +
        "  hint: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or set ORY_RECONCILE_THROWAWAY_STACK=1 for a throwaway stack\n",
    );
  });

  const dir = mkdtempSync(join(tmpdir(), "pulumi-sh-"));
  writeFileSync(join(dir, "empty"), "");
  writeFileSync(join(dir, "blank"), " \n\t\n");
  it.each<[Record<string, string>, string]>([
    [
      { PULUMI_CONFIG_PASSPHRASE: " " },
      "PULUMI_CONFIG_PASSPHRASE is blank: the stack's secrets would be encrypted with a blank passphrase",
    ],
    [
      { PULUMI_CONFIG_PASSPHRASE: " \t\n" },
      "PULUMI_CONFIG_PASSPHRASE is blank: the stack's secrets would be encrypted with a blank passphrase",
    ],
    ...["/dev/null", join(dir, "empty"), join(dir, "blank"), join(dir, "missing"), dir].map(
      (file): [Record<string, string>, string] => [
        { PULUMI_CONFIG_PASSPHRASE_FILE: file },
        "PULUMI_CONFIG_PASSPHRASE_FILE is not a readable regular file holding a passphrase: the stack's secrets would be encrypted with an empty one",
      ],
    ),
  ])("refuses a blank passphrase or an unusable passphrase file (%j) before doing anything", (env, message) => {
    const result = run(env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `Error: ${message}\n  hint: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or set ORY_RECONCILE_THROWAWAY_STACK=1 for a throwaway stack\n`,
    );
  });
});

describe("the passphrase variables handed to the Pulumi CLI", () => {
  it("is the passphrase when set, else the file (an empty passphrase would win over it), else refused", () => {
    expect(passphraseEnv({ PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_CONFIG_PASSPHRASE_FILE: "/f" })).toEqual({
      PULUMI_CONFIG_PASSPHRASE: "p",
    });
    expect(passphraseEnv({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "/f" })).toEqual({
      PULUMI_CONFIG_PASSPHRASE_FILE: "/f",
    });
    expect(passphraseEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "/f" })).toEqual({ PULUMI_CONFIG_PASSPHRASE_FILE: "/f" });
    expect(() => passphraseEnv({ PULUMI_CONFIG_PASSPHRASE: "" })).toThrow("PULUMI_CONFIG_PASSPHRASE is empty");
    expect(() => passphraseEnv({ ORY_RECONCILE_THROWAWAY_STACK: "0" })).toThrow("PULUMI_CONFIG_PASSPHRASE is empty");
  });

  it("is an empty passphrase only for a throwaway stack", () => {
    expect(passphraseEnv({ ORY_RECONCILE_THROWAWAY_STACK: "1" })).toEqual({ PULUMI_CONFIG_PASSPHRASE: "" });
  });
});
