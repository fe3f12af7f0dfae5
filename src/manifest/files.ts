// The only part of the loader that touches the disk: expanding paths, reading manifests and `${file:…}` targets.
import { Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Issue } from "../reconcile/types";
import type { Env, Resolver } from "./interpolate";
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
        files.push({ file: name, text: readFileSync(key, "utf8") });
      } catch (error) {
        issues.push(readIssue(name, error, cwd));
      }
    }
  }
  return { files, issues };
}

function listYaml(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name));
  const out: string[] = [];
  for (const entry of entries) {
    if (isDirectory(dir, entry)) out.push(...listYaml(join(dir, entry.name)).map((name) => join(entry.name, name)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(entry.name);
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
  if (code === "ENOENT") return makeIssue(undefined, undefined, `no such file or directory: "${path}"`, `check the path (relative paths start at ${cwd})`);
  return makeIssue(undefined, undefined, `cannot read "${path}": ${code ?? (error as Error).message}`, "check that the file is readable");
}

/** Resolves `${env:…}` from `env` and `${file:…}` from the disk (relative to `cwd`). */
export function diskResolver(cwd: string, env: Env): Resolver {
  return {
    env,
    readFile(path) {
      try {
        return readFileSync(resolve(cwd, path), "utf8");
      } catch {
        return undefined;
      }
    },
  };
}
