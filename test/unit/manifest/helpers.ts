// Small builders for manifest tests: a temp directory tree and a set document's YAML text.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { LoadResult } from "../../../src/manifest";
import type { Issue } from "../../../src/reconcile/core/types";

const roots: string[] = [];

/** Writes `files` (relative path -> content) into a fresh temp directory and returns it. */
export function tempTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ory-reconcile-manifest-"));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** Removes every directory made by tempTree (call from afterAll). */
export function removeTempTrees(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** A set document: the header plus `spec` lines (already indented by two spaces). */
export function setYaml(name: string, ...spec: string[]): string {
  const header = ["apiVersion: ory-reconcile/v1", "kind: IdentitySet", "metadata:", `  name: ${name}`];
  return [...header, spec.length > 0 ? "spec:" : "spec: {}", ...spec, ""].join("\n");
}

export function issuesOf(result: LoadResult): Issue[] {
  if (result.ok) throw new Error(`expected issues, got ${result.sets.length} valid set(s)`);
  return result.issues;
}

export function setsOf(result: LoadResult) {
  if (!result.ok)
    throw new Error(`expected valid sets, got issues:\n${result.issues.map((i) => JSON.stringify(i)).join("\n")}`);
  return result.sets;
}

/** `line:col path message` per issue, for compact whole-list assertions. */
export function brief(issues: Issue[]): string[] {
  return issues.map((i) => `${i.pos ? `${i.pos.line}:${i.pos.col}` : "-"} ${i.path ?? "-"} ${i.message}`);
}
