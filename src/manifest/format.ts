// Issues as text: `file:line:col: <path>: <message>` and an indented `hint:` line.
import type { Issue } from "../reconcile/core/types";

export function formatIssue(issue: Issue): string {
  const where = issue.pos ? `${issue.pos.file}:${issue.pos.line}:${issue.pos.col}` : undefined;
  const head = [where, issue.path, issue.message].filter((part) => part !== undefined && part !== "").join(": ");
  return issue.hint ? `${head}\n  hint: ${issue.hint}` : head;
}

export function formatIssues(issues: readonly Issue[]): string {
  return issues.map(formatIssue).join("\n");
}
