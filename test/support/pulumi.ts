// Runs programs under the real Pulumi CLI (built by scripts/install-tools.sh) through the Automation API, with a
// local file backend in a temp dir. Inline programs run in this process; the dynamic provider runs in the
// `pulumi-resource-pulumi-nodejs` plugin that the CLI starts.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { cacheDir } from "../../src/dev/kratos";
import { pulumiPath } from "../../src/dev/pulumi-env";

export const PASSPHRASE = "ory-reconcile-test-passphrase";
export const REPO = resolve(__dirname, "../..");

export interface TestStack {
  stack: Stack;
  dir: string;
  dispose(): Promise<void>;
}

export async function testStack(
  name: string,
  program: () => Promise<Record<string, unknown> | void>,
  env: Record<string, string> = {},
): Promise<TestStack> {
  // The provider process loads `ory-reconcile/resources/runtime` by package name from the stack's work dir. In a
  // consumer project that is in node_modules; here it is a self-reference, which Node resolves only from a
  // directory inside this package: so the work dirs live under <repo>/.pulumi/tests (gitignored).
  mkdirSync(join(REPO, ".pulumi", "tests"), { recursive: true });
  const dir = mkdtempSync(join(REPO, ".pulumi", "tests", `${name}-`));
  const pulumiCommand = await PulumiCommand.get({ root: cacheDir(), skipVersionCheck: true });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${dir}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_HOME: join(dir, ".pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PATH: pulumiPath(),
    ...env,
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, projectName: "ory-reconcile-test", program },
    { workDir: dir, pulumiCommand, envVars, projectSettings: { name: "ory-reconcile-test", runtime: "nodejs" } },
  );
  return {
    stack,
    dir,
    async dispose() {
      try {
        await stack.workspace.removeStack(name, { force: true });
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
