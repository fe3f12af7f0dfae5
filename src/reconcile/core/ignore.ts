// `spec.ignore`: fields that users or other systems own. The tool writes them on create and then never compares or
// writes them: before a declared identity is compared with its live one, every ignored path of the desired
// document takes the live value (or is removed where the live identity has none), so no patch and no drift
// mentions it.
import { isObject } from "./json";
import type { Doc } from "./normalize";
import type { Json, JsonObject } from "./types";

/** The top-level fields whose inner paths may be ignored. */
export const IGNORABLE_FIELDS = ["traits", "metadata_public", "metadata_admin"] as const;

function valueAt(doc: Json | undefined, path: ReadonlyArray<string>): Json | undefined {
  let node: Json | undefined = doc;
  for (const segment of path) {
    if (!isObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

/** `doc` (unchanged) with `value` at `path` (objects created on the way); `doc` itself when a non-object is in the way. */
function withValueAt(doc: Json | undefined, path: ReadonlyArray<string>, value: Json | undefined): Json | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (doc !== undefined && doc !== null && !isObject(doc)) return doc;
  const base: JsonObject = isObject(doc) ? doc : {};
  const inner = withValueAt(base[head], rest, value);
  const { [head]: _old, ...others } = base;
  if (inner === undefined) return doc === undefined || doc === null ? doc : others;
  return { ...others, [head]: inner };
}

/**
 * The desired document with every ignored path (segments, e.g. `["traits", "name"]`) holding what `live` holds
 * there, so that comparing it with `live` finds nothing at those paths. A metadata field that only ignored values
 * would make `{}` while the server stores none stays `null`. Pure: neither input is changed.
 */
export function withIgnored(desired: Doc, live: Doc, ignore: ReadonlyArray<ReadonlyArray<string>>): Doc {
  let out: Doc = desired;
  for (const path of ignore) {
    const [field, ...inner] = path;
    if (inner.length === 0 || !(IGNORABLE_FIELDS as readonly string[]).includes(field)) continue;
    const kept = valueAt(live[field], inner);
    let next = withValueAt(out[field], inner, kept);
    if (isObject(next) && Object.keys(next).length === 0 && (live[field] === null || live[field] === undefined))
      next = null;
    out = { ...out, [field]: next ?? null };
  }
  return out;
}
