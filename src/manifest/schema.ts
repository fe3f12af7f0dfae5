// The JSON Schema shipped in `schema/identity-set.schema.json`, compiled once with ajv; its errors become issues
// that say what was expected and how to fix it.
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Secret } from "../reconcile/core/types";
import { formatPath, Path, pointerToPath, Reporter, typeName } from "./path";
import { closest } from "./suggest";

/** Path of the schema file (also in the published package: `dist/manifest/../../schema`). */
export const SCHEMA_PATH = join(__dirname, "..", "..", "schema", "identity-set.schema.json");

interface Validators {
  set: ValidateFunction;
  identity: ValidateFunction;
}

let compiled: Validators | undefined;

function validators(): Validators {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8"));
  // Secret values reach validation already wrapped: the schema's `type: string` becomes "is a Secret".
  schema.definitions.secretString = { secretString: true };
  // validateSchema: false: checking the schema against the JSON Schema meta-schema would double its compile time
  // on every CLI start; test/unit/manifest/schema-file.test.ts checks it once instead.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, validateSchema: false });
  ajv.addKeyword("patternErrorMessage");
  ajv.addKeyword({
    keyword: "secretString",
    schemaType: "boolean",
    errors: false,
    validate: (_: boolean, data: unknown) => data instanceof Secret,
  });
  ajv.addSchema(schema, "identity-set");
  compiled = { set: ajv.getSchema("identity-set")!, identity: ajv.getSchema("identity-set#/definitions/identity")! };
  return compiled;
}

/** Validates a whole set document (already interpolated); returns whether it is valid. */
export function validateSetSchema(value: unknown, reporter: Reporter): boolean {
  return run(validators().set, value, [], reporter);
}

/** Validates one identity; `base` is where it sits (for paths and positions). */
export function validateIdentitySchema(value: unknown, base: Path, reporter: Reporter): boolean {
  return run(validators().identity, value, base, reporter);
}

function run(validate: ValidateFunction, value: unknown, base: Path, reporter: Reporter): boolean {
  if (validate(value)) return true;
  for (const error of validate.errors ?? [])
    report(error, [...base, ...pointerToPath(error.instancePath, value)], reporter);
  return false;
}

function report(error: ErrorObject, path: Path, reporter: Reporter): void {
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const data: unknown = error.data;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(error.params.additionalProperty);
      const known = Object.keys((schema.properties as object) ?? {});
      const guess = closest(field, known);
      const hint = guess ? `did you mean "${guess}"?` : `allowed fields here: ${known.join(", ")}`;
      return reporter.add([...path, field], `unknown field "${field}"`, hint, "key");
    }
    case "required": {
      const field = String(error.params.missingProperty);
      return reporter.add([...path, field], `missing required field "${field}"`, where(field, path));
    }
    case "type":
    case "secretString": {
      const expected = error.keyword === "type" ? String(error.params.type).replace(",", " or ") : "string";
      return reporter.add(path, `expected ${expected}, got ${typeName(data)}`, typeHint(expected, data));
    }
    case "enum": {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const guess = typeof data === "string" ? closest(data, allowed) : undefined;
      const hint = guess ? `did you mean "${guess}"?` : `use one of ${allowed.join(", ")}`;
      return reporter.add(path, `unexpected value ${shown(data)}: expected one of ${allowed.join(", ")}`, hint);
    }
    case "const": {
      const allowed = JSON.stringify(error.params.allowedValue);
      return reporter.add(path, `expected ${allowed}, got ${shown(data)}`, `set it to ${allowed} or remove it`);
    }
    case "pattern": {
      const expected =
        (schema.patternErrorMessage as string | undefined) ?? `a value matching ${String(error.params.pattern)}`;
      const example = Array.isArray(schema.examples)
        ? `e.g. ${schema.examples.join(" or ")}`
        : "see schema/identity-set.schema.json";
      return reporter.add(path, `invalid value ${shown(data)}: ${expected}`, example);
    }
    case "minimum":
    case "maximum": {
      const range = `from ${schema.minimum} to ${schema.maximum}`;
      return reporter.add(path, `expected an integer ${range}, got ${shown(data)}`, `use a value ${range}`);
    }
    case "if":
      return; // the branch that applied reports what is wrong
    case "minItems":
      return reporter.add(path, "must not be empty", "list at least one item, or remove the field");
    case "minLength":
      return reporter.add(path, "must not be empty", "give it a value or remove the field");
    default:
      return reporter.add(
        path,
        error.message ?? `invalid (${error.keyword})`,
        "see schema/identity-set.schema.json for the format",
      );
  }
}

function typeHint(expected: string, data: unknown): string {
  if (expected === "string" && (typeof data === "number" || typeof data === "boolean"))
    return "quote the value so that YAML reads it as a string";
  if (expected === "boolean" && typeof data === "string")
    return "write true or false (YAML 1.2 reads yes, no, on and off as strings)";
  if (expected.startsWith("object")) return "write a mapping here (key: value pairs)";
  if (expected === "array") return 'write a list here (items starting with "- ")';
  return `write ${expected === "integer" ? "a whole number" : `a ${expected.split(" ")[0]}`} here`;
}

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeName(value) === "object" ? "an object" : String(value);
}

function where(field: string, path: Path): string {
  return path.length === 0 ? `add ${field}: at the top of the document` : `add ${field}: to ${formatPath(path)}`;
}
