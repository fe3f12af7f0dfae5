// `ory-reconcile validate`: offline checks only.
import { loadOrFail } from "./load";

export function validateCommand(
  paths: string[],
  stdout: NodeJS.WritableStream,
  vars: Record<string, string> = {},
): number {
  const sets = loadOrFail(paths, vars);
  const identities = sets.reduce((n, s) => n + s.identities.length, 0);
  stdout.write(
    `Valid: ${sets.length} set${sets.length === 1 ? "" : "s"}, ${identities} identit${identities === 1 ? "y" : "ies"}.\n`,
  );
  return 0;
}
