import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY_PATH_PATTERN, keySpecOf, keyText } from "../../../src/reconcile/core/key-spec";
import { parseKeyField } from "../../../src/manifest/identity";

describe("key paths", () => {
  it("parses external_id, the default, and trait paths with dots", () => {
    expect(keySpecOf(undefined)).toEqual({ kind: "external_id" });
    expect(keySpecOf("external_id")).toEqual({ kind: "external_id" });
    expect(keySpecOf("traits.email")).toEqual({ kind: "trait", path: ["email"] });
    expect(keySpecOf("traits.name.first")).toEqual({ kind: "trait", path: ["name", "first"] });
    // A trait that happens to be called external_id or traits is still a trait.
    expect(keySpecOf("traits.external_id")).toEqual({ kind: "trait", path: ["external_id"] });
    expect(keySpecOf("traits.traits.x")).toEqual({ kind: "trait", path: ["traits", "x"] });
  });

  it("prints each spec the way it parses back", () => {
    const specs = [
      { kind: "external_id" } as const,
      { kind: "trait" as const, path: ["email"] },
      { kind: "trait" as const, path: ["name", "first"] },
      { kind: "trait" as const, path: ["external_id"] },
    ];
    expect(specs.map(keyText)).toEqual(["external_id", "traits.email", "traits.name.first", "traits.external_id"]);
    for (const spec of specs) expect(keySpecOf(keyText(spec))).toEqual(spec);
  });

  it("accepts only external_id and traits.<dotted.path>", () => {
    const valid = ["external_id", "traits.email", "traits.name.first", "traits.external_id"];
    const invalid = [
      "",
      "traits",
      "traits.",
      "traits..email",
      "traits.e mail",
      "email",
      "external_id.x",
      "metadata_public.x",
      " traits.email",
    ];
    expect(valid.filter((text) => KEY_PATH_PATTERN.test(text))).toEqual(valid);
    expect(invalid.filter((text) => KEY_PATH_PATTERN.test(text))).toEqual([]);
  });

  it("is the pattern the manifest JSON Schema gives spec.key", () => {
    const schema = JSON.parse(
      readFileSync(join(__dirname, "..", "..", "..", "schema", "identity-set.schema.json"), "utf8"),
    );
    expect(schema.properties.spec.properties.key.pattern).toBe(KEY_PATH_PATTERN.source);
  });

  it("gives the manifest's key field its spec, text and place in an identity", () => {
    expect(parseKeyField(undefined)).toEqual({
      spec: { kind: "external_id" },
      text: "external_id",
      path: ["external_id"],
      defaulted: true,
    });
    expect(parseKeyField("external_id")).toEqual({
      spec: { kind: "external_id" },
      text: "external_id",
      path: ["external_id"],
      defaulted: false,
    });
    expect(parseKeyField("traits.name.first")).toEqual({
      spec: { kind: "trait", path: ["name", "first"] },
      text: "traits.name.first",
      path: ["traits", "name", "first"],
      defaulted: false,
    });
  });
});
