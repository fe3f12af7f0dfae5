// Minimal RFC 6902 patches between two JSON documents (computed with deep-diff), and a strict applier.
// Arrays are replaced whole: an element-wise patch of a list whose items the server re-derives or re-orders
// (addresses, providers, groups) would be wrong.
import { diff } from "deep-diff";
import { isObject, jsonEqual, parsePointer, pointer } from "./json";
import type { Json, PatchOp } from "./types";

function valueAt(doc: unknown, path: ReadonlyArray<string | number>): unknown {
  let node: unknown = doc;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The path cut at the first array met in either document: that array is replaced whole. */
function cutAtArray(lhs: unknown, rhs: unknown, path: ReadonlyArray<string | number>): ReadonlyArray<string | number> {
  for (let i = 0; i < path.length; i++) {
    const prefix = path.slice(0, i + 1);
    if (Array.isArray(valueAt(lhs, prefix)) || Array.isArray(valueAt(rhs, prefix))) return prefix;
  }
  return path;
}

/** Whole-member replacement of every differing top-level member: the fallback when a fine patch is wrong. */
function coarsePatch(lhs: Json, rhs: Json): PatchOp[] {
  if (!isObject(lhs) || !isObject(rhs)) return jsonEqual(lhs, rhs) ? [] : [{ op: "replace", path: "", value: rhs }];
  const ops: PatchOp[] = [];
  for (const key of new Set([...Object.keys(lhs), ...Object.keys(rhs)])) {
    if (jsonEqual(lhs[key], rhs[key])) continue;
    if (!(key in rhs)) ops.push({ op: "remove", path: pointer([key]) });
    else ops.push({ op: key in lhs ? "replace" : "add", path: pointer([key]), value: rhs[key] });
  }
  return ops;
}

/**
 * The minimal patch from `lhs` to `rhs`. It is checked by applying it; where deep-diff misses a change (it skips
 * members named "") the patch falls back to replacing the differing top-level members.
 */
export function makePatch(lhs: Json, rhs: Json): PatchOp[] {
  if (jsonEqual(lhs, rhs)) return []; // the common case (a no-op plan): no diff, no trial application
  const ops = finePatch(lhs, rhs);
  return jsonEqual(applyPatch(lhs, ops), rhs) ? ops : coarsePatch(lhs, rhs);
}

function finePatch(lhs: Json, rhs: Json): PatchOp[] {
  const differences = diff(lhs, rhs) ?? [];
  const ops: PatchOp[] = [];
  const replaced = new Set<string>();
  for (const d of differences) {
    const path = cutAtArray(lhs, rhs, d.path ?? []);
    const at = pointer(path);
    if (path.length !== (d.path ?? []).length || d.kind === "A") {
      if (replaced.has(at)) continue;
      replaced.add(at);
      const value = valueAt(rhs, path) as Json | undefined;
      const existed = valueAt(lhs, path) !== undefined;
      if (value === undefined) ops.push({ op: "remove", path: at });
      else ops.push({ op: existed ? "replace" : "add", path: at, value });
    } else if (d.kind === "N") ops.push({ op: "add", path: at, value: d.rhs as Json });
    else if (d.kind === "D") ops.push({ op: "remove", path: at });
    else ops.push({ op: "replace", path: at, value: d.rhs as Json });
  }
  return ops;
}

/**
 * The same patch, safe to send again. A client retries a `PATCH /admin/identities/{id}` whose answer was lost, and
 * the first attempt may have been applied: `replace` and `add` of object members give the same result twice, but
 * RFC 6902 fails a `remove` of a member that is gone (Kratos answers 400). So every `remove` is preceded by an
 * `add` of null at the same path, which creates or overwrites the member. Our patches never point inside an array
 * (arrays are replaced whole), where `add` would insert instead.
 */
export function retrySafe(ops: ReadonlyArray<PatchOp>): PatchOp[] {
  return ops.flatMap((op): PatchOp[] => (op.op === "remove" ? [{ op: "add", path: op.path, value: null }, op] : [op]));
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Applies a patch to a copy of `doc`; throws on a path that does not exist where RFC 6902 requires it. */
export function applyPatch<T extends Json>(doc: T, ops: ReadonlyArray<PatchOp>): T {
  let root: Json = clone(doc);
  for (const op of ops) {
    const segments = parsePointer(op.path);
    if (segments.length === 0) {
      if (op.op === "remove") throw new Error("cannot remove the document root");
      if (op.op !== "test") root = clone(op.value);
      continue;
    }
    const parent = valueAt(root, segments.slice(0, -1));
    const last = segments[segments.length - 1];
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`bad array index in ${op.path}`);
      if (op.op === "add") parent.splice(index, 0, clone(op.value));
      else if (op.op === "replace") parent[index] = clone(op.value);
      else if (op.op === "remove") parent.splice(index, 1);
      continue;
    }
    if (!isObject(parent)) throw new Error(`path ${op.path} does not exist`);
    if (op.op === "remove" || op.op === "replace") {
      if (!(last in parent)) throw new Error(`path ${op.path} does not exist`);
    }
    if (op.op === "remove") delete parent[last];
    else if (op.op === "add" || op.op === "replace") parent[last] = clone(op.value);
  }
  return root as T;
}
