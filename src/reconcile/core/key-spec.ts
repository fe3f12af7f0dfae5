// Key paths: the text a manifest (`spec.key`), the CLI (`--key`) and Pulumi outputs write, and the KeySpec it means.
// Parsed and printed here only, so that every caller reads and writes the same text.
import type { KeySpec } from "./types";

/** What a key path may say: `external_id` or `traits.<dotted.path>` (no empty segment, no whitespace). The manifest
 * JSON Schema (`schema/identity-set.schema.json`, `spec.key`) holds the same pattern. */
export const KEY_PATH_PATTERN = /^(external_id|traits(\.[^.\s]+)+)$/;

/**
 * A key path as text -> KeySpec: `external_id` (also when `text` is undefined, the manifest's default) or
 * `traits.a.b` -> `{kind: "trait", path: ["a", "b"]}`. Does not check the text (test it with {@link KEY_PATH_PATTERN}
 * first where it comes from the user); a text without the `traits.` prefix is read as a path under traits.
 */
export function keySpecOf(text: string | undefined): KeySpec {
  if (text === undefined || text === "external_id") return { kind: "external_id" };
  return { kind: "trait", path: text.replace(/^traits\./, "").split(".") };
}

/** A KeySpec as a key path: `external_id` or `traits.<dotted.path>`; `keySpecOf(keyText(spec))` equals `spec`. */
export function keyText(spec: KeySpec): string {
  return spec.kind === "external_id" ? "external_id" : ["traits", ...spec.path].join(".");
}
