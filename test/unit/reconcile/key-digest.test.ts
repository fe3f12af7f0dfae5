// The marker records the key it was written for (issue 14, break test 1): a managed identity whose key was changed
// outside the tool (its user changed their own e-mail to one the manifest declares later) is no longer paired as an
// update; taking it over needs adoption, and renames made by the tool itself rewrite the digest.
import { keyChangedOutside, keyDigest } from "../../../src/reconcile/core/key-digest";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { MARKER_KEY, readMarker } from "../../../src/reconcile/core/marker";
import { buildPlan } from "../../../src/reconcile/core/plan";
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, managed, set } from "../../support/builders";

/** Alice's account, created by set corp for alice@corp.example, after she changed her own e-mail to `now`. */
function aliceNow(now: string): LiveIdentity {
  return { ...managed("corp", "alice@corp.example", {}, { team: "sales" }), traits: { email: now } };
}

const cfo = () =>
  desired("cfo@corp.example", {
    metadata_admin: { team: "finance", clearance: "board" },
    metadata_public: { role: "cfo" },
  });

describe("keyDigest", () => {
  it("is stable, short, and the same for keys the server may compare as equal (case, spaces around an e-mail)", () => {
    expect(keyDigest("alice@corp.example", EMAIL_KEY)).toMatch(/^traits\.email:[A-Za-z0-9_-]{22}$/);
    expect(keyDigest(" Alice@Corp.Example ", EMAIL_KEY)).toBe(keyDigest("alice@corp.example", EMAIL_KEY));
    expect(keyDigest("alice@corp.example", EMAIL_KEY)).not.toBe(keyDigest("cfo@corp.example", EMAIL_KEY));
  });

  it("tells a key changed since the marker was written; a marker without a digest (older versions) never does", () => {
    const spec = { kind: "trait" as const, path: ["email"] };
    const alice = aliceNow("cfo@corp.example");
    expect(keyChangedOutside(readMarker(alice.metadata_admin)!, alice, spec)).toBe(true);
    expect(keyChangedOutside({ set: "corp" }, alice, spec)).toBe(false);
    expect(keyChangedOutside(readMarker(alice.metadata_admin)!, aliceNow("ALICE@corp.example"), spec)).toBe(false);
  });
});

describe("buildPlan: a managed identity whose key was changed outside the tool", () => {
  it("is not paired as an update: a plan error naming the identity and both ways to adopt, nothing planned for it", () => {
    const alice = aliceNow("cfo@corp.example");
    const plan = buildPlan([set("corp", [cfo()])], [alice]);
    expect(plan.sets[0].actions).toEqual([]);
    expect(plan.issues).toEqual([
      {
        message: `corp/cfo@corp.example: live identity ${alice.id} is managed by set corp, but its traits.email was changed outside ory-reconcile since the set wrote its ownership marker (for another key), so it may belong to someone else`,
        hint: `check who uses identity ${alice.id}; to pair it with this declaration anyway (the marker then records this key), set \`spec.adopt: true\` in set corp or run with --adopt; otherwise remove it from the manifest`,
      },
    ]);
  });

  it.each([
    ["spec.adopt: true", { adopt: true }, {}],
    ["--adopt", {}, { adopt: true }],
  ])(
    "is adopted with %s: shown as adopt with its holdings, and the marker then records the new key",
    (_how, setOptions, planOptions) => {
      const alice = aliceNow("cfo@corp.example");
      const plan = buildPlan([set("corp", [cfo()], setOptions)], [alice], planOptions);
      expect(plan.issues).toEqual([]);
      expect(plan.summary).toMatchObject({ update: 0, adopt: 1 });
      const action = plan.sets[0].actions[0];
      if (action.action !== "adopt") throw new Error(`expected an adopt, got ${action.action}`);
      expect(action.holds).toEqual({ credentials: ["password"], providers: [], verified_addresses: [] });
      expect(action.patch).toContainEqual({
        op: "replace",
        path: `/metadata_admin/${MARKER_KEY}/key`,
        value: keyDigest("cfo@corp.example", EMAIL_KEY),
      });
      const after = {
        ...alice,
        metadata_admin: {
          team: "finance",
          clearance: "board",
          [MARKER_KEY]: { set: "corp", key: keyDigest("cfo@corp.example", EMAIL_KEY) },
        },
        metadata_public: { role: "cfo" },
      };
      expect(buildPlan([set("corp", [cfo()])], [after]).summary).toMatchObject({ noop: 1 });
    },
  );

  it("is not taken for a rename by the prune path (pairing by other unique values) either", () => {
    const alice = aliceNow("cfo@corp.example");
    const renamed = buildPlan([set("corp", [desired("cfo@corp.example")], { prune: true })], [alice]);
    expect(renamed.sets[0].actions.map((a) => a.action)).toEqual([]);
    expect(renamed.issues.map((i) => i.message)).toEqual([
      expect.stringContaining("was changed outside ory-reconcile"),
    ]);
  });

  it("an unchanged key pairs as before; an old marker without a digest gets one only along with another write", () => {
    const same = managed("corp", "alice@corp.example");
    expect(buildPlan([set("corp", [desired("alice@corp.example")])], [same]).summary).toMatchObject({ noop: 1 });
    const old = managed("corp", "alice@corp.example", {}, {}, undefined, null);
    expect(buildPlan([set("corp", [desired("alice@corp.example")])], [old]).summary).toMatchObject({ noop: 1 });
    const moved = { ...old, traits: { email: "cfo@corp.example" } };
    // Without a digest nothing tells a key changed outside: paired as before (documented), and the digest is added.
    const action = buildPlan(
      [set("corp", [desired("cfo@corp.example", { metadata_public: { role: "cfo" } })])],
      [moved],
    ).sets[0].actions[0];
    expect(action.action).toBe("update");
    expect(action.action === "update" && action.patch).toContainEqual({
      op: "add",
      path: `/metadata_admin/${MARKER_KEY}/key`,
      value: keyDigest("cfo@corp.example", EMAIL_KEY),
    });
  });

  it("a digest made under another key path (spec.key changed) is not checked, and is replaced with the next write", () => {
    const byUsername = { kind: "trait" as const, path: ["username"] };
    const ann = {
      ...managed("corp", "ann@corp.example", {}, {}, undefined, "ann", byUsername),
      traits: { email: "ann@corp.example", username: "ann" },
    };
    expect(
      buildPlan(
        [set("corp", [desired("ann@corp.example", { traits: { email: "ann@corp.example", username: "ann" } })])],
        [ann],
      ).summary,
    ).toMatchObject({ noop: 1 });
    const changed = buildPlan(
      [
        set("corp", [
          desired("ann@corp.example", {
            traits: { email: "ann@corp.example", username: "ann" },
            metadata_public: { v: 2 },
          }),
        ]),
      ],
      [ann],
    ).sets[0].actions[0];
    expect(changed.action === "update" && changed.patch).toContainEqual({
      op: "replace",
      path: `/metadata_admin/${MARKER_KEY}/key`,
      value: keyDigest("ann@corp.example", EMAIL_KEY),
    });
  });

  it("never prints the digest in a JSON plan (a sensitive key could be guessed from it)", () => {
    const plan = buildPlan([set("corp", [cfo()], { adopt: true })], [aliceNow("cfo@corp.example")]);
    const text = JSON.stringify(toJsonPlan(plan));
    expect(text).not.toContain(keyDigest("cfo@corp.example", EMAIL_KEY));
    expect(text).toContain(`"path":"/metadata_admin/${MARKER_KEY}/key","value":"(sensitive)"`);
    const created = JSON.stringify(toJsonPlan(buildPlan([set("corp", [cfo()])], [])));
    expect(created).not.toContain(keyDigest("cfo@corp.example", EMAIL_KEY));
  });
});
