import { scryptSync } from "node:crypto";
import { fingerprintMatches, passwordFingerprint, withFingerprints } from "../../../src/reconcile/fingerprint";
import { toJsonPlan } from "../../../src/reconcile/jsonplan";
import { MARKER_KEY } from "../../../src/reconcile/marker";
import { buildPlan } from "../../../src/reconcile/plan";
import { renderPlan } from "../../../src/reconcile/render";
import { Secret } from "../../../src/reconcile/types";
import { desired, enforcedPassword, managed, set } from "../../support/builders";

/** The format the tool wrote before: scrypt N=2^12, cheap to guess from. */
const oldFingerprint = (set: string, key: string, secret: string, fpKey = "") =>
  "s1:" + scryptSync(secret, `ory-reconcile:${set}/${key}:${fpKey}`, 18, { N: 1 << 12, r: 8, p: 1 }).toString("base64url");

const enforce = (value: string) => ({ kind: "password" as const, value: new Secret(value), policy: "enforce" as const });

describe("password fingerprints", () => {
  it("cost a guesser at least what bcrypt cost 12 does: scrypt N=2^17 (128 MiB per guess)", () => {
    const fingerprint = passwordFingerprint("staff", "a@example.com", "Summer2024!", "");
    const expected = scryptSync("Summer2024!", "ory-reconcile:staff/a@example.com:", 18, { N: 1 << 17, r: 8, p: 1, maxmem: 256 << 20 });
    expect(fingerprint).toBe("s2:" + expected.toString("base64url"));
  });

  it("are an HMAC under ORY_RECONCILE_FINGERPRINT_KEY when it is set, useless without the key", () => {
    const a = passwordFingerprint("staff", "a@example.com", "Summer2024!", "key-1");
    expect(a).toMatch(/^k1:[A-Za-z0-9_-]{43}$/);
    expect(passwordFingerprint("staff", "a@example.com", "Summer2024!", "key-2")).not.toBe(a);
    expect(passwordFingerprint("staff", "b@example.com", "Summer2024!", "key-1")).not.toBe(a);
    expect(fingerprintMatches(a, "staff", "a@example.com", enforce("Summer2024!"), "key-1")).toBe(true);
    expect(fingerprintMatches(a, "staff", "a@example.com", enforce("Summer2024!"), "")).toBe(false);
  });

  it("recognise the fingerprints of earlier versions", () => {
    const decl = enforce("Summer2024!");
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Summer2024!"), "staff", "a", decl, "")).toBe(true);
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Winter2024!"), "staff", "a", decl, "")).toBe(false);
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Summer2024!", "k"), "staff", "a", decl, "k")).toBe(true);
    // A fingerprint made without the key still matches once a key is set (and is replaced at the next write).
    expect(fingerprintMatches(passwordFingerprint("staff", "a", "Summer2024!", ""), "staff", "a", { ...decl, fingerprint: passwordFingerprint("staff", "a", "Summer2024!", "k") }, "k")).toBe(true);
    expect(fingerprintMatches("x9:unknown", "staff", "a", decl, "")).toBe(false);
  });

  it("are computed ahead in parallel, the same as one at a time", async () => {
    const identities = ["a", "b", "c"].map((k) => desired(`${k}@example.com`, {}, { credentials: { password: enforce(`pw-${k}`) } }));
    const [filled] = await withFingerprints([set("staff", identities)]);
    expect(filled.identities.map((i) => i.credentials?.password?.fingerprint)).toEqual(["a", "b", "c"].map((k) => passwordFingerprint("staff", `${k}@example.com`, `pw-${k}`, "")));
  });
});

describe("a stored fingerprint in the old format", () => {
  const key = "p@example.com";
  const password = enforcedPassword("staff", key, "Summer2024!");

  it("that matches the declared password does not re-set the password, nor write anything by itself", () => {
    const current = managed("staff", key, {}, {}, oldFingerprint("staff", key, "Summer2024!"));
    const plan = buildPlan([set("staff", [desired(key, {}, { credentials: { password } })])], [current]);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 0, noop: 1 });
  });

  it("is upgraded silently when the identity is written anyway", () => {
    const current = managed("staff", key, {}, { team: "a" }, oldFingerprint("staff", key, "Summer2024!"));
    const action = buildPlan([set("staff", [desired(key, { metadata_admin: { team: "b" } }, { credentials: { password } })])], [current]).sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toBeUndefined();
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: "/metadata_admin/team", value: "b" },
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: password.fingerprint },
    ]);
  });

  it("that does not match re-sets the password and stores the new format", () => {
    const current = managed("staff", key, {}, {}, oldFingerprint("staff", key, "Winter2023!"));
    const action = buildPlan([set("staff", [desired(key, {}, { credentials: { password } })])], [current]).sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toEqual({ password });
    expect(action.action === "update" && action.patch).toEqual([{ op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: password.fingerprint }]);
  });
});

describe("plans never print a fingerprint", () => {
  it("in the JSON plan (patch and credentials) nor in the text plan", () => {
    const key = "p@example.com";
    const password = enforcedPassword("staff", key, "new-password");
    const plans = [
      buildPlan([set("staff", [desired(key, {}, { credentials: { password } })])], [managed("staff", key, {}, {}, "s1:old")]),
      // Adoption writes the whole marker.
      buildPlan([set("staff", [desired(key, {}, { credentials: { password } })])], [managed("other", key, {}, {})].map((l) => ({ ...l, metadata_admin: null })), { adopt: true }),
    ];
    for (const plan of plans) {
      const json = JSON.stringify(toJsonPlan(plan));
      expect(json).toContain("(sensitive)");
      expect(json).not.toContain(password.fingerprint);
      expect(json).not.toContain('"fingerprint"');
      expect(renderPlan(toJsonPlan(plan), { color: false })).not.toContain(password.fingerprint);
    }
  });
});
