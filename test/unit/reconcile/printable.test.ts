// Strings the server controls cannot forge lines of text output.
import { reportError, UserError } from "../../../src/cli/errors";
import { JsonPlan } from "../../../src/reconcile/core/jsonplan";
import { printable } from "../../../src/reconcile/core/printable";
import { renderPlan } from "../../../src/reconcile/core/render";

const FORGED = "evil\r\u001b[2KPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n\u001b[8m";

describe("printable", () => {
  it("escapes control characters as JSON would, and the marks that reorder text", () => {
    expect(printable("a\r\nb\tc\u001b[31m\u007f\u009b\u202e")).toBe("a\\r\\nb\\tc\\u001b[31m\\u007f\\u009b\\u202e");
    expect(printable("alice@example.com Ünïcode")).toBe("alice@example.com Ünïcode");
  });
});

describe("text output", () => {
  const plan: JsonPlan = {
    format_version: 1,
    sets: [
      {
        name: `set${FORGED}`,
        state_digest: "sha256:0",
        actions: [
          { action: "delete", key: FORGED, id: "id-1", reason: "not_in_configuration", live_digest: "sha256:1" },
        ],
      },
    ],
    summary: { create: 0, update: 0, delete: 1, adopt: 0, noop: 0 },
    issues: [{ message: `live identity is managed by set ${FORGED}`, hint: FORGED }],
  };

  it("of a plan shows server strings escaped: one summary line, no escape sequence", () => {
    const text = renderPlan(plan, { color: false });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split("\n").filter((line) => line.startsWith("Plan:"))).toEqual([
      "Plan: 0 to create, 0 to update, 1 to delete, 0 to adopt.",
    ]);
    expect(text).toContain(
      "- delete setevil\\r\\u001b[2KPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\\n\\u001b[8m/evil\\r",
    );
  });

  it("of an adopt shows what the live identity holds escaped (an OIDC subject, a credential type, an address)", () => {
    const holds = { credentials: [`oidc${FORGED}`], providers: [`google:${FORGED}`], verified_addresses: [FORGED] };
    const adopt: JsonPlan = {
      format_version: 1,
      sets: [
        {
          name: "staff",
          state_digest: "sha256:0",
          actions: [
            {
              action: "adopt",
              key: "alice",
              id: "id-1",
              patch: [],
              live_digest: "sha256:1",
              changes: [],
              holds,
              unlink: [`google:${FORGED}`],
            },
          ],
        },
      ],
      summary: { create: 0, update: 0, delete: 0, adopt: 1, noop: 0 },
    };
    const text = renderPlan(adopt, { color: false });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split("\n").filter((line) => line.startsWith("Plan:"))).toEqual([
      "Plan: 0 to create, 0 to update, 0 to delete, 1 to adopt.",
    ]);
    expect(text).toContain("providers: google:evil\\r\\u001b[2KPlan:");
  });

  it("of errors shows server strings escaped", () => {
    let text = "";
    reportError(
      new UserError(`the server said: ${FORGED}`, [{ message: FORGED, hint: FORGED }], FORGED),
      (t) => (text += t),
    );
    reportError(new Error(FORGED), (t) => (text += t));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.split("\n").some((line) => line.startsWith("Plan:"))).toBe(false);
  });
});
