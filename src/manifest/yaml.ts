// YAML text -> one plain value per document, each with a locator that maps a field path back to line:column.
// Syntax errors, unknown tags, duplicate mapping keys, unknown aliases and numbers a JSON number cannot hold as written become
// issues; nothing throws.
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseAllDocuments, Scalar } from "yaml";
import type { Issue, SourcePos } from "../reconcile/core/types";
import { Locate, makeIssue, Path } from "./path";

/** One document: its value (absent when it could not be read) and the problems found while reading it. */
export interface YamlDocument {
  value?: unknown;
  issues: Issue[];
  locate: Locate;
}

/** Every non-empty document of a YAML stream, in order. */
export function parseYaml(text: string, file: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePos => ({ file, ...lineCounter.linePos(offset) });
  const documents: YamlDocument[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false, merge: true })) {
    const locate = locator(doc, at);
    if (doc.errors.length > 0) {
      const issues = doc.errors.map((error) =>
        makeIssue(
          at(error.pos[0]),
          undefined,
          `YAML syntax error: ${withoutSource(error.message)}`,
          "fix the YAML syntax at this position",
        ),
      );
      documents.push({ issues, locate });
      continue;
    }
    const { issues, unreadable } = structureIssues(doc, at);
    issues.unshift(...tagIssues(doc, at));
    if (unreadable) {
      documents.push({ issues, locate });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      issues.push(
        makeIssue(
          locate([]),
          undefined,
          `cannot read this YAML document: ${(error as Error).message}`,
          "simplify its anchors and aliases",
        ),
      );
      documents.push({ issues, locate });
      continue;
    }
    // An empty document, e.g. after a trailing `---`, declares nothing.
    if (value !== null && value !== undefined) documents.push({ value, issues, locate });
    else if (issues.length > 0) documents.push({ issues, locate });
  }
  return documents;
}

/**
 * Tags the YAML library does not know (`!Hunter2`, `!foo`): it would drop them and keep only what follows, so an
 * unquoted value that starts with "!" would silently become "". The tag is not repeated: it may be a secret.
 */
function tagIssues(doc: Document, at: (offset: number) => SourcePos): Issue[] {
  return doc.warnings
    .filter((warning) => warning.code === "TAG_RESOLVE_FAILED")
    .map((warning) =>
      makeIssue(
        at(warning.pos[0]),
        undefined,
        'unknown YAML tag (a word after "!"; not shown: it may be part of a secret)',
        'quote a value that starts with "!" (e.g. password: "!…"), or remove the tag',
      ),
    );
}

/**
 * Duplicate keys in a mapping, aliases without an anchor, and numbers that would not reach the server as written,
 * found by walking the node tree.
 */
function structureIssues(doc: Document, at: (offset: number) => SourcePos): { issues: Issue[]; unreadable: boolean } {
  const issues: Issue[] = [];
  let unreadable = false;
  const checkNumber = (node: unknown, path: Array<string | number>): void => {
    if (isScalar(node) && !keptExactly(node)) {
      const message =
        "this number cannot be kept exactly: JSON numbers here are 64-bit floats (integers up to 2^53, about 17 digits)";
      issues.push(
        makeIssue(at(rangeStart(node)), path, message, 'quote it to keep it as text ("…"), or use fewer digits'),
      );
    }
  };
  const walk = (node: unknown, path: Array<string | number>): void => {
    checkNumber(node, path);
    if (isAlias(node) && node.resolve(doc) === undefined) {
      unreadable = true;
      // Under credentials, `password: *…` is more likely an unquoted secret than an alias: it is not repeated.
      const [message, hint] = path.includes("credentials")
        ? [
            "unknown alias (not shown: under credentials it may be a secret)",
            'quote a value that starts with "*" (e.g. password: "*…"), or define its anchor before the alias',
          ]
        : [`unknown alias "*${node.source}"`, `define the anchor &${node.source} before this alias`];
      issues.push(makeIssue(at(node.range?.[0] ?? 0), path, message, hint));
    } else if (isMap(node)) {
      const seen = new Map<string, SourcePos>();
      for (const pair of node.items) {
        const key = keyOf(pair.key);
        if (key === undefined) continue;
        checkNumber(pair.key, path);
        const here = at(rangeStart(pair.key));
        const first = seen.get(key);
        if (first && key !== "<<") {
          const message = `duplicate key "${key}" (first defined at line ${first.line}, column ${first.col})`;
          issues.push(
            makeIssue(here, [...path, key], message, "remove one of them: YAML would silently keep only the last"),
          );
        }
        seen.set(key, here);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
  };
  walk(doc.contents, []);
  return { issues, unreadable };
}

const DECIMAL = /^([-+]?)(\d*)\.?(\d*)(?:[eE]([-+]?\d+))?$/;

/** A decimal numeral as sign, significant digits and exponent (`-1.50e3` -> `-15e2`); every zero is `0`. */
function canonical(text: string): string {
  const [, sign, whole, fraction, exponent] = DECIMAL.exec(text) ?? [];
  const digits = `${whole}${fraction}`.replace(/^0+/, "");
  const significant = digits.replace(/0+$/, "");
  if (significant === "") return "0";
  const scale = Number(exponent ?? 0) - fraction.length + (digits.length - significant.length);
  return `${sign === "-" ? "-" : ""}${significant}e${scale}`;
}

/**
 * Whether a YAML number reaches the server as written: JSON.stringify of the parsed value (a double) has the value
 * of the source text. Not so for 12345678901234567890 (sent as 12345678901234567000), 0.10000000000000000001, 1e400
 * and .inf (sent as null); hex and octal must be safe integers.
 */
function keptExactly(node: Scalar): boolean {
  const value = node.value;
  if (typeof value !== "number") return true;
  if (!Number.isFinite(value)) return false;
  const source = node.source ?? "";
  return DECIMAL.test(source) ? canonical(source) === canonical(String(value)) : Number.isSafeInteger(value);
}

/** Some messages quote the offending source text, which may be part of a secret; the position says enough. */
function withoutSource(message: string): string {
  return message.replace(/: "(?:[^"\\]|\\.)*"$/s, "");
}

function keyOf(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function rangeStart(node: unknown): number {
  return (node as Node | null)?.range?.[0] ?? 0;
}

/** Walks the node tree along a path; stops at the deepest node that exists (e.g. the object missing a field). */
function locator(doc: Document, at: (offset: number) => SourcePos): Locate {
  return (path: Path, want?: "key") => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      let next: unknown;
      let nextKey: unknown;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isPair(pair) && keyOf(pair.key) === String(segment)) [next, nextKey] = [pair.value ?? pair.key, pair.key];
        }
      } else if (isSeq(node) && typeof segment === "number") {
        next = node.items[segment];
      }
      if (next === undefined) break;
      node = next;
      keyNode = nextKey;
    }
    const valueNode = node as Node | null;
    const emptyValue = !valueNode?.range || valueNode.range[0] === valueNode.range[1];
    const target = keyNode !== undefined && (want === "key" || emptyValue) ? keyNode : node;
    return at(rangeStart(target));
  };
}
