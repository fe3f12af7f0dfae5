// Integers in the server's JSON that a JavaScript number cannot hold as written (beyond ±2^53, e.g. a
// 12345678901234567890 that another system stored in metadata): JSON.parse would turn them into the nearest double
// (12345678901234567000), so a plan would compare the wrong number and a PUT of the identity would write it back
// changed. They are read as {@link ExactInteger} instead, which no manifest number equals, and written back with
// their digits unchanged: JSON.stringify writes a marker string, which the client's fetch turns back into the
// digits before the request leaves ({@link restoreExactIntegers}). Every other value is read as JSON.parse reads it.

/** What JSON.stringify writes for an ExactInteger, inside quotes, before restoreExactIntegers replaces it. */
const MARK = "\u0000ory-reconcile:exact-integer:";
/** The marker as it appears inside JSON text (JSON.stringify escapes U+0000). */
const MARK_IN_JSON = JSON.stringify(MARK).slice(1, -1);

/** An integer of the server's JSON that no JavaScript number holds exactly: its digits, as the server wrote them. */
export class ExactInteger {
  constructor(readonly digits: string) {}
  /** A marker string, turned back into the bare digits by {@link restoreExactIntegers} before sending. */
  toJSON(): string {
    return MARK + this.digits;
  }
  toString(): string {
    return this.digits;
  }
}

const NUMBER_OR_STRING = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * JSON text to a value, as JSON.parse reads it except that an integer literal whose value a double does not keep as
 * written (`String(Number(text)) !== text`) becomes an {@link ExactInteger}. Throws as JSON.parse does. Costs one
 * regular-expression pass only when the text holds a run of 16 or more digits.
 */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let found = false;
  const marked = text.replace(NUMBER_OR_STRING, (token) => {
    if (token.startsWith('"') || !/^-?\d+$/.test(token) || String(Number(token)) === token) return token;
    found = true;
    return `"${MARK_IN_JSON}${token}"`;
  });
  if (!found) return JSON.parse(text);
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(MARK) ? new ExactInteger(value.slice(MARK.length)) : value,
  );
}

const MARKED = new RegExp(`"${MARK_IN_JSON.replace(/\\/g, "\\\\")}(-?\\d+)"`, "g");

/** JSON text written by JSON.stringify with the markers of ExactIntegers replaced by their digits. */
export function restoreExactIntegers(json: string): string {
  return json.includes(MARK_IN_JSON) ? json.replace(MARKED, "$1") : json;
}
