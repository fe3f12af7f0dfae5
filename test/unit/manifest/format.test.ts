// Issue rendering and the small helpers behind messages.
import { formatIssue, formatIssues } from "../../../src/manifest";
import { formatPath } from "../../../src/manifest/path";
import { closest, levenshtein } from "../../../src/manifest/suggest";

describe("formatIssue", () => {
  it("renders position, path, message and hint", () => {
    expect(
      formatIssue({
        pos: { file: "m/staff.yaml", line: 9, col: 14 },
        path: "spec.identities[0].state",
        message: 'unexpected value "actve"',
        hint: 'did you mean "active"?',
      }),
    ).toBe('m/staff.yaml:9:14: spec.identities[0].state: unexpected value "actve"\n  hint: did you mean "active"?');
  });

  it("leaves out what an issue does not have", () => {
    expect(formatIssue({ message: 'no such file or directory: "x.yaml"' })).toBe('no such file or directory: "x.yaml"');
    expect(formatIssue({ path: "traits", message: "m" })).toBe("traits: m");
    expect(formatIssue({ pos: { file: "a.yaml", line: 1, col: 1 }, message: "m", hint: "h" })).toBe(
      "a.yaml:1:1: m\n  hint: h",
    );
  });

  it("renders a list one issue after the other", () => {
    expect(formatIssues([{ message: "a", hint: "fix a" }, { message: "b" }])).toBe("a\n  hint: fix a\nb");
    expect(formatIssues([])).toBe("");
  });
});

describe("field paths", () => {
  it("uses dots for names, brackets for indexes and unusual keys", () => {
    expect(formatPath(["spec", "identities", 2, "traits", "email"])).toBe("spec.identities[2].traits.email");
    expect(formatPath(["traits", "first name", "a.b"])).toBe('traits["first name"]["a.b"]');
    expect(formatPath([])).toBe("");
  });
});

describe("suggestions", () => {
  it("measures edit distance", () => {
    expect([levenshtein("", "abc"), levenshtein("kitten", "sitting"), levenshtein("same", "same")]).toEqual([3, 3, 0]);
  });

  it("suggests the closest plausible field and nothing for unrelated words", () => {
    const fields = ["schema_id", "traits", "metadata_public", "metadata_admin", "state", "external_id"];
    expect(closest("trait", fields)).toBe("traits");
    expect(closest("schemaId", fields)).toBe("schema_id");
    expect(closest("externalId", fields)).toBe("external_id");
    expect(closest("metadata_publik", fields)).toBe("metadata_public");
    expect(closest("password", fields)).toBeUndefined();
    expect(closest("x", fields)).toBeUndefined();
  });
});
