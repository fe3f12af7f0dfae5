// Colour and --quiet: decided from the flags, NO_COLOR and whether stdout is a terminal.
import { outputStyle, quietPlanText } from "../../../src/cli/style";

describe("outputStyle", () => {
  it.each([
    ["a terminal", {}, {}, true, true],
    ["a pipe or a CI log", {}, {}, false, false],
    ["a terminal with NO_COLOR=1", {}, { NO_COLOR: "1" }, true, false],
    ["a terminal with an empty NO_COLOR (no-color.org: ignored)", {}, { NO_COLOR: "" }, true, true],
    ["a terminal with --no-color", { color: false }, {}, true, false],
    ["a pipe with --color", { color: true }, {}, false, true],
    ["--color over NO_COLOR", { color: true }, { NO_COLOR: "1" }, false, true],
  ])("colours %s: %s %s -> %s", (_what, flags, env, isTTY, color) => {
    expect(outputStyle(flags, env, isTTY as boolean)).toEqual({ color, quiet: false });
  });

  it("is quiet only with --quiet", () => {
    expect(outputStyle({ quiet: true }, {}, false)).toEqual({ color: false, quiet: true });
    expect(outputStyle({ quiet: false }, {}, true)).toEqual({ color: true, quiet: false });
  });
});

describe("quietPlanText", () => {
  it("keeps the errors with their hints and the summary line, nothing else", () => {
    const text = [
      "+ create staff/a@example.com",
      "    + /traits: {}",
      "~ update staff/b@example.com (id-b)",
      '    ~ /state: "active" -> "inactive"',
      "Error: s.yaml:3:5: two identities have the key c@example.com",
      "  hint: remove one of them",
      "2 identities are unchanged.",
      "Plan: 1 to create, 1 to update, 0 to delete, 0 to adopt.",
      "",
    ].join("\n");
    expect(quietPlanText(text)).toBe(
      [
        "Error: s.yaml:3:5: two identities have the key c@example.com",
        "  hint: remove one of them",
        "Plan: 1 to create, 1 to update, 0 to delete, 0 to adopt.",
        "",
      ].join("\n"),
    );
  });

  it("keeps only the summary of a plan without errors", () => {
    expect(quietPlanText("Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n")).toBe(
      "Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n",
    );
  });
});
