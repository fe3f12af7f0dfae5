import { buildPlan } from "../../../src/reconcile/core/plan";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { Action, Secret } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, enforcedPassword, live, managed, set } from "../../support/builders";

const strip = (a: Action) => {
  const { live_digest: _d, ...rest } = a as Action & { live_digest?: string };
  return rest;
};

describe("buildPlan", () => {
  it("creates an undeclared-on-server identity with the marker in metadata_admin", () => {
    const plan = buildPlan(
      [set("staff", [desired("alice@example.com", { metadata_admin: { team: "platform" } })])],
      [],
    );
    expect(plan.issues).toEqual([]);
    expect(plan.summary).toEqual({ create: 1, update: 0, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions).toEqual([
      {
        action: "create",
        set: "staff",
        key: "alice@example.com",
        body: {
          traits: { email: "alice@example.com" },
          metadata_admin: {
            team: "platform",
            [MARKER_KEY]: { set: "staff", key: keyDigest("alice@example.com", EMAIL_KEY) },
          },
        },
        credentials: undefined,
        changes: [
          { path: "/traits", after: { email: "alice@example.com" } },
          { path: "/metadata_admin", after: { team: "platform" } },
        ],
      },
    ]);
  });

  it("is a no-op when the managed identity matches, ignoring server fields and null metadata", () => {
    const plan = buildPlan(
      [set("staff", [desired("alice@example.com", { metadata_public: null })])],
      [managed("staff", "alice@example.com")],
    );
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 0, noop: 1 });
    expect(plan.sets[0].actions[0].action).toBe("noop");
  });

  it("updates a nested trait with a minimal patch and never reports the marker as drift", () => {
    const current = managed(
      "staff",
      "alice@example.com",
      { traits: { email: "alice@example.com", name: { first: "Alice", last: "A" } } },
      { team: "platform" },
    );
    const wanted = desired("alice@example.com", {
      traits: { email: "alice@example.com", name: { first: "Alicia", last: "A" } },
      metadata_admin: { team: "platform" },
    });
    const plan = buildPlan([set("staff", [wanted])], [current]);
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "update",
        set: "staff",
        key: "alice@example.com",
        id: current.id,
        patch: [{ op: "replace", path: "/traits/name/first", value: "Alicia" }],
        credentials: undefined,
        changes: [{ path: "/traits/name/first", before: "Alice", after: "Alicia" }],
      },
    ]);
  });

  it("changes user metadata_admin keys without touching the marker", () => {
    const current = managed("staff", "bob@example.com", {}, { team: "old", keep: 1 });
    const plan = buildPlan(
      [set("staff", [desired("bob@example.com", { metadata_admin: { team: "new", keep: 1 } })])],
      [current],
    );
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: "/metadata_admin/team", value: "new" },
    ]);
  });

  it("removes user metadata when the manifest drops it, keeping the marker", () => {
    const current = managed("staff", "bob@example.com", { metadata_public: { role: "admin" } }, { team: "x" });
    const plan = buildPlan([set("staff", [desired("bob@example.com")])], [current]);
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: "/metadata_public", value: null },
      { op: "remove", path: "/metadata_admin/team" },
    ]);
  });

  it("replaces arrays whole", () => {
    const current = managed("staff", "c@example.com", { traits: { email: "c@example.com", groups: ["a", "b", "c"] } });
    const plan = buildPlan(
      [set("staff", [desired("c@example.com", { traits: { email: "c@example.com", groups: ["a", "c"] } })])],
      [current],
    );
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: "/traits/groups", value: ["a", "c"] },
    ]);
  });

  it("changes state active -> inactive", () => {
    const plan = buildPlan(
      [set("staff", [desired("d@example.com", { state: "inactive" })])],
      [managed("staff", "d@example.com")],
    );
    const action = plan.sets[0].actions[0];
    expect(action.action === "update" && action.patch).toEqual([{ op: "replace", path: "/state", value: "inactive" }]);
  });

  it("compares declared addresses as Kratos stores them (lower-case, order-free) and ignores undeclared ones", () => {
    const current = managed("staff", "E@Example.com", {
      verifiable_addresses: [
        {
          id: "x",
          value: "e@example.com",
          via: "email",
          verified: true,
          status: "completed",
          verified_at: "2026-01-01T00:00:00Z",
        },
      ],
    });
    const same = desired("E@Example.com", {
      verifiable_addresses: [{ value: "E@example.COM", via: "email", verified: true }],
    });
    expect(buildPlan([set("staff", [same])], [current]).summary.noop).toBe(1);
    const unverified = desired("E@Example.com", {
      verifiable_addresses: [{ value: "e@example.com", via: "email", verified: false }],
    });
    const action = buildPlan([set("staff", [unverified])], [current]).sets[0].actions[0];
    expect(action.action === "update" && action.patch).toEqual([
      {
        op: "replace",
        path: "/verifiable_addresses",
        value: [{ status: "pending", value: "e@example.com", via: "email", verified: false }],
      },
    ]);
  });

  it("derives the status of a verifiable address from the manifest, not from its history (a sent message counts as pending)", () => {
    const address = (verified: boolean, status: string) => ({
      id: "x",
      value: "e@example.com",
      via: "email",
      verified,
      status,
    });
    const declared = (verified: boolean) =>
      desired("e@example.com", { verifiable_addresses: [{ value: "e@example.com", via: "email", verified }] });
    const patchFor = (verified: boolean, live: ReturnType<typeof address>) => {
      const action = buildPlan(
        [set("staff", [declared(verified)])],
        [managed("staff", "e@example.com", { verifiable_addresses: [live] })],
      ).sets[0].actions[0];
      return action.action === "update" ? action.patch : action.action;
    };
    expect(patchFor(true, address(true, "pending"))).toEqual([
      {
        op: "replace",
        path: "/verifiable_addresses",
        value: [{ status: "completed", value: "e@example.com", via: "email", verified: true }],
      },
    ]);
    expect(patchFor(false, address(false, "completed"))).toEqual([
      {
        op: "replace",
        path: "/verifiable_addresses",
        value: [{ status: "pending", value: "e@example.com", via: "email", verified: false }],
      },
    ]);
    expect(patchFor(false, address(true, "completed"))).toEqual([
      {
        op: "replace",
        path: "/verifiable_addresses",
        value: [{ status: "pending", value: "e@example.com", via: "email", verified: false }],
      },
    ]);
    expect(patchFor(false, address(false, "sent"))).toBe("noop");
    expect(patchFor(true, address(true, "completed"))).toBe("noop");
  });

  it("adopts an unmanaged identity: marker added, drift fixed", () => {
    const current = live("u@example.com", { metadata_admin: { note: "hand-made" }, metadata_public: { x: 1 } });
    const plan = buildPlan(
      [set("staff", [desired("u@example.com", { metadata_admin: { note: "hand-made" } })], { adopt: true })],
      [current],
    );
    const action = plan.sets[0].actions[0];
    expect(strip(action)).toEqual({
      action: "adopt",
      set: "staff",
      key: "u@example.com",
      id: current.id,
      patch: [
        { op: "replace", path: "/metadata_public", value: null },
        {
          op: "add",
          path: `/metadata_admin/${MARKER_KEY}`,
          value: { set: "staff", key: keyDigest("u@example.com", EMAIL_KEY) },
        },
      ],
      credentials: undefined,
      holds: { credentials: ["password"], providers: [], verified_addresses: [] },
      revoke_sessions: ["adopt"],
      changes: [{ path: "/metadata_public", before: { x: 1 }, after: null }],
    });
    expect(plan.summary.adopt).toBe(1);
  });

  it("adopts an identity whose metadata_admin is null by replacing it", () => {
    const current = live("n@example.com");
    const action = buildPlan([set("staff", [desired("n@example.com")])], [current], { adopt: true }).sets[0].actions[0];
    expect(action.action === "adopt" && action.patch).toEqual([
      {
        op: "replace",
        path: "/metadata_admin",
        value: { [MARKER_KEY]: { set: "staff", key: keyDigest("n@example.com", EMAIL_KEY) } },
      },
    ]);
    expect(action.action === "adopt" && action.changes).toEqual([]);
  });

  it("adopts only when asked: without spec.adopt or the adopt option an unmanaged identity with the key is an error naming both ways", () => {
    const source = { file: "staff.yaml", line: 7, col: 7 };
    const current = live("u@example.com");
    const declared = [{ ...desired("u@example.com"), source }];
    for (const options of [{}, { adopt: false }]) {
      const plan = buildPlan([set("staff", declared)], [current], options);
      expect(plan.sets[0].actions).toEqual([]);
      expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 0, noop: 0 });
      expect(plan.issues).toEqual([
        {
          pos: source,
          message: `staff/u@example.com: live identity ${current.id} has this key but is not managed by ory-reconcile (no ownership marker), and adoption was not asked for`,
          hint: "to take it over (ownership marker added, drift fixed), set `spec.adopt: true` in set staff or run with --adopt; otherwise remove it from the manifest",
        },
      ]);
    }
    expect(buildPlan([set("staff", declared, { adopt: true })], [current]).summary.adopt).toBe(1);
    expect(buildPlan([set("staff", declared)], [current], { adopt: true }).summary.adopt).toBe(1);
    // spec.adopt is per set: another set that does not adopt still refuses.
    const other = live("v@example.com");
    const plan = buildPlan(
      [set("staff", declared, { adopt: true }), set("ops", [desired("v@example.com")])],
      [current, other],
    );
    expect([plan.summary.adopt, plan.issues.map((i) => i.message.split(":")[0])]).toEqual([1, ["ops/v@example.com"]]);
  });

  it("shows what an adopted identity holds: credential types, linked providers, verified addresses; no credential config", () => {
    const current = live("cfo@corp.example", {
      credentials: {
        password: { type: "password", identifiers: ["cfo@corp.example"], config: { hashed_password: "$2a$10$secret" } },
        oidc: {
          type: "oidc",
          identifiers: ["google:10987654321", "github:42"],
          config: { providers: [{ initial_access_token: "tok" }] },
        },
        totp: { type: "totp", identifiers: [] },
      },
      verifiable_addresses: [
        { value: "cfo@corp.example", via: "email", verified: true, status: "completed" },
        { value: "other@corp.example", via: "email", verified: false, status: "pending" },
        { value: "+15550100", via: "sms", verified: true, status: "completed" },
      ],
    });
    const action = buildPlan([set("staff", [desired("cfo@corp.example")], { adopt: true })], [current]).sets[0]
      .actions[0];
    expect(action.action === "adopt" && action.holds).toEqual({
      credentials: ["oidc", "password", "totp"],
      providers: ["github:42", "google:10987654321"],
      verified_addresses: ["cfo@corp.example", "sms:+15550100"],
    });
    expect(JSON.stringify(action)).not.toContain("secret");
    expect(JSON.stringify(action)).not.toContain("tok");
    // An identity this set manages is updated, not adopted: nothing to show.
    const update = buildPlan(
      [set("staff", [desired("m@example.com", { metadata_public: { a: 1 } })])],
      [managed("staff", "m@example.com")],
    ).sets[0].actions[0];
    expect(update.action === "update" && "holds" in update).toBe(false);
  });

  it("refuses an identity managed by another set", () => {
    const plan = buildPlan([set("staff", [desired("x@example.com")])], [managed("other", "x@example.com")]);
    expect(plan.issues).toHaveLength(1);
    expect(plan.issues[0].message).toContain("is managed by set other");
  });

  it("reports duplicate live keys instead of guessing", () => {
    const plan = buildPlan(
      [set("staff", [desired("dup@example.com")])],
      [live("dup@example.com"), live("dup@example.com")],
    );
    expect(plan.issues[0].message).toContain("2 live identities have traits.email");
  });

  it("deletes only with prune, only identities managed by this set", () => {
    const mine = managed("staff", "gone@example.com");
    const theirs = managed("other", "theirs@example.com");
    const unmanaged = live("free@example.com");
    const lives = [mine, theirs, unmanaged];
    expect(buildPlan([set("staff", [])], lives).summary.delete).toBe(0);
    const pruned = buildPlan([set("staff", [], { prune: true })], lives);
    expect(pruned.sets[0].actions.map((a) => [a.action, a.key, "id" in a ? a.id : undefined])).toEqual([
      ["delete", "gone@example.com", mine.id],
    ]);
    expect(buildPlan([set("staff", [])], lives, { prune: true }).summary.delete).toBe(1);
  });

  it("release: a set without prune removes its marker from what it manages, keeping user keys; nothing is deleted", () => {
    const mine = managed("staff", "kept@example.com", {}, { team: "ops" });
    const bare = managed("staff", "bare@example.com");
    const theirs = managed("other", "theirs@example.com");
    const plan = buildPlan([set("staff", [])], [mine, bare, theirs, live("free@example.com")], { release: true });
    expect(plan.summary).toEqual({ create: 0, update: 2, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "update",
        set: "staff",
        key: "kept@example.com",
        id: mine.id,
        patch: [{ op: "remove", path: `/metadata_admin/${MARKER_KEY}` }],
        changes: [],
      },
      {
        action: "update",
        set: "staff",
        key: "bare@example.com",
        id: bare.id,
        patch: [{ op: "replace", path: "/metadata_admin", value: null }],
        changes: [],
      },
    ]);
    expect(buildPlan([set("staff", [], { prune: true })], [mine], { release: true }).summary.delete).toBe(1); // prune still deletes
  });

  it("renamedFrom: the former set's identities are the renamed set's; their marker moves, nothing is created or deleted", () => {
    const declared = managed(
      "team",
      "alice@example.com",
      { traits: { email: "alice@example.com", name: "A" } },
      {},
      "s1:fp",
    );
    const undeclared = managed("team", "bob@example.com", {}, { team: "ops" });
    const lives = [declared, undeclared, managed("other", "carol@example.com")];
    const plan = buildPlan(
      [set("crew", [desired("alice@example.com", { traits: { email: "alice@example.com", name: "B" } })])],
      lives,
      { renamedFrom: { crew: "team" } },
    );
    expect(plan.issues).toEqual([]);
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "update",
        set: "crew",
        key: "alice@example.com",
        id: declared.id,
        patch: [
          { op: "replace", path: "/traits/name", value: "B" },
          { op: "replace", path: `/metadata_admin/${MARKER_KEY}/set`, value: "crew" },
        ],
        credentials: undefined,
        changes: [{ path: "/traits/name", before: "A", after: "B" }],
      },
      {
        action: "update",
        set: "crew",
        key: "bob@example.com",
        id: undeclared.id,
        patch: [{ op: "replace", path: `/metadata_admin/${MARKER_KEY}/set`, value: "crew" }],
        changes: [],
      },
    ]);
    const pruned = buildPlan([set("crew", [], { prune: true })], lives, { renamedFrom: { crew: "team" } });
    expect(pruned.sets[0].actions.map((a) => [a.action, a.key])).toEqual([
      ["delete", "alice@example.com"],
      ["delete", "bob@example.com"],
    ]);
    expect(
      buildPlan([set("crew", [desired("carol@example.com")])], lives, { renamedFrom: { crew: "team" } }).issues[0]
        .message,
    ).toContain("is managed by set other");
  });

  it("password policy initial: set on create only, never compared afterwards", () => {
    const credentials = {
      password: { kind: "password" as const, value: new Secret("s3cret-pass"), policy: "initial" as const },
    };
    const plan = buildPlan(
      [set("staff", [desired("p@example.com", {}, { credentials })])],
      [managed("staff", "p@example.com")],
    );
    expect(plan.summary.noop).toBe(1);
    const created = buildPlan([set("staff", [desired("p@example.com", {}, { credentials })])], []);
    expect(created.sets[0].actions[0].action === "create" && created.sets[0].actions[0].credentials).toBe(credentials);
  });

  it("password policy enforce: re-set when the declared value changes, detected by fingerprint", () => {
    const oldPassword = enforcedPassword("staff", "p@example.com", "old-password");
    const newPassword = enforcedPassword("staff", "p@example.com", "new-password");
    const current = managed("staff", "p@example.com", {}, {}, oldPassword.fingerprint);
    expect(
      buildPlan([set("staff", [desired("p@example.com", {}, { credentials: { password: oldPassword } })])], [current])
        .summary.noop,
    ).toBe(1);
    const plan = buildPlan(
      [set("staff", [desired("p@example.com", {}, { credentials: { password: newPassword } })])],
      [current],
    );
    const action = plan.sets[0].actions[0];
    expect(action.action).toBe("update");
    expect(action.action === "update" && action.patch).toEqual([
      { op: "replace", path: `/metadata_admin/${MARKER_KEY}/password`, value: newPassword.fingerprint },
    ]);
    expect(action.action === "update" && action.credentials).toEqual({ password: newPassword });
    expect(action.action === "update" && action.changes).toEqual([
      { path: "/credentials/password", after: "(sensitive)" },
    ]);
    expect(JSON.stringify(plan)).not.toContain("new-password");
  });

  it("leaves a stored fingerprint alone when the manifest no longer enforces a password", () => {
    const current = managed("staff", "p@example.com", {}, {}, "s1:old-fingerprint");
    expect(buildPlan([set("staff", [desired("p@example.com")])], [current]).summary.noop).toBe(1);
  });

  it("links a new OIDC provider through a credentials write", () => {
    const oidc = { providers: [{ provider: "google", subject: "123" }] };
    const current = managed("staff", "o@example.com", {
      credentials: { oidc: { type: "oidc", identifiers: ["google:999"] } },
    });
    const action = buildPlan([set("staff", [desired("o@example.com", {}, { credentials: { oidc } })])], [current])
      .sets[0].actions[0];
    expect(action.action === "update" && action.credentials).toEqual({ oidc });
    const linked = managed("staff", "o@example.com", {
      credentials: { oidc: { type: "oidc", identifiers: ["google:123"] } },
    });
    expect(
      buildPlan([set("staff", [desired("o@example.com", {}, { credentials: { oidc } })])], [linked]).summary.noop,
    ).toBe(1);
  });

  describe("OIDC links: the declared providers are the complete list", () => {
    const linked = (...identifiers: string[]) =>
      managed("staff", "o@example.com", { credentials: { oidc: { type: "oidc", identifiers } } });
    const declaring = (...links: string[]) =>
      desired(
        "o@example.com",
        {},
        {
          credentials: {
            oidc: { providers: links.map((l) => ({ provider: l.split(":")[0], subject: l.split(":")[1] })) },
          },
        },
      );
    const actionFor = (wanted: ReturnType<typeof declaring>, current: ReturnType<typeof linked>) =>
      strip(buildPlan([set("staff", [wanted])], [current]).sets[0].actions[0]);

    it("adds only the missing link (the server appends what a PUT sends) and shows the whole list before and after", () => {
      expect(actionFor(declaring("google:1", "github:2"), linked("google:1"))).toEqual({
        action: "update",
        set: "staff",
        key: "o@example.com",
        id: expect.any(String),
        patch: [],
        credentials: { oidc: { providers: [{ provider: "github", subject: "2" }] } },
        changes: [{ path: "/credentials/oidc/providers", before: ["google:1"], after: ["google:1", "github:2"] }],
      });
    });

    it("removes undeclared links, and adds a second subject of the same provider", () => {
      expect(actionFor(declaring("github:2"), linked("google:1", "github:2"))).toMatchObject({
        unlink: ["google:1"],
        credentials: undefined,
      });
      expect(actionFor(declaring("google:1", "google:3"), linked("google:1"))).toMatchObject({
        credentials: { oidc: { providers: [{ provider: "google", subject: "3" }] } },
      });
      expect(actionFor(declaring("google:1", "google:3"), linked("google:1"))).not.toHaveProperty("unlink");
    });

    it("changes a subject: the new link is added and the old one removed", () => {
      expect(actionFor(declaring("google:2"), linked("google:1"))).toMatchObject({
        credentials: { oidc: { providers: [{ provider: "google", subject: "2" }] } },
        unlink: ["google:1"],
      });
    });

    it("is a no-op whatever the order, and leaves the links alone when credentials.oidc is not declared", () => {
      expect(actionFor(declaring("github:2", "google:1"), linked("google:1", "github:2")).action).toBe("noop");
      expect(actionFor(desired("o@example.com"), linked("google:1")).action).toBe("noop");
    });

    it("removes every link for an empty list", () => {
      expect(actionFor(declaring(), linked("google:1", "apple:9"))).toMatchObject({
        unlink: ["apple:9", "google:1"],
        changes: [{ path: "/credentials/oidc/providers", before: ["apple:9", "google:1"], after: [] }],
      });
      expect(actionFor(declaring(), linked()).action).toBe("noop");
    });
  });

  it("pairs by external_id when the set's key is external_id", () => {
    const current = managed("svc", "s@example.com", { external_id: "svc-1" }, {}, undefined, "svc-1", {
      kind: "external_id",
    });
    const wanted = { key: "svc-1", body: { traits: { email: "s@example.com" }, external_id: "svc-1" } };
    const plan = buildPlan([set("svc", [wanted], { key: { kind: "external_id" } })], [current]);
    expect(plan.summary.noop).toBe(1);
  });

  it("keeps a stable state digest and changes it when a live identity in scope changes", () => {
    const sets = [set("staff", [desired("a@example.com")])];
    const one = managed("staff", "a@example.com", { id: "11111111-1111-4111-8111-111111111111" });
    const first = buildPlan(sets, [one]);
    expect(buildPlan(sets, [one]).sets[0].state_digest).toBe(first.sets[0].state_digest);
    const changed = { ...one, traits: { email: "a@example.com", name: { first: "X" } } };
    expect(buildPlan(sets, [changed]).sets[0].state_digest).not.toBe(first.sets[0].state_digest);
  });
});
