// `spec.defaults` under an identity: objects merge recursively, anything else (arrays, scalars, Secrets) from the
// identity replaces. Unchanged subtrees are shared, not copied; loaded results are frozen so sharing stays safe.
import { isPlainObject } from "./path";

export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
