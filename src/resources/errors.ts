// How the engine's problems reach Pulumi: issues become `check` failures (the CLI's own wording) or one error
// message; a partly applied write becomes an "initialization failed" error that still records the resource.
import type { dynamic } from "@pulumi/pulumi";
import { formatIssue, formatIssues } from "../manifest";
import type { Outcome } from "../reconcile/engine/apply";
import type { Issue } from "../reconcile/core/types";

/**
 * Issues as Pulumi check failures, in the CLI's own text (which names the input's path). No failure names a property:
 * for one that does, the Pulumi CLI prints that input's whole value, secrets included, next to the reason.
 */
export function checkFailures(issues: ReadonlyArray<{ property: string; issue: Issue }>): dynamic.CheckFailure[] {
  return issues.map(({ issue }) => ({ property: "", reason: formatIssue(issue) }));
}

export function issuesError(summary: string, issues: readonly Issue[]): Error {
  return new Error(`${summary}\n${formatIssues(issues)}`);
}

export function failureLines(outcomes: readonly Outcome[]): string[] {
  return outcomes.filter((o) => o.result === "failed").map((o) => `${o.subject}${o.id ? ` (${o.id})` : ""}: ${o.reason}`);
}

/**
 * The resource exists (some of its writes landed) but is not in the declared state. The Pulumi dynamic provider
 * host turns an error with `id` into "resource initialization failed": it is recorded with `properties`, and the
 * next `pulumi up` updates it again.
 */
export class PartialApplyError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(`${message}\n${reasons.join("\n")}`);
  }
}
