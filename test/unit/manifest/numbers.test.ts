// Numbers reach the server as written or not at all: a YAML number that a JSON number (a 64-bit float) cannot hold
// exactly is refused at its line and column, wherever it is written, instead of being sent changed.
import { loadManifests } from "../../../src/manifest";
import { brief, issuesOf, removeTempTrees, setsOf, setYaml, tempTree } from "./helpers";

afterAll(removeTempTrees);

const load = (spec: string[]) =>
  loadManifests(["s.yaml"], { cwd: tempTree({ "s.yaml": setYaml("staff", ...spec) }), env: {} });
const identity = (fields: string) => [
  "  key: traits.email",
  "  identities:",
  `    - { traits: { email: a@example.com }, ${fields} }`,
];
const MESSAGE =
  "this number cannot be kept exactly: JSON numbers here are 64-bit floats (integers up to 2^53, about 17 digits)";

describe("numbers in manifests", () => {
  it.each([
    ["an integer beyond 2^53", "12345678901234567890"],
    ["2^53 + 1", "9007199254740993"],
    ["a negative one", "-9007199254740993"],
    ["a fraction with more digits than a double keeps", "1.00000000000000000001"],
    ["an exponent too large for a double", "1e400"],
    ["infinity", ".inf"],
    ["minus infinity", "-.inf"],
    ["not a number", ".nan"],
    ["a hex integer beyond 2^53", "0xFFFFFFFFFFFFFFFF"],
    ["2^60, which JSON would write as 1152921504606847000", "1152921504606846976"],
  ])("refuses %s (%s) at its position, without repeating it", (_what, number) => {
    const issues = issuesOf(load(identity(`metadata_public: { n: ${number} }`)));
    expect(brief(issues)).toEqual([`8:65 spec.identities[0].metadata_public.n ${MESSAGE}`]);
    expect(issues[0].hint).toBe('quote it to keep it as text ("…"), or use fewer digits');
    expect(JSON.stringify(issues)).not.toContain(number);
  });

  it.each([
    ["the largest safe integer", "9007199254740991", 9007199254740991],
    ["a large integer a double holds as written", "12345678901234567000", 12345678901234567000],
    ["a decimal fraction", "0.1", 0.1],
    ["trailing zeros", "1.50", 1.5],
    ["an exponent", "1e+21", 1e21],
    ["minus zero", "-0", -0],
    ["a hex integer", "0x1F", 31],
    ["a quoted big number, which stays text", '"12345678901234567890"', "12345678901234567890"],
  ])("keeps %s (%s)", (_what, number, value) => {
    const [set] = setsOf(load(identity(`metadata_public: { n: ${number} }`)));
    expect(set.identities[0].body.metadata_public).toEqual({ n: value });
  });

  it("checks every place a number can be written: traits, metadata, defaults, generate templates, keys", () => {
    const issues = issuesOf(
      load([
        "  key: traits.email",
        "  defaults: { metadata_admin: { limit: 9007199254740993 } }",
        "  identities:",
        "    - traits: { email: a@example.com, n: 9007199254740993 }",
        "      metadata_public: { 9007199254740993: x }",
        "  generate:",
        "    - count: 2",
        "      template: { traits: { email: 'u{{i}}@example.com', n: 9007199254740993 } }",
      ]),
    );
    expect(brief(issues)).toEqual([
      `7:40 spec.defaults.metadata_admin.limit ${MESSAGE}`,
      `9:42 spec.identities[0].traits.n ${MESSAGE}`,
      `10:26 spec.identities[0].metadata_public ${MESSAGE}`,
      `13:61 spec.generate[0].template.traits.n ${MESSAGE}`,
    ]);
  });
});
