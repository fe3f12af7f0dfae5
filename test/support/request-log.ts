// Requests a scenario sent, summarized for the test log (`GET /admin/identities ×2, PATCH /admin/identities/{id}`):
// ids and queries left out, repeats counted, in the order first sent.
import type { Proxy } from "./proxy";

export function requestSummary(proxy: Proxy, from = 0): string {
  const counts = new Map<string, number>();
  for (const r of proxy.requests.slice(from)) {
    const line = `${r.method} ${r.path.split("?")[0].replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "{id}")}`;
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].map(([line, n]) => (n > 1 ? `${line} ×${n}` : line)).join(", ");
}

/** Prints `<server> <scenario>: <requestSummary>` (figures for reports). */
export function logRequests(server: string, scenario: string, proxy: Proxy, from = 0): void {
  // eslint-disable-next-line no-console
  console.log(`${server} ${scenario}: ${requestSummary(proxy, from)}`);
}
