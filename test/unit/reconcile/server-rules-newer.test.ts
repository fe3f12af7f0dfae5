// Pure rules of Kratos after v26.2.0: hash cost bounds (hash/hash_limits.go), identifier normalization
// (x/normalize.go), and telling such a server by its version string.
import { afterV26_2_0, kratosCapabilities } from "../../../src/ory/capabilities";
import { hashCostProblem } from "../../../src/reconcile/core/hash-limits";
import { foldKey, phoneFold, precisFold } from "../../../src/reconcile/core/normalize";

describe("hashCostProblem", () => {
  it.each([
    ["$2a$15$abcdefghijklmnopqrstuv", undefined],
    ["$2b$16$abcdefghijklmnopqrstuv", "bcrypt cost=16 is not in [4, 15]"],
    ["$2y$31$abcdefghijklmnopqrstuv", "bcrypt cost=31 is not in [4, 15]"],
    ["$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", undefined],
    ["$argon2id$v=19$m=1048577,t=3,p=4$c2FsdA$aGFzaA", "argon2 m=1048577 is not in [1, 1048576]"],
    ["$argon2i$v=19$m=65536,t=11,p=4$c2FsdA$aGFzaA", "argon2 t=11 is not in [1, 10]"],
    ["$argon2id$v=19$m=65536,t=3,p=17$c2FsdA$aGFzaA", "argon2 p=17 is not in [1, 16]"],
    ["$pbkdf2-sha256$i=10000000,l=32$c2FsdA$aGFzaA", undefined],
    ["$pbkdf2-sha512$i=10000001,l=32$c2FsdA$aGFzaA", "pbkdf2 i=10000001 is not in [1, 10000000]"],
    ["$scrypt$ln=131072,r=8,p=10$c2FsdA$aGFzaA", undefined],
    ["$scrypt$ln=262144,r=8,p=1$c2FsdA$aGFzaA", "scrypt N=262144 is not in [1, 131072]"],
    ["$scrypt$ln=16384,r=9,p=1$c2FsdA$aGFzaA", "scrypt r=9 is not in [1, 8]"],
    ["$firescrypt$ln=18,r=8,p=1$c2FsdA$aGFzaA$c2Vw$a2V5", "firescrypt ln=18 is not in [0, 17]"],
    ["$firescrypt$ln=14,r=8,p=11$c2FsdA$aGFzaA$c2Vw$a2V5", "firescrypt p=11 is not in [1, 10]"],
    // Parameters the server's parse cannot read are left to the server.
    ["$argon2id$v=19$m=x,t=3,p=4$c2FsdA$aGFzaA", undefined],
    ["$md5$aGFzaA", undefined],
  ])("%s", (hash, problem) => expect(hashCostProblem(hash)).toBe(problem));
});

describe("precisFold", () => {
  it.each([
    ["ＤＡＮＡ@Example.com", "dana@example.com"],
    ["  Dana@Example.com\t", "dana@example.com"],
    ["e\u200bve@example.com", "eve@example.com"],
    ["ΣΟΦΙΑ@example.com", "σοφια@example.com"],
    ["ﬁona@example.com", "fiona@example.com"],
  ])("%s", (value, folded) => expect(precisFold(value)).toBe(folded));

  it("is what a precis key fold compares", () => {
    expect(foldKey("ＤＡＮＡ@Example.com", { lower: true, trimEmail: true, precis: true })).toBe("dana@example.com");
    expect(foldKey("ＤＡＮＡ@Example.com", { lower: true, trimEmail: true })).toBe("ｄａｎａ@example.com");
  });
});

describe("afterV26_2_0", () => {
  it.each([
    ["v26.2.0-202-gb86338da0", true],
    ["v26.2.1", true],
    ["v26.3.0", true],
    ["v27.0.0", true],
    ["v26.2.0", false],
    ["v26.1.9-5-gabc1234", false],
    ["v1.3.1", false],
    ["master", false],
    ["", false],
  ])("%s → %s", (version, later) => expect(afterV26_2_0(version)).toBe(later));

  it("gives such servers the precis rules and the hash cost bounds", () => {
    expect(kratosCapabilities("v26.2.0-202-gb86338da0")).toMatchObject({
      identifierRules: "precis",
      hashCostLimits: true,
    });
    expect(kratosCapabilities("v26.2.0")).toMatchObject({ identifierRules: "lower", hashCostLimits: false });
    expect(kratosCapabilities("master", true)).toMatchObject({ identifierRules: "lower", hashCostLimits: false });
  });
});

describe("phoneFold", () => {
  it.each([
    ["+1 415-555-2671", "+14155552671"],
    ["+1 (415) 555.2671", "+14155552671"],
    ["＋４４ ２０ ７９４６ ００１８", "+442079460018"],
    [" +4915112345678 ", "+4915112345678"],
    // What libphonenumber would make of these is not reproduced: only trimmed.
    ["+1 415 555 2671 ext. 5", "+1 415 555 2671 ext. 5"],
    ["0151 12345678", "0151 12345678"],
  ])("%s", (value, folded) => expect(phoneFold(value)).toBe(folded));
});
