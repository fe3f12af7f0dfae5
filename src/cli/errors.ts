// The three kinds of failure and the one place that turns them into output and an exit code.
import { isOryError } from "../ory";
import type { Issue } from "../reconcile/types";

/** Bad input or a refused operation: a message, optional issues with positions, exit 1. */
export class UserError extends Error {
  constructor(message: string, readonly issues: Issue[] = [], readonly hint?: string) {
    super(message);
  }
}

export function formatIssueLine(issue: Issue): string {
  const where = issue.pos ? `${issue.pos.file}:${issue.pos.line}:${issue.pos.col}: ` : "";
  const path = issue.path ? `${issue.path}: ` : "";
  return `${where}${path}${issue.message}` + (issue.hint ? `\n  hint: ${issue.hint}` : "");
}

/** Removes every known secret from text that leaves the process. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join("(sensitive)");
  return out;
}

export function reportError(error: unknown, write: (text: string) => void): number {
  const secrets = [process.env.ORY_API_KEY];
  if (error instanceof UserError) {
    const lines = [`Error: ${error.message}`, ...error.issues.map((i) => "  " + formatIssueLine(i).replace(/\n/g, "\n  "))];
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    write(scrub(lines.join("\n") + "\n", secrets));
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  // Errors of the server or the network are the user's to act on; anything else is a bug of ours.
  write(scrub(isOryError(error) ? `Error: ${message}\n` : `Error: internal error (a bug in ory-reconcile, please report it): ${message}\n`, secrets));
  return 1;
}
