// `${env:NAME}` and `${file:relative/path}` inside any string value; `$${` stands for a literal `${`.
// Values at secret paths become `Secret`s the moment they are resolved; no resolved value is ever put in an issue.
import { dirname, isAbsolute, join } from "node:path";
import { Secret, SENSITIVE } from "../reconcile/types";
import { isPlainObject, Path, Reporter } from "./path";

export type Env = Record<string, string | undefined>;

/** Where references are resolved from. `readFile` gets a path joined to the manifest's directory. */
export interface Resolver {
  env: Env;
  readFile(path: string): string | undefined;
}

export interface InterpolateContext {
  file: string;
  /** Absent: strings are taken literally. */
  resolver?: Resolver;
  reporter: Reporter;
  isSecret(path: Path): boolean;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const ENV = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE = /^file:(.+)$/;
const LITERAL_HINT = "write $${ for a literal ${";

/** A copy of `value` with every string resolved. */
export function interpolate(value: unknown, path: Path, ctx: InterpolateContext): unknown {
  if (typeof value === "string") {
    const resolved = ctx.resolver && value.includes("${") ? resolveString(value, path, ctx, ctx.resolver) : value;
    return ctx.isSecret(path) ? new Secret(resolved) : resolved;
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, [...path, index], ctx));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, [...path, key], ctx);
    return out;
  }
  return value;
}

function resolveString(text: string, path: Path, ctx: InterpolateContext, resolver: Resolver): string {
  return text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === "$${") return "${";
    if (inner === undefined) {
      ctx.reporter.add(path, 'unterminated "${"', `close the reference with "}", or ${LITERAL_HINT}`);
      return match;
    }
    const env = ENV.exec(inner);
    if (env) {
      const found = resolver.env[env[1]];
      if (found === undefined) {
        ctx.reporter.add(path, `environment variable ${env[1]} is not set`, `set ${env[1]} before running, or ${LITERAL_HINT}`);
      }
      return found ?? match; // unresolved: keep the text so that no follow-up issue is reported about it
    }
    const file = FILE.exec(inner);
    if (file) {
      const target = isAbsolute(file[1]) ? file[1] : join(dirname(ctx.file), file[1]);
      const content = resolver.readFile(target);
      if (content === undefined) {
        ctx.reporter.add(
          path,
          `cannot read file "${file[1]}" (looked for ${target})`,
          "create the file or fix the path; ${file:...} paths are relative to the manifest's directory",
        );
      }
      return content === undefined ? match : content.replace(/\r?\n$/, "");
    }
    const shown = ctx.isSecret(path) ? SENSITIVE : `"${match}"`;
    ctx.reporter.add(path, `unknown reference ${shown}`, `use \${env:NAME} or \${file:relative/path}; ${LITERAL_HINT}`);
    return match;
  });
}
