// The one table of real servers the integration suites run against. A suite whose behaviour can differ between
// servers wraps its tests in `describeServers`, which repeats them once per server; a suite that needs one given
// server uses `describeOn`; every other suite runs on the default server (v1.3.1, or $KRATOS_VERSION) only.
//
// - `all`: v1.3.1, v26.2.0 and master (CLI plan/apply/export, crash and fault convergence, Pulumi resources).
// - `newer`: v26.2.0 and master (external_id, organization_id, by-external lookups: v1.3.1 has none of them).
// A server that scripts/install-tools.sh did not build (no ../shared/ory-kratos) is reported as skipped, with the
// reason in its title, never silently dropped. `ORY_RECONCILE_SERVERS=v1.3.1,master` narrows every table (e.g. to
// re-run one server's failures); a name that is no server is an error, not an empty run.
import { installedServers, KRATOS_SERVERS } from "../../src/dev/kratos";

export type ServerScope = "all" | "newer";

const SCOPES: Record<ServerScope, readonly string[]> = {
  all: KRATOS_SERVERS,
  newer: KRATOS_SERVERS.filter((server) => server !== "v1.3.1"),
};

/** The servers `ORY_RECONCILE_SERVERS` names, or undefined when it is unset; throws on a name that is no server. */
function narrowedTo(): string[] | undefined {
  const value = process.env.ORY_RECONCILE_SERVERS;
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(KRATOS_SERVERS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `ORY_RECONCILE_SERVERS=${JSON.stringify(value)}: expected a comma-separated list of ${KRATOS_SERVERS.join(", ")}`,
    );
  }
  return names;
}

/** Why a server does not run here, or undefined when it runs. */
function skipReason(server: string): string | undefined {
  if (!installedServers().includes(server)) return "not installed: run scripts/install-tools.sh kratos-sources";
  const wanted = narrowedTo();
  if (wanted && !wanted.includes(server)) return "not in ORY_RECONCILE_SERVERS";
  return undefined;
}

/** The servers of a scope, each with whether it runs here (installed and not narrowed away) and why not. */
export function serverTable(scope: ServerScope): Array<{ server: string; runs: boolean; reason?: string }> {
  return SCOPES[scope].map((server) => {
    const reason = skipReason(server);
    return { server, runs: reason === undefined, reason };
  });
}

/** `describe(<title> on Kratos <server>)` on one server; skipped, with the reason in the title, when it does not run. */
export function describeOn(server: string, title: string, body: () => void): void {
  const reason = skipReason(server);
  if (reason) describe.skip(`${title} on Kratos ${server} (skipped: ${reason})`, body);
  else describe(`${title} on Kratos ${server}`, body);
}

/** `describeOn` once per server of the scope. */
export function describeServers(scope: ServerScope, title: string, body: (server: string) => void): void {
  for (const server of SCOPES[scope]) describeOn(server, title, () => body(server));
}
