// Reads manifests for a command; invalid input becomes a UserError before anything reaches the server.
import { loadManifests } from "../manifest";
import type { DesiredSet } from "../reconcile/types";
import { UserError } from "./errors";

export function loadOrFail(paths: string[]): DesiredSet[] {
  const result = loadManifests(paths, { env: process.env, cwd: process.cwd() });
  if (!result.ok) {
    const n = result.issues.length;
    throw new UserError(`${n} problem${n === 1 ? "" : "s"} in the manifests; nothing was sent to the server`, result.issues);
  }
  return result.sets;
}
