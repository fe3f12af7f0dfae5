// The only part of the loader that touches the disk: expanding paths, reading manifests and `${file:…}` targets.
import {
  closeSync,
  constants,
  Dirent,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  Stats,
  statSync,
} from "node:fs";
import { isAbsolute, join, relative as relativePath, resolve, sep } from "node:path";
import type { Issue } from "../reconcile/core/types";
import type { Env, FileRefusal, Resolver } from "./interpolate";
import { makeIssue } from "./path";

export interface SourceFile {
  /** As shown in issues: the given path, joined with the name found below it for directories. */
  file: string;
  text: string;
}

/** Reads every given file and every *.yaml / *.yml below every given directory (recursively, sorted by name). */
export function readManifestFiles(paths: readonly string[], cwd: string): { files: SourceFile[]; issues: Issue[] } {
  const files: SourceFile[] = [];
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let names: string[];
    try {
      names = statSync(absolute).isDirectory() ? listYaml(absolute).map((name) => join(given, name)) : [given];
    } catch (error) {
      issues.push(readIssue(given, error, cwd));
      continue;
    }
    for (const name of names) {
      const key = resolve(cwd, name);
      if (seen.has(key)) continue; // the same file reached twice, e.g. `manifests manifests/staff.yaml`
      seen.add(key);
      try {
        const read = readManifest(key);
        if (typeof read === "string") files.push({ file: name, text: read });
        else issues.push(makeIssue(undefined, undefined, `cannot read "${name}": ${read.refused}`, read.hint));
      } catch (error) {
        issues.push(readIssue(name, error, cwd));
      }
    }
  }
  return { files, issues };
}

/** The largest manifest file read. */
export const MANIFEST_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A manifest's text. A symlink may lead anywhere (manifests are the user's own files), but only to a regular file of
 * at most 8 MiB: a FIFO or device is never opened (reading it could block forever or never end).
 */
function readManifest(path: string): string | FileRefusal {
  return readRegularFile(path, MANIFEST_MAX_BYTES, manifestTooLarge, "a manifest must be a regular file");
}

/**
 * The text of the regular file at `path` (after symlinks), of at most `maxBytes` bytes; a refusal (`tooLarge()`, or
 * "not a regular file" with `notFileHint`) otherwise. A FIFO or device is never opened: opening it could block
 * forever and reading it never end; the file is opened non-blocking and checked again once open, should it be
 * swapped after the check. Throws the file system's error when the file cannot be read at all.
 */
function readRegularFile(
  path: string,
  maxBytes: number,
  tooLarge: () => FileRefusal,
  notFileHint: string,
): string | FileRefusal {
  const kind = statSync(path);
  if (!kind.isFile()) return { refused: `not a regular file (${describeKind(kind)})`, hint: notFileHint };
  if (kind.size > maxBytes) return tooLarge();
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return { refused: "not a regular file", hint: notFileHint };
    return readOpened(fd, opened, maxBytes, tooLarge);
  } finally {
    closeSync(fd);
  }
}

/** The rest of an opened regular file, read until its end (not by the size it claims: some report 0), at most `maxBytes`. */
function readOpened(fd: number, opened: Stats, maxBytes: number, tooLarge: () => FileRefusal): string | FileRefusal {
  const chunks: Buffer[] = [];
  let length = 0;
  for (let n = 1; n > 0 && length <= maxBytes; length += n) {
    const chunk = Buffer.alloc(Math.min(Math.max(opened.size - length, 64 * 1024), maxBytes + 1 - length));
    n = readSync(fd, chunk, 0, chunk.length, null);
    chunks.push(chunk.subarray(0, n));
  }
  return length > maxBytes ? tooLarge() : Buffer.concat(chunks).toString("utf8");
}

function manifestTooLarge(): FileRefusal {
  return {
    refused: `larger than ${MANIFEST_MAX_BYTES / 1024 / 1024} MiB`,
    hint: "split the manifests into several files",
  };
}

/** The *.yaml / *.yml below `dir`; a directory reached again through a symlink (a cycle, or a second link) is scanned once. */
function listYaml(dir: string, entered: Set<string> = new Set([realpathSync(dir)])): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name));
  const out: string[] = [];
  for (const entry of entries) {
    if (isDirectory(dir, entry)) {
      const real = realpathSync(join(dir, entry.name));
      if (entered.has(real)) continue;
      entered.add(real);
      out.push(...listYaml(join(dir, entry.name), entered).map((name) => join(entry.name, name)));
    } else if (/\.ya?ml$/.test(entry.name)) out.push(entry.name);
  }
  return out;
}

function isDirectory(dir: string, entry: Dirent): boolean {
  if (!entry.isSymbolicLink()) return entry.isDirectory();
  try {
    return statSync(join(dir, entry.name)).isDirectory();
  } catch {
    return false; // a dangling link
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readIssue(path: string, error: unknown, cwd: string): Issue {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT")
    return makeIssue(
      undefined,
      undefined,
      `no such file or directory: "${path}"`,
      `check the path (relative paths start at ${cwd})`,
    );
  return makeIssue(
    undefined,
    undefined,
    `cannot read "${path}": ${code ?? (error as Error).message}`,
    "check that the file is readable",
  );
}

/** The largest file `${file:…}` reads. */
export const FILE_REFERENCE_MAX_BYTES = 64 * 1024;

/**
 * Resolves `${env:…}` from `env`, `${var:…}` from `vars` (then `env`), and `${file:…}` from the disk: only a regular
 * file below the manifest's directory (`base`, relative to `cwd`), after following symlinks, of at most 64 KiB,
 * with one link (see readBelow). A FIFO or device is never opened (that could block or have side effects).
 */
export function diskResolver(cwd: string, env: Env, vars?: Readonly<Record<string, string>>): Resolver {
  return { env, vars, readFile: (base, relative) => readBelow(resolve(cwd, base), relative) };
}

/** Where the kernel shows the path of an open descriptor (Linux); absent elsewhere. */
const FD_PATHS = "/proc/self/fd";

/**
 * A `${file:…}` target, checked and read through one descriptor so that nothing can be swapped in between: the path
 * is resolved (symlinks followed) and must stay below `base`; that real path is opened with O_NOFOLLOW (a symlink
 * put there since is refused) and O_NONBLOCK; the descriptor must be a regular file of at most 64 KiB with one
 * link only (a hard link is the same file as one outside the directory, and no path check can tell), and, where
 * the system shows it (/proc/self/fd on Linux), the path the descriptor was opened at must still be below `base`.
 */
function readBelow(base: string, relative: string): string | FileRefusal | undefined {
  if (isAbsolute(relative))
    return { refused: "absolute paths are not allowed", hint: "give a path relative to the manifest's directory" };
  const lexical = resolve(base, relative);
  if (!inside(base, lexical))
    return {
      refused: "the path leaves the manifest's directory",
      hint: "keep the file next to or below the manifest (no ../ out of it)",
    };
  const outside: FileRefusal = {
    refused: "a symlink leads out of the manifest's directory",
    hint: "copy the file below the manifest's directory instead of linking to it",
  };
  let realBase: string;
  let real: string;
  try {
    realBase = realpathSync(base);
    real = realpathSync(lexical);
  } catch {
    return undefined;
  }
  if (!inside(realBase, real)) return outside;
  // Checked before opening too: a FIFO or a device is never opened (that could block or have side effects).
  const kind = statSync(real);
  if (!kind.isFile()) return { refused: `not a regular file (${describeKind(kind)})`, hint: "point to a regular file" };
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EMLINK")
      return {
        refused: "the file was replaced by a symlink while it was read",
        hint: "run again; keep the file below the manifest's directory",
      };
    if (code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile())
      return { refused: `not a regular file (${describeKind(opened)})`, hint: "point to a regular file" };
    if (opened.nlink > 1)
      return {
        refused: `the file has ${opened.nlink} hard links (one may be outside the manifest's directory)`,
        hint: "copy the file instead of hard-linking it",
      };
    if (opened.size > FILE_REFERENCE_MAX_BYTES) return tooLarge();
    const at = existsSync(FD_PATHS) ? readlinkSync(`${FD_PATHS}/${fd}`) : real;
    if (!inside(realBase, at)) return outside;
    return readOpened(fd, opened, FILE_REFERENCE_MAX_BYTES, tooLarge);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(): FileRefusal {
  return {
    refused: `larger than ${FILE_REFERENCE_MAX_BYTES / 1024} KiB`,
    hint: "${file:…} is for small values such as a password or a key",
  };
}

function inside(dir: string, path: string): boolean {
  const rest = relativePath(dir, path);
  return rest !== ".." && !rest.startsWith(`..${sep}`) && !isAbsolute(rest);
}

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}
