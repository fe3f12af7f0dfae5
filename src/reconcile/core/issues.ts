// Issues and source positions as text: the one format of the CLI, the Pulumi resources, errors and the plan renderers.
import type { Issue } from "./types";

/** A place in a manifest (line and column 1-based). A saved JSON plan may lack the line or column. */
export interface Place {
  file: string;
  line?: number;
  col?: number;
}

/** `file:line:col`; `file:line` when the column is unknown, `file` when the line is. */
export function formatPos(pos: Place): string {
  if (pos.line === undefined) return pos.file;
  return pos.col === undefined ? `${pos.file}:${pos.line}` : `${pos.file}:${pos.line}:${pos.col}`;
}

/** The place of a JSON plan issue (flat `file`, `line`, `col`); undefined without a file. */
export function placeOf(at: { file?: string; line?: number; col?: number }): Place | undefined {
  return at.file ? { file: at.file, line: at.line, col: at.col } : undefined;
}

/** What {@link formatIssue} prints: an {@link Issue}, or one whose place is only partly known. */
export type IssueText = Omit<Issue, "pos"> & { pos?: Place };

/**
 * One issue as text: `file:line:col: <path>: <message>`, each part only when it is known, then an indented
 * `  hint: <how to fix>` line when there is a hint. The text is given as it is: callers escape or redact it.
 */
export function formatIssue(issue: IssueText): string {
  const where = issue.pos ? formatPos(issue.pos) : undefined;
  const head = [where, issue.path, issue.message].filter((part) => part !== undefined && part !== "").join(": ");
  return issue.hint ? `${head}\n  hint: ${issue.hint}` : head;
}

/** Issues as text, one {@link formatIssue} after the other, one per line (hints on their own line). */
export function formatIssues(issues: readonly IssueText[]): string {
  return issues.map(formatIssue).join("\n");
}
