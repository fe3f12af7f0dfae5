// Small shared helpers of the providers: key specs as stored in outputs, and Pulumi's "unknown" marker.
import type { KeySpec } from "../reconcile/core/types";

/** A key spec as `spec.key` writes it: `external_id` or `traits.<dotted.path>`. */
export function keyText(spec: KeySpec): string {
  return spec.kind === "external_id" ? "external_id" : ["traits", ...spec.path].join(".");
}

export function keySpecOf(text: string | undefined): KeySpec {
  if (text === undefined || text === "external_id") return { kind: "external_id" };
  return { kind: "trait", path: text.split(".").slice(1) };
}

/** What the Pulumi engine sends for a value not known yet (during preview); `unknownValue` in runtime/rpc. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}
