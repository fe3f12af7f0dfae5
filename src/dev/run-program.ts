// Runs the root Pulumi program (Pulumi.yaml -> program.ts) under the real Pulumi CLI through the Automation API,
// as an inline program: the Node language host is not needed (it cannot be built from the Go module proxy).
//   node dist/dev/run-program.js <preview|up|refresh|destroy> [--stack NAME] [--config key=value]...
// Backend: PULUMI_BACKEND_URL, default a local file backend in <repo>/.pulumi. Secrets: PULUMI_CONFIG_PASSPHRASE or
// PULUMI_CONFIG_PASSPHRASE_FILE (see passphrase.ts; empty only if ORY_RECONCILE_THROWAWAY_STACK=1). Server: ORY_ADMIN_URL / ORY_API_KEY or `pulumi config set ory-reconcile:adminUrl …`.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { passphraseEnv } from "../resources/passphrase";
import program = require("../resources/program");
import { cacheDir } from "./kratos";
import { pulumiPath } from "./pulumi-env";

const COMMANDS = ["preview", "up", "refresh", "destroy"] as const;
type Command = (typeof COMMANDS)[number];

async function main(argv: string[]): Promise<number> {
  const command = argv[0] as Command;
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`usage: scripts/pulumi.sh <${COMMANDS.join("|")}> [--stack NAME] [--config key=value]...\n`);
    return 1;
  }
  const option = (name: string) => argv.flatMap((arg, i) => (arg === name && i + 1 < argv.length ? [argv[i + 1]] : []));
  const stackName = option("--stack")[0] ?? "dev";
  const root = resolve(__dirname, "..", "..");
  const passphrase = passphraseEnv(process.env);
  // The Pulumi CLI inherits this process's environment: an empty PULUMI_CONFIG_PASSPHRASE would win over the file.
  if (!("PULUMI_CONFIG_PASSPHRASE" in passphrase)) delete process.env.PULUMI_CONFIG_PASSPHRASE;
  const envVars: Record<string, string> = {
    PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? `file://${join(root, ".pulumi")}`,
    ...passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PATH: pulumiPath(),
  };
  // The default file backend's folder (gitignored) does not exist in a fresh clone, and Pulumi will not create it.
  if (!process.env.PULUMI_BACKEND_URL) mkdirSync(join(root, ".pulumi"), { recursive: true });
  const pulumiCommand = await PulumiCommand.get({ root: cacheDir(), skipVersionCheck: true });
  // Pulumi runs the program and its providers in the directory of `main` (dist/resources/program.js): so does this.
  process.chdir(join(__dirname, "..", "resources"));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "ory-reconcile", program },
    { workDir: root, pulumiCommand, envVars },
  );
  for (const pair of option("--config")) {
    const at = pair.indexOf("=");
    await stack.setConfig(pair.slice(0, at), { value: pair.slice(at + 1) });
  }
  const onOutput = (text: string) => process.stdout.write(text);
  if (command === "preview") await stack.preview({ onOutput });
  if (command === "up") await stack.up({ onOutput });
  if (command === "refresh") await stack.refresh({ onOutput });
  if (command === "destroy") await stack.destroy({ onOutput });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
