// What a server or an error repeats of the loaded manifests (a request body echoed in a 400) never leaves the CLI:
// passwords and hashes whatever their length, other sensitive values and keys from four characters, shorter ones where quoted.
import { hideSensitive, redactText, reportError, UserError } from "../../../src/cli/errors";
import { OryApiError } from "../../../src/ory";
import { printable } from "../../../src/reconcile/core/printable";
import { parseManifests } from "../../../src/manifest";
import { setsOf, setYaml } from "../manifest/helpers";

describe("redactText after hideSensitive", () => {
  const text = setYaml(
    "users",
    "  key: traits.email",
    "  identities:",
    "    - traits: { email: a@example.com, name: '${env:SHORT}' }",
    "      credentials: { password: { password: '${env:PW}' } }",
    "    - traits: { email: b@example.com }",
    "      credentials: { password: { hashed_password: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' } }",
    "    - traits: { email: c@example.com }",
    "      credentials: { password: { password: 'x9' } }",
  );
  hideSensitive(
    setsOf(
      parseManifests([{ file: "users.yaml", text }], {
        env: { PW: "Hunter2Password", SHORT: "ab" },
        readFile: () => undefined,
      }),
    ),
  );

  it("hides every password and hash of the loaded sets, also one the server echoes", () => {
    const out = redactText(
      "400 Bad Request: {'password':'Hunter2Password'} {'hashed_password':'$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'} {'password':'x9'}",
    );
    expect(out).toBe(
      "400 Bad Request: {'password':'(sensitive)'} {'hashed_password':'(sensitive)'} {'password':'(sensitive)'}",
    );
  });

  it("hides a short sensitive value where it is quoted, and leaves the words around it whole", () => {
    expect(redactText('name "ab" is not allowed: abort')).toBe('name "(sensitive)" is not allowed: abort');
  });
});

// Break test 5: redaction ran after escaping, so a value holding a newline, a control character or a quote was
// printed in its escaped form, which the redactor did not look for.
describe("values that output escapes", () => {
  const NEWLINE = "line-one\nline-two-7d1";
  const QUOTED = 'say "cheese" \\ 9c4e';
  const CONTROL = "bell\u0007ring-e20";
  const text = setYaml(
    "escapes",
    "  key: traits.email",
    "  identities:",
    "    - traits: { email: a@example.com, name: '${env:NEWLINE}', note: '${file:quoted.txt}' }",
    "      credentials: { password: { password: '${env:CONTROL}' } }",
  );
  hideSensitive(
    setsOf(parseManifests([{ file: "escapes.yaml", text }], { env: { NEWLINE, CONTROL }, readFile: () => QUOTED })),
  );

  const reported = (error: unknown) => {
    let out = "";
    reportError(error, (chunk) => void (out += chunk));
    return out;
  };
  const forms = (value: string) => [value, printable(value), JSON.stringify(value), JSON.stringify(value).slice(1, -1)];

  it.each([
    [
      "a user error",
      (v: string) => new UserError(`bad value ${v}`, [{ message: `also ${v}`, hint: `not ${v}` }], `hint ${v}`),
    ],
    [
      "a server message quoting the value as JSON",
      (v: string) =>
        new OryApiError({ method: "POST", path: "/admin/identities" }, 400, `invalid: {"name":${JSON.stringify(v)}}`),
    ],
    ["an internal error", (v: string) => new Error(`boom ${v}`)],
  ])("hides them in %s, in every form", (_what, make) => {
    for (const secret of [NEWLINE, QUOTED, CONTROL]) {
      const out = reported(make(secret));
      expect(out).toContain("(sensitive)");
      for (const form of forms(secret)) expect(out).not.toContain(form);
    }
  });
});
