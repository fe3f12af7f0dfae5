// What limits a measured wall time: the server's CPU (Kratos, and PostgreSQL when it is the backend), our own CPU,
// or neither (round trips, waiting for I/O). Said with the median figures, so the table shows the evidence.
import { summarize } from "./report";
import type { Measured } from "./tools";

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function median(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? summarize(known).median : undefined;
}

export function limitOf(runs: Measured[]): string {
  const wall = median(runs.map((r) => r.wallMs)) ?? 0;
  const kratos = median(runs.map((r) => r.kratosCpuMs));
  const db = median(runs.map((r) => r.dbCpuMs));
  const client = median(runs.map((r) => r.clientCpuMs));
  const server = (kratos ?? 0) + (db ?? 0);
  const parts = [
    kratos !== undefined ? `Kratos CPU ${seconds(kratos)}` : undefined,
    db !== undefined ? `PostgreSQL CPU ${seconds(db)}` : undefined,
    client !== undefined ? `client CPU ${seconds(client)}` : undefined,
  ].filter(Boolean);
  const evidence = `${parts.join(", ")} of ${seconds(wall)} wall`;
  if (wall > 0 && server / wall >= 0.6) return `server CPU (${evidence})`;
  if (wall > 0 && client !== undefined && client / wall >= 0.6) return `our CPU (${evidence})`;
  if (wall > 0 && (server + (client ?? 0)) / wall >= 0.75) return `server + client CPU, in turn (${evidence})`;
  return `round trips / I/O waits (${evidence})`;
}
