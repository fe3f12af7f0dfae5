// The root Pulumi program (`Pulumi.yaml`): every identity set found in the manifests directory (config
// `ory-reconcile:manifests`, relative to the project directory, default `manifests`) becomes one IdentitySet.
// Exported as a function: the Node language host calls it, and scripts/pulumi.sh runs the same function as an
// Automation API inline program.
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { formatIssues, loadManifests } from "../manifest";
import { IdentitySet } from "./identity-set";

/** The directory of Pulumi.yaml above `start` (Pulumi runs programs in the directory of `main`, not the root). */
function projectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

async function program(): Promise<Record<string, pulumi.Output<Record<string, string>>>> {
  const config = new pulumi.Config("ory-reconcile");
  const root = projectRoot(process.cwd());
  // IdentitySet paths are relative to the program's working directory, where the provider runs too.
  const configured = config.get("manifests") ?? "manifests";
  const manifests = isAbsolute(configured) ? configured : relative(process.cwd(), resolve(root, configured)) || ".";
  const loaded = loadManifests([manifests]);
  if (!loaded.ok) throw new pulumi.RunError(`invalid manifests in ${manifests}:\n${formatIssues(loaded.issues)}`);
  const prune = config.getBoolean("prune");
  const ids: Record<string, pulumi.Output<Record<string, string>>> = {};
  for (const set of loaded.sets) {
    ids[set.name] = new IdentitySet(set.name, { manifest: manifests, setName: set.name, prune }).ids;
  }
  return ids;
}

export = program;
