// `generate` templates: `{{i}}` in every string (Secrets included) replaced by the copy number. The template is
// compiled once; parts without `{{i}}` are shared by all copies instead of being cloned per copy.
import { Secret } from "../reconcile/core/types";
import { deepFreeze } from "./merge";
import { isPlainObject } from "./path";

const PLACEHOLDER = "{{i}}";

/** Builds copy `i`; returns the template itself (frozen) when it has no `{{i}}`. */
export type Template = (i: number) => unknown;

export function compileTemplate(template: unknown): Template {
  const build = compile(template);
  if (build) return build;
  const constant = deepFreeze(template);
  return () => constant;
}

/** Returns undefined when `value` has no placeholder (so the caller can share it). */
function compile(value: unknown): Template | undefined {
  if (typeof value === "string") {
    if (!value.includes(PLACEHOLDER)) return undefined;
    const parts = value.split(PLACEHOLDER);
    return (i) => parts.join(String(i));
  }
  if (value instanceof Secret) {
    const parts = value.reveal().split(PLACEHOLDER);
    return parts.length === 1 ? undefined : (i) => new Secret(parts.join(String(i)));
  }
  if (Array.isArray(value)) {
    const items = value.map(compile);
    if (items.every((item) => item === undefined)) return undefined;
    const fixed = value.map((item) => deepFreeze(item));
    return (i) => Object.freeze(items.map((build, index) => (build ? build(i) : fixed[index])));
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([key, item]) => [key, compile(item), deepFreeze(item)] as const);
    if (entries.every(([, build]) => build === undefined)) return undefined;
    return (i) => {
      const out: Record<string, unknown> = {};
      for (const [key, build, fixed] of entries) out[key] = build ? build(i) : fixed;
      return Object.freeze(out);
    };
  }
  return undefined;
}
