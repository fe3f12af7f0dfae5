// Reads manifests for a command; invalid input becomes a UserError before anything reaches the server.
import { loadManifests } from "../manifest";
import { VAR_NAME } from "../manifest/interpolate";
import type { DesiredSet } from "../reconcile/core/types";
import { hideSensitive, UserError } from "./errors";

/** Loads the manifests, with `vars` for `${var:…}`; their sensitive values are hidden from all later output. */
export function loadOrFail(paths: string[], vars: Readonly<Record<string, string>> = {}): DesiredSet[] {
  const result = loadManifests(paths, { env: process.env, cwd: process.cwd(), vars });
  if (!result.ok) {
    const n = result.issues.length;
    throw new UserError(
      `${n} problem${n === 1 ? "" : "s"} in the manifests; nothing was sent to the server`,
      result.issues,
    );
  }
  hideSensitive(result.sets);
  return result.sets;
}

/** `--var NAME=value` flags (repeatable) -> values by name; the last one given for a name wins. */
export function parseVars(given: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  for (const item of list) {
    const text = String(item);
    const at = text.indexOf("=");
    const name = at < 0 ? text : text.slice(0, at);
    if (at < 0)
      throw new UserError(
        `--var ${JSON.stringify(text)} has no "=": expected NAME=value`,
        [],
        "e.g. --var domain=example.com",
      );
    if (!VAR_NAME.test(name)) {
      throw new UserError(
        `--var ${JSON.stringify(name)}: a variable name starts with a letter or "_" and holds only letters, digits and "_"`,
        [],
        "e.g. --var domain=example.com",
      );
    }
    vars[name] = text.slice(at + 1);
  }
  return vars;
}
