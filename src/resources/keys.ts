// Small shared helpers of the providers: Pulumi's "unknown" marker. (Key specs as stored in outputs: core/key-spec.ts.)

/** What the Pulumi engine sends for a value not known yet (during preview); `unknownValue` in runtime/rpc. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}
