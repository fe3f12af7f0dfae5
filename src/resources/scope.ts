// An Identity's ownership scope (the set name in its marker): unique to its stack and resource by default, kept by
// resources that exist already. Also loaded by the program (identity.ts), so it imports nothing of the engine.
import { createHash } from "node:crypto";
import type { IdentityInputs } from "./identity-fields";

/** The scope every Identity shared before defaults were unique: resources created then keep it. */
export const LEGACY_SET = "pulumi";

/** The longest set name the marker accepts (`metadata.name`: a DNS label). */
const SET_NAME_MAX = 63;

/**
 * An Identity's default ownership scope, unique to its stack and resource: `<project>-<stack>-<name>` as a set name
 * (lower case, `[a-z0-9-]`, cut to fit) and 8 hex digits of the SHA-256 of the resource's URN, which tell apart
 * resources whose readable part is the same (cut, or spelled differently, or under other parents).
 */
export function defaultSet(project: string, stack: string, name: string, urn: string): string {
  const hash = createHash("sha256").update(urn).digest("hex").slice(0, 8);
  const readable = `${project}-${stack}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, SET_NAME_MAX - hash.length - 1)
    .replace(/^-+|-+$/g, "");
  return readable === "" ? hash : `${readable}-${hash}`;
}

/**
 * The scope `check` records: the declared `set`; else the scope an existing resource already uses when that was a
 * default, its own or the legacy one (its identity is marked with it: a resource keeps its scope across versions);
 * else the unique default.
 */
export function scopeOf(olds: IdentityInputs, news: IdentityInputs): string | undefined {
  if (news.set !== undefined) return news.set;
  if (olds.set !== undefined && (olds.set === olds.defaultSet || olds.set === LEGACY_SET)) return olds.set;
  return news.defaultSet;
}
