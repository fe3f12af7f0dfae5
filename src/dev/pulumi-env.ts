// Where the Pulumi CLI and its Node dynamic-provider plugin are found when this clone drives Pulumi.
import { dirname, join } from "node:path";
import { cacheDir } from "./kratos";

/**
 * A PATH for running the Pulumi CLI (built by scripts/install-tools.sh into `<cache>/bin`) from this clone: the
 * `pulumi-resource-pulumi-nodejs` plugin launcher comes first, from the `@pulumi/pulumi` package that this clone has
 * installed (never a link in the shared cache, which would tie every clone to the one that made it), then the cached
 * CLI, then `base` (default: this process' PATH).
 */
export function pulumiPath(base = process.env.PATH ?? ""): string {
  const plugin = dirname(require.resolve("@pulumi/pulumi/package.json"));
  return [plugin, join(cacheDir(), "bin"), base].filter(Boolean).join(":");
}
