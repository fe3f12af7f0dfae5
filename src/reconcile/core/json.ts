// Small JSON helpers for the pure core: canonical text, digests, pointers.
import { createHash } from "node:crypto";
import { ExactInteger } from "./exact-json";
import type { Json } from "./types";

/**
 * JSON text with object keys sorted, so equal values give equal text. Members whose value is undefined are left
 * out. The planner calls it for every live identity (via `digest`), and those mostly arrive with their keys in
 * order already (the server sorts map keys; `liveFingerprintSource` builds its object sorted): such a value goes
 * to the native JSON.stringify as it is, several times faster than building the text in script.
 */
export function canonical(value: unknown): string {
  return value !== undefined && inCanonicalOrder(value) ? JSON.stringify(value) : canonicalText(value);
}

/**
 * Whether JSON.stringify writes exactly `canonicalText`: plain objects whose own keys enumerate in sorted order
 * (integer-like keys, which enumerate first, fail this unless they happen to sort first), no undefined array
 * elements, nothing with a toJSON of its own.
 */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== "object") return typeof value !== "function";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (value[i] === undefined || !inCanonicalOrder(value[i])) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && keys[i - 1] >= keys[i]) return false;
    const item = record[keys[i]];
    if (item !== undefined && !inCanonicalOrder(item)) return false;
  }
  return true;
}

/** `canonical`, written out in script: handles any key order; an ExactInteger as its digits. */
function canonicalText(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (value instanceof ExactInteger) return value.digits;
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalText(value[i]);
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    out += (out.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + canonicalText(item);
  }
  return out + "}";
}

export function digest(value: unknown): string {
  return "sha256:" + createHash("sha256").update(canonical(value)).digest("base64url").slice(0, 22);
}

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/**
 * `canonical(a) === canonical(b)`, compared structurally without building the texts: key order does not matter,
 * members whose value is undefined count as absent. An ExactInteger (an integer the server holds beyond 2^53) equals
 * only one with the same digits, never an object that looks like it.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof ExactInteger || b instanceof ExactInteger)
    return a instanceof ExactInteger && b instanceof ExactInteger && a.digits === b.digits;
  const objectA = typeof a === "object" && a !== null;
  const objectB = typeof b === "object" && b !== null;
  if (!objectA || !objectB)
    return !objectA && !objectB && a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  let defined = 0;
  for (const key of Object.keys(recordA)) {
    if (recordA[key] === undefined) continue;
    defined++;
    if (!hasOwn(recordB, key) || !jsonEqual(recordA[key], recordB[key])) return false;
  }
  for (const key of Object.keys(recordB)) if (recordB[key] !== undefined) defined--;
  return defined === 0;
}

/** One RFC 6901 reference token as a pointer writes it: `~` as `~0`, then `/` as `~1` (`a/b` -> `a~1b`). */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * One RFC 6901 reference token decoded: `~1` -> `/`, `~0` -> `~`, in one pass, so that `~01` is `~1` (not `/`).
 * Other text, a lone `~` included, is kept as it is.
 */
export function unescapePointerSegment(token: string): string {
  return token.replace(/~[01]/g, (escape) => (escape === "~1" ? "/" : "~"));
}

/** RFC 6901 pointer from path segments: `["traits", "a/b"]` -> `/traits/a~1b`; no segments -> `""`. */
export function pointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => "/" + escapePointerSegment(String(s))).join("");
}

/** An RFC 6901 pointer's decoded segments (`""` -> none); throws an Error for a pointer not starting with `/`. */
export function parsePointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new Error(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split("/").map(unescapePointerSegment);
}

export function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
