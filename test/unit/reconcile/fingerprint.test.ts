import crypto, { scryptSync } from "node:crypto";
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import {
  fingerprintMatches,
  passwordFingerprint,
  warmFingerprints,
  withFingerprints,
} from "../../../src/reconcile/core/fingerprint";
import { storedFingerprintChecks } from "../../../src/reconcile/core/fingerprint-checks";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { Secret } from "../../../src/reconcile/core/types";
import { desired, enforcedPassword, managed, set } from "../../support/builders";

/** The format the tool wrote before: scrypt N=2^12, cheap to guess from. */
const oldFingerprint = (set: string, key: string, secret: string, fpKey = "") =>
  "s1:" +
  scryptSync(secret, `ory-reconcile:${set}/${key}:${fpKey}`, 18, { N: 1 << 12, r: 8, p: 1 }).toString("base64url");

const enforce = (value: string) => ({
  kind: "password" as const,
  value: new Secret(value),
  policy: "enforce" as const,
});

/** The set-bound format of the previous version: scrypt N=2^17 salted with set and key. */
const s2Fingerprint = (set: string, key: string, secret: string) =>
  "s2:" +
  scryptSync(secret, `ory-reconcile:${set}/${key}:`, 18, { N: 1 << 17, r: 8, p: 1, maxmem: 256 << 20 }).toString(
    "base64url",
  );

const bound = (keys: string[], sets: string[] = ["staff"]) => ({ keys, sets });

describe("password fingerprints", () => {
  it("cost a guesser at least what bcrypt cost 12 does: scrypt N=2^17 (128 MiB per guess), bound to the key only", () => {
    const fingerprint = passwordFingerprint("a@example.com", "Summer2024!", "");
    const expected = scryptSync("Summer2024!", "ory-reconcile:s3:a@example.com", 18, {
      N: 1 << 17,
      r: 8,
      p: 1,
      maxmem: 256 << 20,
    });
    expect(fingerprint).toBe("s3:" + expected.toString("base64url"));
    expect(passwordFingerprint("b@example.com", "Summer2024!", "")).not.toBe(fingerprint);
  });

  it("are an HMAC under ORY_RECONCILE_FINGERPRINT_KEY when it is set, useless without the key", () => {
    const a = passwordFingerprint("a@example.com", "Summer2024!", "key-1");
    expect(a).toMatch(/^k2:[A-Za-z0-9_-]{43}$/);
    expect(passwordFingerprint("a@example.com", "Summer2024!", "key-2")).not.toBe(a);
    expect(passwordFingerprint("b@example.com", "Summer2024!", "key-1")).not.toBe(a);
    expect(fingerprintMatches(a, enforce("Summer2024!"), bound(["a@example.com"]), "key-1")).toBe(true);
    expect(fingerprintMatches(a, enforce("Summer2024!"), bound(["a@example.com"]), "")).toBe(false);
  });

  it("recognise the fingerprints of earlier versions, bound to the set their marker names", () => {
    const decl = enforce("Summer2024!");
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Summer2024!"), decl, bound(["a"]), "")).toBe(true);
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Winter2024!"), decl, bound(["a"]), "")).toBe(false);
    expect(fingerprintMatches(oldFingerprint("staff", "a", "Summer2024!", "k"), decl, bound(["a"]), "k")).toBe(true);
    expect(
      fingerprintMatches(s2Fingerprint("crew", "a", "Summer2024!"), decl, bound(["a"], ["staff", "crew"]), ""),
    ).toBe(true);
    expect(fingerprintMatches(s2Fingerprint("crew", "a", "Summer2024!"), decl, bound(["a"], ["staff"]), "")).toBe(
      false,
    );
    // A fingerprint made without the key still matches once a key is set (and is replaced at the next write).
    expect(
      fingerprintMatches(
        passwordFingerprint("a", "Summer2024!", ""),
        { ...decl, fingerprint: passwordFingerprint("a", "Summer2024!", "k") },
        bound(["a"]),
        "k",
      ),
    ).toBe(true);
    expect(fingerprintMatches("x9:unknown", decl, bound(["a"]), "")).toBe(false);
  });

  it("are computed ahead in parallel, the same as one at a time", async () => {
    const identities = ["a", "b", "c"].map((k) =>
      desired(`${k}@example.com`, {}, { credentials: { password: enforce(`pw-${k}`) } }),
    );
    const [filled] = await withFingerprints([set("staff", identities)]);
    expect(filled.identities.map((i) => i.credentials?.password?.fingerprint)).toEqual(
      ["a", "b", "c"].map((k) => passwordFingerprint(`${k}@example.com`, `pw-${k}`, "")),
    );
  });

  it("are hashed once per value and key in a process, however often they are asked for", async () => {
    const spy = jest.spyOn(crypto, "scrypt");
    const identities = Array.from({ length: 4 }, (_, i) =>
      desired(`cached-${i}@example.com`, {}, { credentials: { password: enforce("same-Secret-1") } }),
    );
    await withFingerprints([set("staff", identities)]);
    await withFingerprints([set("renamed", identities)]);
    expect(spy).toHaveBeenCalledTimes(4);
    spy.mockRestore();
  });
});

// Break test 3: the fingerprint was bound to the set name, so renaming a set (or moving an identity) re-set passwords.
describe("renaming the set or the key", () => {
  const key = "p@example.com";
  const password = enforcedPassword("staff", key, "Summer2024!");

  it("keeps a current fingerprint valid under the set's new name: nothing is re-set", () => {
    const current = managed("staff", key, {}, {}, password.fingerprint);
    const plan = buildPlan([set("crew", [desired(key, {}, { credentials: { password } })])], [current], {
      renamedFrom: { crew: "staff" },
    });
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toBeUndefined();
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/set`, value: "crew" },
    ]);
  });

  it("keeps a set-bound fingerprint of the previous version valid under the new name, and upgrades it in the same write", () => {
    const current = managed("staff", key, {}, {}, s2Fingerprint("staff", key, "Summer2024!"));
    const plan = buildPlan([set("crew", [desired(key, {}, { credentials: { password } })])], [current], {
      renamedFrom: { crew: "staff" },
    });
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toBeUndefined();
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/set`, value: "crew" },
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: password.fingerprint },
    ]);
  });

  it("keeps the fingerprint of a key the tool renames (pruned identity updated in place)", () => {
    const byUsername = { kind: "trait" as const, path: ["username"] };
    const old = managed(
      "users",
      "ann@example.com",
      {},
      {},
      passwordFingerprint("ann", "Summer2024!", ""),
      "ann",
      byUsername,
    );
    const current = { ...old, traits: { email: "ann@example.com", username: "ann" } };
    const declared = {
      ...desired("ann@example.com", { traits: { email: "ann@example.com", username: "ann-m" } }),
      key: "ann-m",
      credentials: { password: enforcedPassword("users", "ann-m", "Summer2024!") },
    };
    const plan = buildPlan([set("users", [declared], { key: byUsername, prune: true })], [current], {
      schemas: [{ id: "default", schema: IDENTITY_SCHEMA }],
    });
    const action = plan.sets[0].actions[0];
    expect([plan.issues, action.action]).toEqual([[], "update"]);
    expect(action.action === "update" && action.credentials).toBeUndefined();
    expect(action.action === "update" && action.patch).toContainEqual({
      op: "replace",
      path: `/metadata_admin/${MARKER_KEY}/password`,
      value: passwordFingerprint("ann-m", "Summer2024!", ""),
    });
  });
});

describe("checks of stored fingerprints computed ahead", () => {
  it("leave the planner nothing to hash itself (a renamed set with fingerprints of the previous version)", async () => {
    const keys = ["w1@example.com", "w2@example.com", "w3@example.com"];
    const live = keys.map((key) => managed("staff", key, {}, {}, s2Fingerprint("staff", key, `pw-${key}`)));
    const [declared] = await withFingerprints([
      set(
        "crew",
        keys.map((key) => desired(key, {}, { credentials: { password: enforce(`pw-${key}`) } })),
      ),
    ]);
    const checks = storedFingerprintChecks([declared], live, { renamedFrom: { crew: "staff" } });
    expect(checks.map((c) => c.binding)).toEqual(keys.map((key) => ({ keys: [key], sets: ["crew", "staff"] })));
    await warmFingerprints(checks);
    const spy = jest.spyOn(crypto, "scryptSync");
    const plan = buildPlan([declared], live, { renamedFrom: { crew: "staff" } });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(plan.sets[0].actions.map((a) => a.action === "update" && a.credentials)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
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
    const action = buildPlan(
      [set("staff", [desired(key, { metadata_admin: { team: "b" } }, { credentials: { password } })])],
      [current],
    ).sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toBeUndefined();
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: "/metadata_admin/team", value: "b" },
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: password.fingerprint },
    ]);
  });

  it("that does not match re-sets the password and stores the new format", () => {
    const current = managed("staff", key, {}, {}, oldFingerprint("staff", key, "Winter2023!"));
    const action = buildPlan([set("staff", [desired(key, {}, { credentials: { password } })])], [current]).sets[0]
      .actions[0];
    expect(action.action === "update" && action.credentials).toEqual({ password });
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: password.fingerprint },
    ]);
  });
});

describe("plans never print a fingerprint", () => {
  it("in the JSON plan (patch and credentials) nor in the text plan", () => {
    const key = "p@example.com";
    const password = enforcedPassword("staff", key, "new-password");
    const plans = [
      buildPlan(
        [set("staff", [desired(key, {}, { credentials: { password } })])],
        [managed("staff", key, {}, {}, "s1:old")],
      ),
      // Adoption writes the whole marker.
      buildPlan(
        [set("staff", [desired(key, {}, { credentials: { password } })])],
        [managed("other", key, {}, {})].map((l) => ({ ...l, metadata_admin: null })),
        { adopt: true },
      ),
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
