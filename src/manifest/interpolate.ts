// `${env:NAME}`, `${file:relative/path}` and `${var:NAME}` inside any string value; `$${` stands for a literal `${`.
// Values at secret paths become `Secret`s the moment they are resolved; no resolved value is ever put in an issue.
// A string that holds an `${env:…}` or `${file:…}` reference is sensitive as a whole: it is added to `sensitive`,
// and every output shows it as `(sensitive)`. `${var:…}` values are public, like literal text.
import { dirname } from "node:path";
import { Secret, SENSITIVE } from "../reconcile/core/types";
import { isPlainObject, Path, Reporter } from "./path";

export type Env = Record<string, string | undefined>;

/** Why a `${file:…}` reference was refused (it names the rule), and how to fix it. */
export interface FileRefusal {
  refused: string;
  hint: string;
}

/** Where references are resolved from. */
export interface Resolver {
  env: Env;
  /** `--var NAME=value` values; they win over `ORY_RECONCILE_VAR_NAME` in `env`. */
  vars?: Readonly<Record<string, string>>;
  /** The file `relative` below the directory `base` (the manifest's); undefined when there is none. */
  readFile(base: string, relative: string): string | FileRefusal | undefined;
}

export interface InterpolateContext {
  file: string;
  /** Absent: strings are taken literally. */
  resolver?: Resolver;
  reporter: Reporter;
  isSecret(path: Path): boolean;
  /** Why the value at `path` must be public (it may not hold `${env:…}` or `${file:…}`), or undefined. */
  publicReason?(path: Path): string | undefined;
  /** Receives every resolved string that holds an `${env:…}` or `${file:…}` reference. */
  sensitive?: Set<string>;
}

/** Environment variables that `${env:…}` never reads: the tool's own credentials. */
export const UNREADABLE_ENV = ["ORY_API_KEY", "ORY_RECONCILE_FINGERPRINT_KEY"];
/** `${var:NAME}` falls back to the environment variable with this prefix. */
export const VAR_ENV_PREFIX = "ORY_RECONCILE_VAR_";
/** What a `${var:…}` name may be (also for `--var NAME=value`). */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const ENV = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const VAR = /^var:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE = /^file:(.+)$/;
const LITERAL_HINT = "write $${ for a literal ${";

/** A copy of `value` with every string resolved. */
export function interpolate(value: unknown, path: Path, ctx: InterpolateContext): unknown {
  if (typeof value === "string") {
    const resolved =
      ctx.resolver && value.includes("${")
        ? resolveString(value, path, ctx, ctx.resolver)
        : { text: value, sensitive: false };
    if (resolved.sensitive) {
      ctx.sensitive?.add(resolved.text);
      const reason = ctx.publicReason?.(path);
      if (reason) ctx.reporter.add(path, reason, "remove the ${env:…} / ${file:…} reference here");
    }
    return ctx.isSecret(path) ? new Secret(resolved.text) : resolved.text;
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, [...path, index], ctx));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, [...path, key], ctx);
    return out;
  }
  return value;
}

function resolveString(
  text: string,
  path: Path,
  ctx: InterpolateContext,
  resolver: Resolver,
): { text: string; sensitive: boolean } {
  let sensitive = false;
  const resolved = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === "$${") return "${";
    if (inner === undefined) {
      ctx.reporter.add(path, 'unterminated "${"', `close the reference with "}", or ${LITERAL_HINT}`);
      return match;
    }
    const env = ENV.exec(inner);
    if (env) {
      const value = readEnv(env[1], path, ctx, resolver);
      // sensitive once a value was read; a reference left unresolved is only the manifest's own text
      if (value !== undefined) sensitive = true;
      return value ?? match; // unresolved: the text is kept, so that no follow-up issue is reported about it
    }
    const variable = VAR.exec(inner);
    if (variable) return readVar(variable[1], match, path, ctx, resolver);
    const file = FILE.exec(inner);
    if (file) {
      const content = resolver.readFile(dirname(ctx.file), file[1]);
      if (content === undefined || typeof content !== "string") {
        const refusal = content ?? { refused: "no such file", hint: "create the file or fix the path" };
        ctx.reporter.add(
          path,
          `cannot read \${file:${file[1]}}: ${refusal.refused}`,
          `${refusal.hint}; \${file:…} reads regular files below the manifest's directory`,
        );
        return match;
      }
      sensitive = true;
      return content.replace(/\r?\n$/, "");
    }
    const shown = ctx.isSecret(path) ? SENSITIVE : `"${match}"`;
    ctx.reporter.add(
      path,
      `unknown reference ${shown}`,
      `use \${env:NAME}, \${file:relative/path} or \${var:NAME}; ${LITERAL_HINT}`,
    );
    return match;
  });
  return { text: resolved, sensitive };
}

/** The variable's value; undefined (reported) when it may not be read or is not set. */
function readEnv(name: string, path: Path, ctx: InterpolateContext, resolver: Resolver): string | undefined {
  if (UNREADABLE_ENV.includes(name)) {
    ctx.reporter.add(
      path,
      `\${env:${name}} is not allowed: ${name} is ory-reconcile's own credential and is never read into a manifest`,
      "remove this reference (the tool sends the API key to the server itself)",
    );
    return undefined;
  }
  const found = resolver.env[name];
  if (found === undefined)
    ctx.reporter.add(path, `environment variable ${name} is not set`, `set ${name} before running, or ${LITERAL_HINT}`);
  return found;
}

function readVar(name: string, match: string, path: Path, ctx: InterpolateContext, resolver: Resolver): string {
  const found = resolver.vars?.[name] ?? resolver.env[VAR_ENV_PREFIX + name];
  if (found === undefined) {
    ctx.reporter.add(
      path,
      `variable ${name} is not set`,
      `pass --var ${name}=value, or set the environment variable ${VAR_ENV_PREFIX}${name}`,
    );
  }
  return found ?? match;
}
