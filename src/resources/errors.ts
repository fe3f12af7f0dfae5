// How the engine's problems reach Pulumi: issues become `check` failures (the CLI's own wording) or one error
// message; a partly applied write becomes an "initialization failed" error that still records the resource.
import type { dynamic } from "@pulumi/pulumi";
import { formatIssue, formatIssues } from "../manifest";
import { ApiError } from "../reconcile/core/errors";
import { Outcome, outcomeLines } from "../reconcile/core/outcomes";
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

/** One line per outcome that failed or was not attempted, as the CLI prints them (see outcomeLine). */
export function failureLines(outcomes: readonly Outcome[]): string[] {
  return outcomeLines(outcomes);
}

/**
 * The resource exists (some of its writes landed) but is not in the declared state: a terminal API error (the
 * server refused some writes) that carries what the Pulumi host needs. The Pulumi dynamic provider host turns an
 * error with `id` into "resource initialization failed": it is recorded with `properties`, and the next
 * `pulumi up` updates it again.
 */
export class PartialApplyError extends ApiError {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(`${message}\n${reasons.join("\n")}`);
  }
}
