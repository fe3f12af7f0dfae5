// Keys compared as the server compares credential identifiers (issue 13 item 1): Kratos stores a trait marked
// `credentials.password.identifier` / `webauthn.identifier` as `strings.ToLower(value)`, and one marked
// `code.identifier` with `via: email` lower-cased and trimmed (x.NormalizeIdentifier), so `Dana@Example.com` and
// `dana@example.com` are one identity to it.
import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { OryApiError } from "../../../src/ory/errors";
import { resetSchemaCache } from "../../../src/reconcile/engine/apply";
import { foldCandidates, keyFoldsFor, planSets } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { foldKey, identifierFold } from "../../../src/reconcile/core/normalize";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { Action, KeyFold } from "../../../src/reconcile/core/types";
import { desired, EMAIL_KEY, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const strip = (a: Action) => {
  const { live_digest: _d, ...rest } = a as Action & { live_digest?: string };
  return rest;
};
const EMAIL: KeyFold = { lower: true, trimEmail: true };
const SCHEMAS = [{ id: "default", schema: IDENTITY_SCHEMA }];
const byUsername = (username: string, email: string) => ({
  ...desired(email, { traits: { email, username } }),
  key: username,
});

describe("identifierFold: the identifier marks of a key trait in an identity schema", () => {
  it("reads password / webauthn / code marks, following local $refs", () => {
    expect(identifierFold(IDENTITY_SCHEMA, ["email"])).toEqual({ lower: true, trimEmail: true });
    expect(identifierFold(IDENTITY_SCHEMA, ["username"])).toBeUndefined();
    expect(identifierFold(IDENTITY_SCHEMA, ["name", "first"])).toBeUndefined();
    expect(identifierFold(IDENTITY_SCHEMA, ["missing"])).toBeUndefined();
    const ext = (credentials: object) => ({ type: "string", "ory.sh/kratos": { credentials } });
    const schema = (trait: object) => ({
      definitions: { traits: { type: "object", properties: { login: { $ref: "#/definitions/login" } } }, login: trait },
      properties: { traits: { $ref: "#/definitions/traits" } },
    });
    expect(identifierFold(schema(ext({ password: { identifier: true } })), ["login"])).toEqual({
      lower: true,
      trimEmail: false,
    });
    expect(identifierFold(schema(ext({ webauthn: { identifier: true } })), ["login"])).toEqual({
      lower: true,
      trimEmail: false,
    });
    expect(identifierFold(schema(ext({ code: { identifier: true, via: "email" } })), ["login"])).toEqual({
      lower: false,
      trimEmail: true,
    });
    // sms numbers are normalized as phone numbers (E.164), as far as phoneFold can tell.
    expect(identifierFold(schema(ext({ code: { identifier: true, via: "sms" } })), ["login"])).toEqual({
      lower: false,
      trimEmail: false,
      phone: true,
    });
    expect(identifierFold(schema(ext({ password: { identifier: false } })), ["login"])).toBeUndefined();
    expect(identifierFold(null, ["email"])).toBeUndefined();
  });
});

describe("foldKey: Go's strings.ToLower / x.NormalizeEmailIdentifier", () => {
  it("folds per code point as Go does, trims only e-mails of code identifiers", () => {
    expect(foldKey("Dana@Example.COM", EMAIL)).toBe("dana@example.com");
    expect(foldKey("  Dana@Example.com\t", EMAIL)).toBe("dana@example.com");
    expect(foldKey(" Dana ", EMAIL)).toBe(" dana ");
    expect(foldKey("  Dana@Example.com", { lower: true, trimEmail: false })).toBe("  dana@example.com");
    expect(foldKey("Dana@Example.com", { lower: false, trimEmail: true })).toBe("dana@example.com");
    expect(foldKey("Dana", { lower: false, trimEmail: true })).toBe("Dana");
    expect(foldKey("İSTANBUL", EMAIL)).toBe("istanbul"); // Go: U+0130 -> i; JS toLowerCase would give "i̇stanbul"
    expect(foldKey("ΟΔΟΣ", EMAIL)).toBe("οδοσ"); // no final-sigma rule in Go
    expect(foldKey("\ufeffa@b.c", EMAIL)).toBe("\ufeffa@b.c"); // Go's TrimSpace keeps U+FEFF
    expect(foldKey("Dana@Example.com", undefined)).toBe("Dana@Example.com");
  });
});

describe("buildPlan with keyFolds", () => {
  it("compares exactly without a fold (a create), adopts with one, fixing the case the manifest declares", () => {
    const dana = live("Dana@Example.com");
    const sets = [set("staff", [desired("dana@example.com")], { adopt: true })];
    expect(buildPlan(sets, [dana]).summary).toEqual({ create: 1, update: 0, delete: 0, adopt: 0, noop: 0 });
    const plan = buildPlan(sets, [dana], { keyFolds: { staff: EMAIL } });
    expect(plan.issues).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 1, noop: 0 });
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "adopt",
        set: "staff",
        key: "dana@example.com",
        id: dana.id,
        patch: [
          { op: "replace", path: "/traits/email", value: "dana@example.com" },
          {
            op: "replace",
            path: "/metadata_admin",
            value: { [MARKER_KEY]: { set: "staff", key: keyDigest("dana@example.com", EMAIL_KEY) } },
          },
        ],
        credentials: undefined,
        holds: { credentials: ["password"], providers: [], verified_addresses: [] },
        revoke_sessions: ["adopt"],
        changes: [{ path: "/traits/email", before: "Dana@Example.com", after: "dana@example.com" }],
      },
    ]);
  });

  it("turns a key change that only differs in case into one update of the same identity, never delete + create", () => {
    const dana = managed("staff", "dana@example.com");
    const sets = [set("staff", [desired("Dana@Example.com")], { prune: true })];
    expect(buildPlan(sets, [dana]).summary).toEqual({ create: 1, update: 0, delete: 1, adopt: 0, noop: 0 });
    const plan = buildPlan(sets, [dana], { keyFolds: { staff: EMAIL } });
    expect(plan.issues).toEqual([]);
    expect(plan.sets[0].actions.map(strip)).toEqual([
      {
        action: "update",
        set: "staff",
        key: "Dana@Example.com",
        id: dana.id,
        patch: [{ op: "replace", path: "/traits/email", value: "Dana@Example.com" }],
        credentials: undefined,
        changes: [{ path: "/traits/email", before: "dana@example.com", after: "Dana@Example.com" }],
      },
    ]);
  });

  it("is a no-op when the case already matches, and folds only the sets it names", () => {
    const dana = managed("staff", "Dana@Example.com");
    expect(
      buildPlan([set("staff", [desired("Dana@Example.com")])], [dana], { keyFolds: { staff: EMAIL } }).summary,
    ).toEqual({ create: 0, update: 0, delete: 0, adopt: 0, noop: 1 });
    const other = buildPlan([set("other", [desired("dana@example.com")])], [live("Dana@Example.com")], {
      keyFolds: { staff: EMAIL },
    });
    expect(other.summary).toEqual({ create: 1, update: 0, delete: 0, adopt: 0, noop: 0 });
  });

  it("refuses two declared keys that the server's folding makes equal, at the second one's position", () => {
    const first = desired("dana@example.com", {}, { source: { file: "staff.yaml", line: 8, col: 7 } });
    const second = desired("Dana@Example.com", {}, { source: { file: "staff.yaml", line: 9, col: 7 } });
    const plan = buildPlan([set("staff", [first, second])], [], { keyFolds: { staff: EMAIL } });
    expect(plan.issues).toEqual([
      {
        pos: { file: "staff.yaml", line: 9, col: 7 },
        message:
          'staff/Dana@Example.com: duplicate key "Dana@Example.com": also declared at staff.yaml:8:7 as "dana@example.com" (compared as the server compares credential identifiers: case-insensitively)',
        hint: "keys (traits.email) must be unique within a set: change or remove one of them",
      },
    ]);
    expect(plan.sets[0].actions.map((a) => a.action)).toEqual(["create"]);
  });

  it("reports live identities whose keys fold to one value as ambiguous", () => {
    const a = live("dana@example.com");
    const b = live("DANA@example.com");
    const plan = buildPlan(
      [set("staff", [desired("Dana@example.com", {}, { source: { file: "s.yaml", line: 3, col: 5 } })])],
      [a, b],
      { keyFolds: { staff: EMAIL } },
    );
    expect(plan.issues).toEqual([
      {
        pos: { file: "s.yaml", line: 3, col: 5 },
        message: `staff/Dana@example.com: 2 live identities have traits.email = "Dana@example.com" (compared as the server compares credential identifiers: case-insensitively) (${a.id}, ${b.id})`,
        hint: "a key must identify one identity: choose a unique key path for set staff, or delete the duplicates",
      },
    ]);
  });
});

describe("keyFoldsFor and foldCandidates", () => {
  it("folds a set only when its key is an identifier in the schema of every identity it declares", () => {
    const other = { id: "plain", schema: { properties: { traits: { properties: { email: { type: "string" } } } } } };
    const sets = [
      set("staff", [desired("a@example.com")]),
      set("mixed", [desired("b@example.com"), desired("c@example.com", { schema_id: "plain" })]),
      set("users", [byUsername("Erin", "erin@example.com")], { key: { kind: "trait", path: ["username"] } }),
      set("svc", [{ ...desired("d@example.com"), key: "d" }], { key: { kind: "external_id" } }),
      set("empty", []),
    ];
    expect(keyFoldsFor(sets, [...SCHEMAS, other])).toEqual({ staff: EMAIL });
  });

  it("asks for the schemas only when a create's key folds onto a live key or another declared key", () => {
    const sets = [set("staff", [desired("dana@example.com"), desired("ann@example.com")])];
    const liveIds = [live("Dana@Example.com")];
    expect(foldCandidates(sets, buildPlan(sets, liveIds), liveIds).map((s) => s.name)).toEqual(["staff"]);
    const exact = [live("dana@example.com")];
    expect(foldCandidates(sets, buildPlan(sets, exact), exact)).toEqual([]);
    const twins = [set("staff", [desired("ann@example.com"), desired("ANN@example.com")])];
    expect(foldCandidates(twins, buildPlan(twins, []), []).map((s) => s.name)).toEqual(["staff"]);
    const external = [set("svc", [{ ...desired("d@example.com"), key: "D" }], { key: { kind: "external_id" } })];
    const withExternal = [live("x@example.com", { external_id: "d" })];
    expect(foldCandidates(external, buildPlan(external, withExternal), withExternal)).toEqual([]);
  });
});

describe("planSets: identifier keys on the server", () => {
  beforeEach(() => resetSchemaCache());
  const server = (identities: ReturnType<typeof live>[]) => {
    const admin = memoryAdmin("network", identities);
    admin.listSchemas = async () => {
      admin.calls.push("listSchemas");
      return SCHEMAS;
    };
    return admin;
  };

  it("reads the schemas once and adopts Dana@Example.com for dana@example.com", async () => {
    const dana = live("Dana@Example.com");
    const admin = server([dana]);
    const { plan } = await planSets([set("staff", [desired("dana@example.com")])], admin, { adopt: true });
    expect(plan.issues).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 1, noop: 0 });
    expect(admin.calls).toEqual(["listIdentities 500", "listSchemas"]);
  });

  it("sends nothing extra for a no-op plan", async () => {
    const admin = server([managed("staff", "Dana@Example.com")]);
    const { plan } = await planSets([set("staff", [desired("Dana@Example.com")])], admin);
    expect(plan.summary.noop).toBe(1);
    expect(admin.calls).toEqual(["listIdentities 500"]);
  });

  it("keeps a non-identifier key (username) case-sensitive", async () => {
    const admin = server([{ ...live("erin@example.com"), traits: { email: "erin@example.com", username: "erin" } }]);
    const users = set("users", [byUsername("Erin", "erin2@example.com")], {
      key: { kind: "trait", path: ["username"] },
    });
    const { plan } = await planSets([users], admin);
    expect(plan.summary).toEqual({ create: 1, update: 0, delete: 0, adopt: 0, noop: 0 });
    expect(admin.calls).toEqual(["listIdentities 500", "listSchemas"]);
  });

  it("compares exactly, as before, when the schemas cannot be read", async () => {
    const admin = server([live("Dana@Example.com")]);
    admin.listSchemas = async () => {
      admin.calls.push("listSchemas");
      throw new OryApiError({ method: "GET", path: "/schemas" }, 404, "Not Found");
    };
    const { plan } = await planSets([set("staff", [desired("dana@example.com")])], admin);
    expect(plan.summary.create).toBe(1);
  });
});
