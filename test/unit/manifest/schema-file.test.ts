// The shipped manifest schema is compiled without checking it against the JSON Schema meta-schema (to keep CLI
// start-up short), so it is checked here, with the same strict options.
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { SCHEMA_PATH } from "../../../src/manifest/schema";

describe("schema/identity-set.schema.json", () => {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));

  it("is a valid JSON Schema (draft-07 meta-schema)", () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addKeyword("patternErrorMessage");
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
  });

  it("is refused by the same check when broken", () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addKeyword("patternErrorMessage");
    const broken = {
      ...schema,
      definitions: { ...schema.definitions, identity: { ...schema.definitions.identity, type: "no-such-type" } },
    };
    expect(ajv.validateSchema(broken)).toBe(false);
  });
});
