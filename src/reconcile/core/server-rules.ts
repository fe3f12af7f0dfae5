// How Kratos validates traits, for the pre-write check: Kratos uses github.com/ory/jsonschema/v3 (Go) with its own
// `format` checkers (formats.go), Go's RE2 regular expressions for `pattern` and `patternProperties`, and big.Float
// arithmetic for `multipleOf`. The check must never refuse what the server accepts, so it follows those rules:
// exact ports where the Go code is short; where that code ends in a Go parser (net/mail, net/netip, net/url), only
// the conditions it states itself, the rest left to the server; and nothing at all for what the server checks with
// rules of its own (`tel`, `regex`, …). Accepting more is only safe where accepting more cannot refuse more: a
// `not`, `oneOf` or `if` whose outcome rests on such a rule is left out of the check (the server decides it).
type FormatCheck = (value: string) => boolean;

const GO_SPACE = "\\t\\n\\f\\r "; // Go's \s: ASCII space, \t \n \f \r (JavaScript's \s adds \v, NBSP, U+2028 …)

function leapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function validDate(year: string, month: string, day: string): boolean {
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  const days = [31, leapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return days !== undefined && d >= 1 && d <= days;
}

/** Go's time.Parse of `15:04:05[.999999999]Z07:00`: a one-digit hour, `,` before a fraction, offsets up to 24:60. */
function validClock(hour: string, min: string, sec: string, offHour = "0", offMin = "0"): boolean {
  return Number(hour) < 24 && Number(min) < 60 && Number(sec) < 60 && Number(offHour) <= 24 && Number(offMin) <= 60;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK = String.raw`(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:Z|[+-](\d{2}):(\d{2}))`;
const TIME = new RegExp(`^${CLOCK}$`);
const DATE_TIME = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})T${CLOCK}$`);

/** ory/jsonschema isHostname, including its quirk of testing only the first label for a leading `-`. */
function isHostname(value: string): boolean {
  const s = value.endsWith(".") ? value.slice(0, -1) : value;
  return (
    s.length <= 253 &&
    !s.startsWith("-") &&
    s.split(".").every((label) => /^[A-Za-z0-9-]{1,63}$/.test(label) && !label.endsWith("-"))
  );
}

const byteLength = (s: string) => Buffer.byteLength(s, "utf8");

/**
 * ory/jsonschema's format checkers: the same answer as the server for date, time, date-time, hostname and ipv4;
 * for email, ipv6 and uri only conditions the server also requires (it may still refuse what passes).
 */
const FORMATS: Record<string, FormatCheck> = {
  date: (s) => {
    const m = DATE.exec(s);
    return m !== null && validDate(m[1], m[2], m[3]);
  },
  time: (s) => {
    const m = TIME.exec(s);
    return m !== null && validClock(m[1], m[2], m[3], m[4], m[5]);
  },
  "date-time": (s) => {
    const m = DATE_TIME.exec(s);
    return m !== null && validDate(m[1], m[2], m[3]) && validClock(m[4], m[5], m[6], m[7], m[8]);
  },
  hostname: isHostname,
  ipv4: isIPv4,
  "ip-address": isIPv4,
  // isEmail: its length limits (in bytes), the last `@` and a hostname domain; its final net/mail parse is the server's.
  email: (s) => {
    const at = s.lastIndexOf("@");
    return byteLength(s) <= 254 && at >= 0 && byteLength(s.slice(0, at)) <= 64 && isHostname(s.slice(at + 1));
  },
  // isIPV6: a `:` and only what net.ParseIP reads (hex digits, `:`, the `.` of an embedded IPv4; no zone).
  ipv6: (s) => s.includes(":") && /^[0-9A-Fa-f:.]+$/.test(s),
  // isURI: a scheme, as url.Parse reads it and IsAbs requires.
  uri: isURIWithScheme,
  iri: isURIWithScheme,
};

/** Every format ory/jsonschema checks (formats.go); those missing from FORMATS are left to the server. */
const SERVER_FORMATS = new Set([
  ...Object.keys(FORMATS),
  "tel",
  "uri-reference",
  "uriref",
  "iri-reference",
  "uri-template",
  "regex",
  "json-pointer",
  "relative-json-pointer",
]);

function isIPv4(s: string): boolean {
  const groups = s.split(".");
  return groups.length === 4 && groups.every((g) => /^[+-]?\d+$/.test(g) && Number(g) >= 0 && Number(g) <= 255); // strconv.Atoi
}

function isURIWithScheme(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s);
}

/** The formats to register with ajv, as ajv format definitions. Others are ignored, as the server ignores them. */
export function serverFormats(): Record<string, { type: "string"; validate: FormatCheck }> {
  return Object.fromEntries(
    Object.entries(FORMATS).map(([name, validate]) => [name, { type: "string" as const, validate }]),
  );
}

/**
 * A Go (RE2) pattern as JavaScript RegExp source of the same meaning (for the `u` flag ajv uses): Go's `.` does not
 * match `\n` only, its `\s` is ASCII, and `\` before any other ASCII character than a letter or digit is that
 * character. Undefined when this cannot be sure of the meaning: flags, POSIX classes, Go-only escapes, a class holding
 * `\S` or a range next to `\s`, or what JavaScript cannot compile.
 */
export function goPattern(pattern: string): string | undefined {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[++i] ?? "";
      if (inClass && (next === "S" || (next === "s" && (out.endsWith("-") || pattern[i + 1] === "-"))))
        return undefined;
      if (next === "s") out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
      else if (next === "S") out += `[^${GO_SPACE}]`;
      else if (/^[\x00-\x7f]$/.test(next) && !/^[0-9A-Za-z]$/.test(next))
        out += `\\x${next.charCodeAt(0).toString(16).padStart(2, "0")}`;
      else out += c + next;
    } else if (inClass) {
      if (c === "[" && pattern[i + 1] === ":") return undefined;
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      const negated = pattern[i + 1] === "^";
      if (pattern[i + (negated ? 2 : 1)] === "]") return undefined; // Go: a literal `]`; JavaScript: an empty class
      out += negated ? "[^" : "[";
      if (negated) i++;
    } else if (c === "(" && pattern[i + 1] === "?" && /[A-Za-z-]/.test(pattern[i + 2] ?? "")) {
      return undefined; // flags such as (?i), or (?P<name>
    } else {
      out += c === "." ? "[^\\n]" : c;
    }
  }
  try {
    new RegExp(out, "u");
    return out;
  } catch {
    return undefined;
  }
}

/**
 * `multipleOf` as ory/jsonschema decides it (a big.Float quotient of 64 bits that is whole) where this check can be
 * sure: a whole divisor and a value within ±2^53. Otherwise (0.3 is a multiple of 0.1 there, and 10^21 one of 3) the
 * server decides. ajv's own rule differs both ways (0.3 is no multiple of 0.1, 10^21 no multiple of 1).
 */
export function isMultipleOf(divisor: number, value: number): boolean {
  return !Number.isInteger(divisor) || Math.abs(value) >= 2 ** 53 || value % divisor === 0;
}

/** Where checkableSchema keeps the server's own text of a pattern it rewrote, for messages. */
export const SERVER_PATTERN = "x-ory-reconcile-server-pattern";

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether a schema part may hold a rule this check follows only in part (or, behind a `$ref`, may reach one). */
function approximated(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(approximated);
  if (!isMap(node)) return false;
  // Formats too: ory/jsonschema refuses a number or an object where a format is asked, ajv lets it pass.
  if (typeof node.format === "string" && SERVER_FORMATS.has(node.format)) return true;
  if (typeof node.pattern === "string" && goPattern(node.pattern) === undefined) return true;
  if (node.multipleOf !== undefined) return true;
  if (isMap(node.patternProperties) && Object.keys(node.patternProperties).some((p) => goPattern(p) === undefined))
    return true;
  return typeof node.$ref === "string" || Object.values(node).some(approximated);
}

const SUBSCHEMA = [
  "not",
  "if",
  "then",
  "else",
  "items",
  "additionalItems",
  "additionalProperties",
  "contains",
  "propertyNames",
];
const SUBSCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "items"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs", "dependencies"];

/**
 * A server schema rewritten so that ajv applies it as ory/jsonschema does, never refusing more: patterns in Go's
 * meaning; left to the server: a pattern that cannot be sure of (and `patternProperties` with one, with the
 * `additionalProperties` beside them), and each `not`, `oneOf` and `if` (with its `then` / `else`) resting on an
 * approximated rule, where accepting more would refuse more.
 */
export function checkableSchema(schema: unknown): unknown {
  if (!isMap(schema)) return schema;
  const out = { ...schema };
  if (approximated(out.not)) delete out.not;
  if (approximated(out.oneOf)) delete out.oneOf;
  if (approximated(out.if)) for (const key of ["if", "then", "else"]) delete out[key];
  if (typeof out.pattern === "string") {
    const pattern = goPattern(out.pattern);
    if (pattern === undefined) delete out.pattern;
    else [out[SERVER_PATTERN], out.pattern] = [out.pattern, pattern];
  }
  if (isMap(out.patternProperties)) {
    const patterns = Object.entries(out.patternProperties).map(([pattern, sub]) => [goPattern(pattern), sub] as const);
    if (patterns.some(([pattern]) => pattern === undefined)) {
      delete out.patternProperties;
      delete out.additionalProperties;
    } else {
      out.patternProperties = Object.fromEntries(patterns);
    }
  }
  for (const key of SUBSCHEMA) if (isMap(out[key])) out[key] = checkableSchema(out[key]);
  for (const key of SUBSCHEMA_LISTS)
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(checkableSchema);
  for (const key of SUBSCHEMA_MAPS) {
    const map = out[key];
    if (isMap(map))
      out[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, checkableSchema(sub)]));
  }
  return out;
}
