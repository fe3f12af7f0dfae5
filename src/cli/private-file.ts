// Files the CLI writes (plans, exports): readable by their owner only, and never written outside their folder.
import { randomBytes } from "node:crypto";
import { renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Writes `content` to `path` as a file only its owner can read (0600), even when `path` already existed with a
 * wider mode: a new file is written next to it and renamed over it, so no reader ever sees a partial file.
 * Only a regular file is replaced so.
 */
export function writePrivateFile(path: string, content: string): void {
  // A device or a pipe (`/dev/stdout`) is written to, never replaced; a directory fails as it would.
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) return writeFileSync(path, content);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, content, { mode: 0o600, flag: "wx" });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Safe, distinct file names (`<name>.yaml`) for names read from the server: anything but lowercase letters,
 * digits and dashes becomes a dash (so no `/`, `..` or hidden file; at most 100 characters), and a name already taken (compared
 * case-insensitively, as some file systems do) gets `-2`, `-3`, … appended.
 */
export function safeFileNames(names: ReadonlyArray<string>, extension: string): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 100) || "set";
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
    taken.add(candidate);
    return candidate + extension;
  });
}
