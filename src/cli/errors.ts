// The one place that turns the three kinds of error (reconcile/core/errors.ts: user, api, internal) into output and
// an exit code.
import { printable } from "../reconcile/core/printable";
import { errorKind, UserError } from "../reconcile/core/errors";
import { OryApiError } from "../ory";
import { DesiredSet, SENSITIVE } from "../reconcile/core/types";
import { Hidden, hiddenOf, hideIn, hidingOrder } from "../reconcile/core/sensitive";
import { formatIssue } from "../reconcile/core/issues";

export { UserError };

/** Set (to anything but "" or "0") to print the stack of an internal error, for a bug report. */
export const DEBUG_ENV = "ORY_RECONCILE_DEBUG";

/** What the server URL must be, for messages about one that is not. */
const ENDPOINT_HINT =
  "this endpoint is no Ory admin API: give the base URL, e.g. http://127.0.0.1:4434 (Kratos' admin port) or https://<project>.projects.oryapis.com";

const FILE_HINTS: Record<string, string> = {
  ENOENT: "create the directory first, or choose another path",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "name a file, not a directory",
  EEXIST: "a file of that name is in the way: choose another path",
  EACCES: "check the permissions, or choose another path",
  EPERM: "check the permissions, or choose another path",
  EROFS: "the file system is read-only: choose another path",
  ENOSPC: "free some disk space, or choose another path",
  EDQUOT: "free some disk space, or choose another path",
};

/** A Node file-system error (ENOENT, EACCES, EISDIR, ENOSPC …): it has an error code and the call that failed. */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof code === "string" && typeof syscall === "string";
}

/**
 * Runs a file operation of the CLI; when the file system refuses it, a UserError that says what could not be done
 * (`write the plan to plan.json`), why (`no such file or directory (ENOENT)`) and what to do: the hint of `hints` for
 * that error code, else the default one (FILE_HINTS speaks of writing; a read passes its own ENOENT hint).
 */
export function onDisk<T>(what: string, operation: () => T, hints: Partial<Record<string, string>> = {}): T {
  try {
    return operation();
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    const reason = /^E[A-Z]+: ([^,]*)/.exec(error.message)?.[1] ?? error.message;
    throw new UserError(
      `cannot ${what}: ${reason} (${error.code})`,
      [],
      hints[error.code] ?? FILE_HINTS[error.code] ?? "check the path",
    );
  }
}

/** Text that must not leave the process (values from `${env:…}` / `${file:…}`, keys made of them, passwords), in hidingOrder. */
let hidden: Hidden[] = [];

/**
 * Registers the sensitive values, keys and secrets (passwords, hashes) of loaded sets: every later error, failure
 * line and apply result shows `(sensitive)` for such a value and the key's label (`staff/(sensitive #2)`) for such a
 * key. Plans are redacted by the engine itself; this catches what a server message or an error repeats (a server
 * that echoes the request body).
 */
export function hideSensitive(sets: ReadonlyArray<DesiredSet>): void {
  hidden = hidingOrder([...hidden, ...hiddenOf(sets)]);
}

/** `text` with the API key and every registered sensitive value hidden (see MIN_HIDDEN_LENGTH for short values). */
export function redactText(text: string): string {
  const apiKey = process.env.ORY_API_KEY;
  // The key is hidden first and whatever its length (an empty one hides nothing).
  return hideIn(apiKey ? hideIn(text, [{ value: apiKey, shown: SENSITIVE, secret: true }]) : text, hidden);
}

/** `value` with `redactText` applied to every string in it (for JSON output). */
export function redactStrings<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === "string" ? redactText(item) : item,
  ) as T;
}

/**
 * Writes the message of any error and returns the exit code (always 1; see CONTRACT: invalid input, server
 * unreachable, any operation failed). A user error: the message, its issues with `file:line:col`, and the hint. A
 * terminal API error (and a file the system refused): the message with the server's reason, and a hint when the
 * endpoint is no admin API. Anything else is an internal error: a bug, said so, with its stack only when
 * `ORY_RECONCILE_DEBUG` is set. Every text is redacted (redactText) and escaped (printable).
 */
export function reportError(error: unknown, write: (text: string) => void): number {
  // Hidden values are replaced before escaping (and redactText finds their escaped forms too): a value holding a
  // newline or a quote must not slip through as `\n` or `\"`.
  const shown = (text: string) => printable(redactText(text));
  if (error instanceof UserError) {
    const issues = error.issues.map((i) => ({
      ...i,
      message: shown(i.message),
      ...(i.hint !== undefined ? { hint: shown(i.hint) } : {}),
    }));
    const lines = [
      `Error: ${shown(error.message)}`,
      ...issues.map((i) => "  " + formatIssue(i).replace(/\n/g, "\n  ")),
    ];
    if (error.hint) lines.push(`  hint: ${shown(error.hint)}`);
    write(redactText(lines.join("\n") + "\n"));
    return 1;
  }
  // Messages quote what the server said: escaped, so that they cannot forge lines of their own.
  const message = shown(error instanceof Error ? error.message : String(error));
  // Errors of the server, the network or the file system are the user's to act on; anything else is a bug of ours.
  if (errorKind(error) === "api" || isFileSystemError(error)) {
    // Every admin API has the identity list: a 404 for it means the URL names something else.
    const notAdminApi =
      error instanceof OryApiError &&
      error.status === 404 &&
      error.method === "GET" &&
      error.path === "/admin/identities";
    write(redactText(`Error: ${message}\n${notAdminApi ? `  hint: ${ENDPOINT_HINT}\n` : ""}`));
    return 1;
  }
  const debug = process.env[DEBUG_ENV] !== undefined && !["", "0"].includes(process.env[DEBUG_ENV] as string);
  const stack = debug && error instanceof Error && error.stack ? `${redactText(error.stack)}\n` : "";
  const more = debug ? "" : `  (set ${DEBUG_ENV}=1 to print its stack for the report)\n`;
  write(redactText(`Error: internal error (a bug in ory-reconcile, please report it): ${message}\n${more}${stack}`));
  return 1;
}
