// The loader's entry points: manifest paths, manifest texts, or plain objects -> validated sets.
import type { DesiredSet, Issue, SourcePos } from "../reconcile/core/types";
import { formatPos } from "../reconcile/core/issues";
import { diskResolver, readManifestFiles, SourceFile } from "./files";
import type { Env, Resolver } from "./interpolate";
import { API_VERSION, IdentityResult, KIND, LoadResult, parseIdentityValue, parseSetValue } from "./parse";
import { makeIssue, noPositions, Path } from "./path";
import { parseYaml } from "./yaml";

export interface LoadOptions {
  /** Variables for `${env:NAME}` (default: process.env). */
  env?: Env;
  /** Directory that relative paths start from (default: process.cwd()). */
  cwd?: string;
  /** Values for `${var:NAME}` (`--var NAME=value`); they win over `ORY_RECONCILE_VAR_NAME` in `env`. */
  vars?: Readonly<Record<string, string>>;
}

/** Loads manifest files and directories. Never throws for user errors: all problems come back as issues. */
export function loadManifests(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const cwd = options.cwd ?? process.cwd();
  const read = readManifestFiles(paths, cwd);
  const parsed = parseManifests(read.files, diskResolver(cwd, options.env ?? process.env, options.vars));
  const issues = [...read.issues, ...(parsed.ok ? [] : parsed.issues)];
  return issues.length > 0 ? { ok: false, issues } : parsed;
}

/** Manifest texts -> sets; set names must be unique across all of them. */
export function parseManifests(files: readonly SourceFile[], resolver: Resolver): LoadResult {
  const issues: Issue[] = [];
  const sets: DesiredSet[] = [];
  const names = new Map<string, SourcePos | undefined>();
  for (const { file, text } of files) {
    for (const document of parseYaml(text, file)) {
      issues.push(...document.issues);
      if (!("value" in document)) continue;
      const result = parseSetValue(document.value, { file, locate: document.locate, resolver });
      issues.push(...result.issues);
      if (result.set) sets.push(result.set);
      const name = result.set?.name ?? rawName(document.value);
      if (name === undefined) continue;
      const pos = document.locate(["metadata", "name"]);
      if (names.has(name)) {
        const first = names.get(name);
        const where = first ? formatPos(first) : "another manifest";
        const message = `duplicate set name "${name}": also declared at ${where}`;
        issues.push(
          makeIssue(
            pos,
            ["metadata", "name"],
            message,
            "set names must be unique across all manifests: rename one of them",
          ),
        );
      } else {
        names.set(name, pos);
      }
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, sets };
}

/** The name of a document that is an IdentitySet at all (not, say, a Kubernetes manifest next to it). */
function rawName(value: unknown): string | undefined {
  const doc = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
  const name = doc?.metadata?.name;
  return doc?.apiVersion === API_VERSION && doc.kind === KIND && typeof name === "string" ? name : undefined;
}

export interface ObjectOptions extends LoadOptions {
  /** false: take strings literally (no `${env:…}`, `${file:…}` or `$${`). Default true. */
  references?: boolean;
}

/** One set given as an object (e.g. inline in a Pulumi program); `file` names it in issues and anchors `${file:…}`. */
export function parseSetObject(doc: unknown, file: string, options: ObjectOptions = {}): LoadResult {
  const resolver = diskResolver(options.cwd ?? process.cwd(), options.env ?? process.env, options.vars);
  const result = parseSetValue(doc, { file, locate: noPositions, resolver, references: options.references });
  return result.set ? { ok: true, sets: [result.set] } : { ok: false, issues: result.issues };
}

export interface IdentityOptions extends ObjectOptions {
  /** The key, as `spec.key` would say (default `external_id`). */
  key?: string;
  /** Set name for password fingerprints (policy `enforce`); default "". */
  set?: string;
  /** Names the source in issues and anchors `${file:…}` (default "<identity>"). */
  file?: string;
  /** Prefixed to issue paths, e.g. ["identities", 0]. */
  base?: Path;
}

/** One identity (Ory admin API field names, snake_case) -> DesiredIdentity, checked like a manifest identity. */
export function parseIdentityObject(obj: unknown, options: IdentityOptions = {}): IdentityResult {
  const resolver = diskResolver(options.cwd ?? process.cwd(), options.env ?? process.env, options.vars);
  const { key, set, base, references } = options;
  return parseIdentityValue(obj, {
    file: options.file ?? "<identity>",
    locate: noPositions,
    resolver,
    references,
    key,
    set,
    base,
  });
}

/** The issues of one identity; empty when it is valid. */
export function validateIdentityObject(obj: unknown, options: IdentityOptions = {}): Issue[] {
  const result = parseIdentityObject(obj, options);
  return result.ok ? [] : result.issues;
}
