import { ExactInteger, parseJsonExact, restoreExactIntegers } from "../../../src/reconcile/core/exact-json";

describe("parseJsonExact", () => {
  it("reads integers a double would change as ExactInteger, everything else as JSON.parse does", () => {
    const text =
      '{"big":12345678901234567890,"neg":-98765432109876543210,"kept":12345678901234567000,"safe":9007199254740991,"float":1.2345678901234567890,"s":"12345678901234567890","a":[1,12345678901234567891]}';
    const value = parseJsonExact(text) as Record<string, unknown>;
    expect(value).toEqual({
      big: new ExactInteger("12345678901234567890"),
      neg: new ExactInteger("-98765432109876543210"),
      kept: 12345678901234567000,
      safe: 9007199254740991,
      float: 1.2345678901234567,
      s: "12345678901234567890",
      a: [1, new ExactInteger("12345678901234567891")],
    });
  });

  it("writes them back with their digits", () => {
    const text = '{"big":12345678901234567890,"s":"x","a":[-98765432109876543210]}';
    expect(restoreExactIntegers(JSON.stringify(parseJsonExact(text)))).toBe(text);
  });

  it("throws on what is not JSON, as JSON.parse does", () => {
    expect(() => parseJsonExact("{12345678901234567890}")).toThrow(SyntaxError);
  });
});
