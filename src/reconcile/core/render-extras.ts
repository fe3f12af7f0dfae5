// The parts of a text plan beyond one line per identity: the summary of a `generate` entry's copies, the
// unmanaged identities (`--show-unmanaged`) and the cost estimate (servers that announce rate limits). Every string
// shown has already passed through printablePlan, or is made printable here.
import type { ActionGroup } from "./groups";
import type { JsonPlan } from "./jsonplan";
import type { Estimate } from "./estimate";
import { printable } from "./printable";
import { changeLine, COLOR, RESET, SYMBOL } from "./render";
import type { UnmanagedReport } from "./unmanaged";

/** The head line of a group: `+ create staff/load-1@x … staff/load-2000@x (2000 identities from spec.generate[0])`. */
export function groupHead(set: string, group: ActionGroup): string {
  return `${SYMBOL[group.action]} ${group.action} ${set}/${group.first} … ${set}/${group.last} (${group.count} identities from ${printable(group.generate)})`;
}

/** A group's lines: its head, the changes every copy shares, then the paths that differ per copy. */
export function groupLines(set: string, group: ActionGroup, color: boolean): string[] {
  const paint = color ? COLOR[group.action] : "";
  const reset = color ? RESET : "";
  const lines = [`${paint}${groupHead(set, group)}${reset}`];
  for (const change of group.shared)
    lines.push(`    ${changeLine(group.action, { ...change, path: printable(change.path) })}`);
  if (group.varying.length > 0) lines.push(`    differs per copy: ${group.varying.map(printable).join(", ")}`);
  for (const note of groupNotes(group)) lines.push(`    ${note}`);
  return lines;
}

/** Whether the copies' sessions are revoked: `sessions: revoke (deactivate)`, or `… for 3 of 5 copies (…)`. */
export function groupNotes(group: ActionGroup): string[] {
  const revoke = group.revoke_sessions;
  if (!revoke) return [];
  const which = revoke.count === group.count ? "" : ` for ${revoke.count} of ${group.count} copies`;
  return [`sessions: revoke${which} (${revoke.reasons.join(", ")})`];
}

/** `--show-unmanaged`: the count, per schema, and the first few. */
export function unmanagedLines(report: UnmanagedReport): string[] {
  const schemas = Object.entries(report.by_schema).map(([schema, n]) => `${printable(schema)}: ${n}`);
  const lines = [
    `Unmanaged: ${report.total} live ${report.total === 1 ? "identity" : "identities"} no set manages${schemas.length > 0 ? ` (by schema: ${schemas.join(", ")})` : ""}.`,
  ];
  for (const item of report.first)
    lines.push(
      `    ? ${printable(item.id)} (${printable(item.schema_id)})${item.identifier !== undefined ? ` ${printable(item.identifier)}` : ""}`,
    );
  if (report.total > report.first.length) lines.push(`    … and ${report.total - report.first.length} more`);
  return lines;
}

/** Seconds as `45 s`, `3 min 20 s`, `2 h 5 min`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
}

/** The limits of a bucket as `10/1s, 300/60s`. */
export function windowsText(windows: Estimate["limits"][keyof Estimate["limits"]]): string {
  return (windows ?? []).map((w) => `${w.limit}/${w.window_seconds}s`).join(", ");
}

/** The estimate: one line per bucket, then about how long the rate limits make the apply wait. */
export function estimateLines(estimate: Estimate): string[] {
  const lines = ["Estimate (rate limits the server announced):"];
  for (const [bucket, n] of Object.entries(estimate.requests)) {
    const announced = estimate.limits[bucket as keyof Estimate["limits"]];
    const limits = announced?.length
      ? `limits ${windowsText(announced)}`
      : estimate.assumed?.includes(bucket as never)
        ? "limits not announced yet, assumed as kratos-admin-medium's"
        : "no limits announced";
    lines.push(`    ${bucket}: ${n} ${n === 1 ? "request" : "requests"} (${limits})`);
  }
  lines.push(`    apply waits about ${duration(estimate.seconds)} for rate limits.`);
  return lines;
}

/** The lines after the identities: unmanaged identities and the estimate, when the plan holds them. */
export function extraLines(plan: JsonPlan): string[] {
  return [
    ...(plan.unmanaged ? unmanagedLines(plan.unmanaged) : []),
    ...(plan.estimate ? estimateLines(plan.estimate) : []),
  ];
}
