// The one table of real servers the integration suites run against. A suite whose behaviour can differ between
// servers wraps its tests in `describeServers`, which repeats them once per server; every other suite runs on the
// default server (v1.3.1, or $KRATOS_VERSION) only.
//
// - `all`: v1.3.1, v26.2.0 and master (CLI plan/apply/export, crash and fault convergence, Pulumi resources).
// - `newer`: v26.2.0 and master (external_id, organization_id, by-external lookups: v1.3.1 has none of them).
// A server that scripts/install-tools.sh did not build (no ../shared/ory-kratos) is reported as skipped, never
// silently dropped. `ORY_RECONCILE_SERVERS=v1.3.1,master` narrows every table (e.g. to re-run one server's failures).
import { installedServers, KRATOS_SERVERS } from "../../src/dev/kratos";

export type ServerScope = "all" | "newer";

const SCOPES: Record<ServerScope, readonly string[]> = {
  all: KRATOS_SERVERS,
  newer: KRATOS_SERVERS.filter((server) => server !== "v1.3.1"),
};

/** The servers of a scope, each with whether it runs here (installed and not narrowed away). */
export function serverTable(scope: ServerScope): Array<{ server: string; runs: boolean }> {
  const installed = new Set(installedServers());
  const wanted = process.env.ORY_RECONCILE_SERVERS?.split(",").map((name) => name.trim()).filter(Boolean);
  return SCOPES[scope].map((server) => ({ server, runs: installed.has(server) && (!wanted || wanted.includes(server)) }));
}

/** `describe(title on Kratos <server>)` once per server of the scope; a server that does not run here is skipped. */
export function describeServers(scope: ServerScope, title: string, body: (server: string) => void): void {
  for (const { server, runs } of serverTable(scope)) (runs ? describe : describe.skip)(`${title} on Kratos ${server}`, () => body(server));
}
