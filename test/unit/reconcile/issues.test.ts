// One text for an issue and a source position, whoever prints it: CLI errors, Pulumi check failures, plan renderers.
import { formatIssue, formatIssues, formatPos, placeOf } from "../../../src/reconcile/core/issues";
import type { JsonPlan } from "../../../src/reconcile/core/jsonplan";
import { renderMarkdownPlan } from "../../../src/reconcile/core/markdown";
import { renderPlan } from "../../../src/reconcile/core/render";

describe("formatPos", () => {
  it("writes file:line:col, and leaves out what is not known", () => {
    expect(formatPos({ file: "m/staff.yaml", line: 9, col: 14 })).toBe("m/staff.yaml:9:14");
    expect(formatPos({ file: "m/staff.yaml", line: 9 })).toBe("m/staff.yaml:9");
    expect(formatPos({ file: "m/staff.yaml" })).toBe("m/staff.yaml");
    expect(formatPos({ file: "m/staff.yaml", col: 3 })).toBe("m/staff.yaml");
  });
});

describe("placeOf", () => {
  it("reads the flat place of a JSON plan issue; none without a file", () => {
    expect(placeOf({ file: "a.yaml", line: 1, col: 2 })).toEqual({ file: "a.yaml", line: 1, col: 2 });
    expect(placeOf({ file: "a.yaml" })).toEqual({ file: "a.yaml", line: undefined, col: undefined });
    expect(placeOf({ line: 1, col: 2 })).toBeUndefined();
    expect(placeOf({ file: "", line: 1, col: 2 })).toBeUndefined();
  });
});

describe("formatIssue", () => {
  it("joins the known parts of place, path and message; the hint goes on an indented line", () => {
    expect(formatIssue({ pos: { file: "a.yaml", line: 3, col: 5 }, path: "spec.key", message: "m", hint: "h" })).toBe(
      "a.yaml:3:5: spec.key: m\n  hint: h",
    );
    expect(formatIssue({ pos: { file: "a.yaml", line: 3 }, message: "m" })).toBe("a.yaml:3: m");
    expect(formatIssue({ path: "", message: "m", hint: "" })).toBe("m");
    expect(
      formatIssues([{ message: "a" }, { pos: { file: "b.yaml", line: 1, col: 1 }, message: "b", hint: "fix b" }]),
    ).toBe("a\nb.yaml:1:1: b\n  hint: fix b");
  });
});

describe("plan renderers", () => {
  const plan: JsonPlan = {
    format_version: 1,
    sets: [],
    summary: { create: 0, update: 0, delete: 0, adopt: 0, noop: 0 },
    issues: [
      {
        message: "set staff uses key: external_id but the server has none",
        hint: "use a trait as the key",
        file: "m/staff.yaml",
        line: 4,
        col: 8,
      },
      { message: "saved without a column", file: "m/ops.yaml", line: 2 },
      { message: "no place" },
    ],
  };

  it("print an issue as every other caller does, a position without column included", () => {
    expect(renderPlan(plan)).toBe(
      [
        "Error: m/staff.yaml:4:8: set staff uses key: external_id but the server has none",
        "  hint: use a trait as the key",
        "Error: m/ops.yaml:2: saved without a column",
        "Error: no place",
        "Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.",
        "",
      ].join("\n"),
    );
    const markdown = renderMarkdownPlan(plan);
    expect(markdown).toContain(
      "<pre>\nError: m/staff.yaml:4:8: set staff uses key: external_id but the server has none\n  hint: use a trait as the key\n</pre>\n",
    );
    expect(markdown).toContain("<pre>\nError: m/ops.yaml:2: saved without a column\n</pre>\n");
    expect(markdown).toContain("<pre>\nError: no place\n</pre>\n");
    expect(markdown).not.toContain("undefined");
  });
});
