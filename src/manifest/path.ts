// Field paths inside a document (`spec.identities[2].traits.email`) and the issue helper that places them.
import { parsePointer } from "../reconcile/core/json";
import type { Issue, SourcePos } from "../reconcile/core/types";

export type Path = ReadonlyArray<string | number>;

/** Finds where a path was written; `at: "key"` asks for the mapping key rather than the value. */
export type Locate = (path: Path, at?: "key") => SourcePos | undefined;

/** For objects that were not parsed from YAML: no positions. */
export const noPositions: Locate = () => undefined;

const PLAIN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(path: Path): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A JSON pointer (`/spec/identities/0`) as a path; the data decides whether a segment is an index. */
export function pointerToPath(pointer: string, data: unknown): Path {
  if (pointer === "") return [];
  const path: Array<string | number> = [];
  let node = data;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(node)) {
      path.push(Number(segment));
      node = node[Number(segment)];
    } else {
      path.push(segment);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** Collects issues of one document, each placed by its path. */
export class Reporter {
  readonly issues: Issue[] = [];
  constructor(readonly locate: Locate) {}

  add(path: Path, message: string, hint?: string, at?: "key"): void {
    this.issues.push(makeIssue(this.locate(path, at), path, message, hint));
  }
}

/** An issue without undefined fields (so that whole-value comparisons and JSON stay clean). */
export function makeIssue(pos: SourcePos | undefined, path: Path | undefined, message: string, hint?: string): Issue {
  const issue: Issue = { message };
  if (pos) issue.pos = pos;
  if (path && path.length > 0) issue.path = formatPath(path);
  if (hint) issue.hint = hint;
  return issue;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value === "object" ? "object" : typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
