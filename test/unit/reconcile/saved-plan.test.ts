// One plan type: the saved plan file is the JSON plan serialised, read back by a checked parser (`apply --plan`); a
// delete carries its reason as data, which the text, JSON and Markdown plans show.
import { JsonPlan, stalePlanReasons, toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { renderMarkdownPlan } from "../../../src/reconcile/core/markdown";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { renderPlan } from "../../../src/reconcile/core/render";
import { parseSavedPlan, savedPlanText } from "../../../src/reconcile/core/saved-plan";
import { Secret } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, enforcedPassword, live, managed, set } from "../../support/builders";

const PASSWORD = "pa55-word-in-plan";
const HASH = "$2a$10$abcdefghijklmnopqrstuuJ8Ew7oFZ7kDZ2zz7fZ7y7y7y7y7y7y";
const TOTP_SEED = "JBSWY3DPEHPK3PXP";

/** A plan of every kind: create (password, TOTP), update (an enforced password, from a hash), adopt, delete, noop. */
function everyKind(options: { destroy?: boolean } = {}) {
  const bob = managed("staff", "bob@example.com", { id: "id-bob" });
  const carol = live("carol@example.com", { id: "id-carol" });
  const gone = managed("staff", "gone@example.com", { id: "id-gone" });
  const same = managed("staff", "same@example.com", { id: "id-same" });
  const sets = [
    set(
      "staff",
      [
        desired(
          "new@example.com",
          {},
          {
            credentials: {
              password: { kind: "password", value: new Secret(PASSWORD), policy: "initial" },
              imported: {
                totp: { config: new Secret(JSON.stringify({ totp_url: `otpauth://totp/x:new?secret=${TOTP_SEED}` })) },
              },
            },
          },
        ),
        desired(
          "bob@example.com",
          { metadata_public: { role: "admin" } },
          { credentials: { password: enforcedPassword("staff", "bob@example.com", PASSWORD) } },
        ),
        desired(
          "hash@example.com",
          {},
          { credentials: { password: { kind: "hashed_password", value: new Secret(HASH), policy: "initial" } } },
        ),
        desired("carol@example.com", { metadata_public: { role: "user" } }),
        desired("same@example.com"),
      ],
      { prune: true, adopt: true },
    ),
  ];
  const plan = buildPlan(sets, [bob, carol, gone, same], options);
  return { plan, json: toJsonPlan(plan), gone };
}

const parsed = (text: string) => {
  const result = parseSavedPlan(text);
  if (!result.ok) throw new Error(`expected a plan: ${result.problem}`);
  return result.plan;
};

describe("a saved plan", () => {
  const { plan, json } = everyKind();
  const text = savedPlanText(json);

  it("reads back as the same value, renders the same text and Markdown, and is not stale against its own plan", () => {
    expect(plan.summary).toEqual({ create: 2, update: 1, delete: 1, adopt: 1, noop: 1 });
    const back = parsed(text);
    expect(back).toEqual(json);
    expect(renderPlan(back)).toBe(renderPlan(json));
    expect(renderPlan(back, { verbose: true, color: true })).toBe(renderPlan(json, { verbose: true, color: true }));
    expect(renderMarkdownPlan(back)).toBe(renderMarkdownPlan(json));
    expect(stalePlanReasons(back, json)).toEqual([]);
  });

  it("holds no secret: passwords, hashes, TOTP seeds, password fingerprints and key digests are (sensitive) or absent", () => {
    for (const secret of [
      PASSWORD,
      HASH,
      TOTP_SEED,
      enforcedPassword("staff", "bob@example.com", PASSWORD).fingerprint,
      keyDigest("new@example.com", EMAIL_KEY),
      keyDigest("carol@example.com", EMAIL_KEY),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"(sensitive)"');
    expect(JSON.parse(text).plan_digest).toMatch(/^sha256:/);
  });

  it("says why a delete happens as data, not as a field change, and every rendering shows it", () => {
    const deleted = json.sets[0].actions.find((a) => a.action === "delete");
    expect(deleted).toEqual({
      action: "delete",
      key: "gone@example.com",
      id: "id-gone",
      reason: "not_in_configuration",
      live_digest: expect.stringMatching(/^sha256:/),
    });
    expect(renderPlan(json)).toContain(
      "- delete staff/gone@example.com (id-gone)\n    because it is not in configuration\n",
    );
    expect(renderMarkdownPlan(json)).toContain("<pre>\nbecause it is not in configuration\n</pre>");
    expect(plan.sets[0].actions.find((a) => a.action === "delete")).toMatchObject({ reason: "not_in_configuration" });
  });

  it("of a destroyed set says so", () => {
    const gone = managed("staff", "gone@example.com", { id: "id-gone" });
    const destroyed = toJsonPlan(
      buildPlan([set("staff", [], { prune: true })], [gone], { prune: true, destroy: true }),
    );
    expect(destroyed.sets[0].actions).toEqual([
      {
        action: "delete",
        key: "gone@example.com",
        id: "id-gone",
        reason: "destroy",
        live_digest: expect.stringMatching(/^sha256:/),
      },
    ]);
    expect(renderPlan(destroyed)).toBe(
      "- delete staff/gone@example.com (id-gone)\n    because its set is destroyed\nPlan: 0 to create, 0 to update, 1 to delete, 0 to adopt.\n",
    );
    expect(renderMarkdownPlan(destroyed)).toContain("<pre>\nbecause its set is destroyed\n</pre>");
    expect(parsed(savedPlanText(destroyed))).toEqual(destroyed);
  });
});

describe("a saved plan that is none", () => {
  const { json } = everyKind();
  const index = (kind: string) => json.sets[0].actions.findIndex((a) => a.action === kind);
  const [create, update, adopt, del] = ["create", "update", "adopt", "delete"].map(index);
  /** The saved plan with `edit` applied to a deep copy of its JSON value. */
  const edited = (edit: (value: any) => void) => {
    const value = JSON.parse(JSON.stringify(json));
    edit(value);
    return JSON.stringify(value);
  };

  it.each([
    ["not JSON", savedPlanText(json).slice(0, 30), { kind: "notJson", problem: expect.stringContaining("JSON") }],
    ["an array", "[]", "expected the JSON object `plan --out` writes, got an array"],
    ["an unknown format_version", edited((v) => (v.format_version = 2)), "format_version 2, expected 1"],
    ["a format_version as text", edited((v) => (v.format_version = "1")), 'format_version "1", expected 1'],
    ["no summary", edited((v) => delete v.summary), "sets or summary missing"],
    [
      "a set without its state digest",
      edited((v) => delete v.sets[0].state_digest),
      "sets[0] lacks its name, state_digest or actions",
    ],
    [
      "an action of no known kind",
      edited((v) => (v.sets[0].actions[update].action = "replace")),
      "sets[0] lacks its name, state_digest or actions",
    ],
    [
      "a delete without its reason",
      edited((v) => delete v.sets[0].actions[del].reason),
      `sets[0].actions[${del}].reason is missing`,
    ],
    [
      "a delete of an unknown reason",
      edited((v) => (v.sets[0].actions[del].reason = "because")),
      `sets[0].actions[${del}].reason: must be one of not_in_configuration, destroy`,
    ],
    [
      "a delete carrying a patch",
      edited((v) => (v.sets[0].actions[del].patch = [])),
      `sets[0].actions[${del}].patch: unexpected field`,
    ],
    [
      "an update turned into a delete",
      edited((v) => (v.sets[0].actions[update].action = "delete")),
      `sets[0].actions[${update}].reason is missing (and 3 more problems)`,
    ],
    [
      "an update without its patch",
      edited((v) => delete v.sets[0].actions[update].patch),
      `sets[0].actions[${update}].patch is missing`,
    ],
    [
      "a patch op of no RFC 6902 kind",
      edited((v) => (v.sets[0].actions[update].patch[0].op = "move")),
      `sets[0].actions[${update}].patch[0].op: must be one of add, remove, replace, test`,
    ],
    [
      "an id that is a number",
      edited((v) => (v.sets[0].actions[adopt].id = 7)),
      `sets[0].actions[${adopt}].id: must be string`,
    ],
    [
      "a tampered live digest",
      edited((v) => (v.sets[0].actions[del].live_digest = "sha256:../x")),
      `sets[0].actions[${del}].live_digest: must match pattern "^sha256:[A-Za-z0-9_-]+$"`,
    ],
    [
      "an unknown session reason",
      edited((v) => (v.sets[0].actions[adopt].revoke_sessions = ["always"])),
      `sets[0].actions[${adopt}].revoke_sessions[0]: must be one of deactivate, adopt, password_change`,
    ],
    [
      "a create with an id",
      edited((v) => (v.sets[0].actions[create].id = "id-x")),
      `sets[0].actions[${create}].id: unexpected field`,
    ],
    ["an unknown top-level field", edited((v) => (v.approved = true)), "approved: unexpected field"],
    [
      "a removed action",
      edited((v) => v.sets[0].actions.splice(del, 1)),
      "summary.delete is 1, but the sets list 0 delete actions",
    ],
    ["a summary edited", edited((v) => (v.summary.noop = 0)), "summary.noop is 0, but the sets count 1 unchanged"],
    [
      "an identity twice",
      edited((v) => v.sets[0].actions.push(v.sets[0].actions[del])),
      `sets[0].actions[${json.sets[0].actions.length}].id: identity "id-gone" is also written by sets[0].actions[${del}]`,
    ],
    ["a set twice", edited((v) => v.sets.push(v.sets[0])), 'sets[1].name: set "staff" is listed twice (also sets[0])'],
    ["a plan saved with errors", edited((v) => (v.issues = [{ message: "bad" }])), "it was saved with 1 error(s)"],
    [
      "a key edited",
      savedPlanText(json).replace('"key": "gone@example.com"', '"key": "kept@example.com"'),
      "plan_digest does not match its sets and summary: the file was edited after `plan --out` wrote it",
    ],
    [
      "an id edited",
      savedPlanText(json).replace('"id": "id-gone"', '"id": "id-bob2"'),
      "plan_digest does not match its sets and summary: the file was edited after `plan --out` wrote it",
    ],
    [
      "a digest that is none",
      savedPlanText(json).replace('"plan_digest": "sha256:', '"plan_digest": "md5:'),
      'plan_digest: must match pattern "^sha256:[A-Za-z0-9_-]+$"',
    ],
  ])("refuses %s, naming the JSON path", (_what, text, expected) => {
    expect(parseSavedPlan(text)).toEqual(
      typeof expected === "string" ? { ok: false, kind: "notAPlan", problem: expected } : { ok: false, ...expected },
    );
  });

  it("accepts what an older version of the same format wrote without the optional fields", () => {
    const minimal: JsonPlan = {
      format_version: 1,
      sets: [
        { name: "staff", state_digest: "sha256:0", actions: [{ action: "create", key: "a@example.com", changes: [] }] },
      ],
      summary: { create: 1, update: 0, delete: 0, adopt: 0, noop: 0 },
    };
    expect(parsed(JSON.stringify(minimal))).toEqual(minimal);
  });
});

describe("a saved plan as an editor or another run may hand it back", () => {
  const { json } = everyKind();

  it("is read through a leading byte order mark, as the same plan", () => {
    expect(parsed(`\uFEFF${savedPlanText(json)}`)).toEqual(json);
  });

  it("made with --prune and applied without it (or the other way round) is stale, and the reason names --prune", () => {
    const bob = managed("staff", "bob@example.com", { id: "id-bob" });
    const gone = managed("staff", "gone@example.com", { id: "id-gone" });
    const planned = (prune: boolean) =>
      toJsonPlan(
        buildPlan(
          [set("staff", [desired("bob@example.com", { metadata_public: { role: "admin" } })], { prune })],
          [bob, gone],
        ),
      );
    const [pruned, kept] = [planned(true), planned(false)];
    expect(stalePlanReasons(pruned, kept)).toEqual([
      "set staff: the plan was made with --prune (it deletes 1 identity not in configuration) and this apply runs without it; give apply the same --prune as plan",
    ]);
    expect(stalePlanReasons(kept, pruned)).toEqual([
      "set staff: the plan was made without --prune and this apply prunes (it would delete 1 identity not in configuration); give apply the same --prune as plan",
    ]);
    const other = toJsonPlan(
      buildPlan(
        [set("staff", [desired("bob@example.com", { metadata_public: { role: "user" } })], { prune: false })],
        [bob, gone],
      ),
    );
    expect(stalePlanReasons(pruned, other)).toEqual(["set staff: the manifests changed since the plan was made"]);
  });
});
