// The one handler of the CLI: the three error kinds (user, api, internal) → their message and exit code 1; an
// internal error says it is a bug and shows its stack only when ORY_RECONCILE_DEBUG is set.
import { DEBUG_ENV, reportError, UserError } from "../../../src/cli/errors";
import { OryApiError, ServerUnreachableError } from "../../../src/ory/errors";

const API_KEY = "ory_pat_ERROR-KINDS-secret-4711";

function report(error: unknown, env: Record<string, string | undefined> = {}): { code: number; text: string } {
  const saved = { debug: process.env[DEBUG_ENV], key: process.env.ORY_API_KEY };
  Object.assign(process.env, { ORY_API_KEY: API_KEY });
  if (env[DEBUG_ENV] !== undefined) process.env[DEBUG_ENV] = env[DEBUG_ENV];
  else delete process.env[DEBUG_ENV];
  try {
    let text = "";
    const code = reportError(error, (t) => (text += t));
    return { code, text };
  } finally {
    if (saved.debug === undefined) delete process.env[DEBUG_ENV];
    else process.env[DEBUG_ENV] = saved.debug;
    if (saved.key === undefined) delete process.env.ORY_API_KEY;
    else process.env.ORY_API_KEY = saved.key;
  }
}

describe("reportError", () => {
  it("a user error: message and hint", () => {
    expect(report(new UserError("the plan has 1 error(s); nothing was written", [], "fix it"))).toEqual({
      code: 1,
      text: "Error: the plan has 1 error(s); nothing was written\n  hint: fix it\n",
    });
  });

  it("a terminal API error: the server's reason, no word of a bug", () => {
    const refused = new OryApiError({ method: "PATCH", path: "/admin/identities/x" }, 403, "forbidden");
    const unreachable = new ServerUnreachableError(
      "http://127.0.0.1:9/admin/identities",
      { code: "ECONNREFUSED", reason: "connection refused", hint: "is the server running?", terminal: true },
      1,
    );
    expect([report(refused), report(unreachable)]).toEqual([
      { code: 1, text: "Error: PATCH /admin/identities/x failed with 403: forbidden\n" },
      {
        code: 1,
        text: "Error: server unreachable at http://127.0.0.1:9/admin/identities: connection refused (ECONNREFUSED); is the server running?\n",
      },
    ]);
  });

  it("an internal error: a bug, please report; its stack only with ORY_RECONCILE_DEBUG, and never a secret", () => {
    const bug = new TypeError(`Cannot read properties of undefined (token ${API_KEY})`);
    const plain = report(bug);
    expect(plain).toEqual({
      code: 1,
      text: "Error: internal error (a bug in ory-reconcile, please report it): Cannot read properties of undefined (token (sensitive))\n  (set ORY_RECONCILE_DEBUG=1 to print its stack for the report)\n",
    });
    const debug = report(bug, { [DEBUG_ENV]: "1" });
    expect(debug.text).toMatch(
      /^Error: internal error \(a bug in ory-reconcile, please report it\): .*\nTypeError: Cannot read properties of undefined \(token \(sensitive\)\)\n\s+at /,
    );
    expect(report(bug, { [DEBUG_ENV]: "0" }).text).toBe(plain.text);
    expect([plain.text, debug.text].filter((t) => t.includes(API_KEY))).toEqual([]);
  });
});
