// `apply --recovery-out FILE`: the only place where recovery (invite) links and codes are written.
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { recoveryFile, RecoveryRecord } from "../reconcile/engine/recovery";
import { onDisk, UserError } from "./errors";
import { writePrivateFile } from "./private-file";

/**
 * Refuses, before anything is sent, a `--recovery-out` path the links could not be written to afterwards (its
 * folder is missing or not writable, or it names a folder): identities would be created and their links lost.
 */
export function checkRecoveryOut(path: string): void {
  const hint = "name a file in an existing folder you can write to, e.g. --recovery-out invites.json";
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw new UserError(`--recovery-out ${path} is a folder; nothing was sent to the server`, [], hint);
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
  } catch {
    throw new UserError(
      `--recovery-out ${path}: its folder does not exist or is not writable; nothing was sent to the server`,
      [],
      hint,
    );
  }
}

/**
 * Writes the issued links and codes as JSON (`[{set, key, id, method, link, code?, expires_at}]`) to `path`, mode
 * 0600, through a temporary file renamed over it. Nothing is written when no link was issued (a re-run that creates
 * nobody keeps the file of the run before). Tells `log` how many were written, never what.
 */
export function writeRecoveryOut(
  path: string,
  records: ReadonlyArray<RecoveryRecord>,
  log: NodeJS.WritableStream,
): void {
  const issued = records.filter((r) => r.error === undefined).length;
  if (issued === 0) return;
  onDisk(`write the recovery links to ${path}`, () => writePrivateFile(path, recoveryFile(records)));
  log.write(`Wrote ${issued} recovery ${issued === 1 ? "entry" : "entries"} to ${path} (keep it secret).\n`);
}
