import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { ServerUnreachableError } from "../../../src/ory/errors";
import { resetSchemaCache } from "../../../src/reconcile/engine/apply";
import { planSets } from "../../../src/reconcile/engine/engine";
import { buildPlan } from "../../../src/reconcile/core/plan";
import {
  defaultSchemaId,
  identitiesToCheck,
  schemaIssues,
  ServerSchema,
  TraitsCheck,
} from "../../../src/reconcile/core/schema-check";
import { desired, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const SERVICE = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: {
        username: { type: "string", pattern: "^[a-z0-9-]+$" },
        tier: { enum: ["gold", "silver"] },
        phone: { type: "string", format: "tel" },
      },
      required: ["username"],
    },
  },
};
const SCHEMAS: ServerSchema[] = [
  { id: "default", schema: IDENTITY_SCHEMA },
  { id: "service", schema: SERVICE },
];
const at = (line: number) => ({ file: "people.yaml", line, col: 7 });
const item = (who: string, traits: TraitsCheck["traits"], extra: Partial<TraitsCheck> = {}): TraitsCheck => ({
  subject: `staff/${who}`,
  traits,
  ...extra,
});

describe("schemaIssues", () => {
  it("accepts valid traits, ignoring the ory.sh/kratos keywords and formats it does not know", () => {
    expect(
      schemaIssues(
        [
          item("a@example.com", { email: "a@example.com", name: { first: "A" }, groups: ["x"] }),
          item("svc", { username: "svc-1", phone: "not checked" }, { schemaId: "service" }),
        ],
        SCHEMAS,
      ),
    ).toEqual([]);
  });

  it("reports every violation of every identity at once, at the identity's position, without the declared values", () => {
    const issues = schemaIssues(
      [
        item("one", { email: "not-an-email", name: { first: 7, middle: "M" } }, { source: at(8) }),
        item("two", { name: { first: "Two" } }, { source: at(10) }),
        item("svc", { username: "Bad Name", tier: "bronze" }, { schemaId: "service", source: at(12) }),
      ],
      SCHEMAS,
    );
    const fix = `change the traits to match the server's identity schema "default", or choose another schema_id`;
    expect(issues).toEqual([
      {
        pos: at(8),
        path: "traits.email",
        message: 'staff/one: traits.email must be a valid email (identity schema "default")',
        hint: fix,
      },
      {
        pos: at(8),
        path: "traits.name.middle",
        message: 'staff/one: traits.name.middle is not allowed by identity schema "default"',
        hint: "remove it; allowed here: first, last",
      },
      {
        pos: at(8),
        path: "traits.name.first",
        message: 'staff/one: traits.name.first must be string, got integer (identity schema "default")',
        hint: fix,
      },
      {
        pos: at(10),
        path: "traits.email",
        message: 'staff/two: traits.email is required by identity schema "default"',
        hint: "add traits.email",
      },
      {
        pos: at(12),
        path: "traits.username",
        message: 'staff/svc: traits.username must match pattern "^[a-z0-9-]+$" (identity schema "service")',
        hint: `change the traits to match the server's identity schema "service", or choose another schema_id`,
      },
      {
        pos: at(12),
        path: "traits.tier",
        message: 'staff/svc: traits.tier must be one of "gold", "silver" (identity schema "service")',
        hint: `change the traits to match the server's identity schema "service", or choose another schema_id`,
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain("not-an-email");
  });

  it("reports a schema_id the server does not have", () => {
    expect(schemaIssues([item("x", { email: "x@example.com" }, { schemaId: "corp", source: at(3) })], SCHEMAS)).toEqual(
      [
        {
          pos: at(3),
          path: "schema_id",
          message: 'staff/x: identity schema "corp" does not exist on the server (it has: default, service)',
          hint: "use one of: default, service; or add the schema to the server's configuration",
        },
      ],
    );
  });

  it("reports copies of one generate entry that fail alike once, with their number", () => {
    const copies = [1, 2, 3].map((i) => item(`u${i}`, { email: `user-${i}`, extra: true }, { source: at(20) }));
    expect(schemaIssues(copies, SCHEMAS).map((i) => i.message)).toEqual([
      'staff/u1 (and 2 more from the same declaration): traits.extra is not allowed by identity schema "default"',
      'staff/u1 (and 2 more from the same declaration): traits.email must be a valid email (identity schema "default")',
    ]);
  });

  it("leaves a schema it cannot compile to the server", () => {
    const remote = [{ id: "default", schema: { $ref: "https://schemas.example.com/person.json" } }];
    expect(schemaIssues([item("x", { anything: 1 })], remote)).toEqual([]);
  });
});

describe("defaultSchemaId", () => {
  it("is `default` when the server has it (or has none), else the first listed", () => {
    expect(defaultSchemaId(SCHEMAS)).toBe("default");
    expect(defaultSchemaId([])).toBe("default");
    expect(
      defaultSchemaId([
        { id: "people", schema: {} },
        { id: "svc", schema: {} },
      ]),
    ).toBe("people");
  });
});

describe("identitiesToCheck", () => {
  it("takes what the plan creates, updates or adopts; an existing identity keeps its live schema unless one is declared", () => {
    const liveUpdated = managed("staff", "upd@example.com", {
      schema_id: "service",
      traits: { email: "upd@example.com", name: { first: "Old" } },
    });
    const liveAdopted = live("adopt@example.com", { schema_id: "service", metadata_public: { x: 1 } });
    const liveSame = managed("staff", "same@example.com");
    const liveMoved = managed("staff", "moved@example.com", { schema_id: "service", metadata_public: { y: 1 } });
    const source = at(5);
    const sets = [
      set(
        "staff",
        [
          desired("new@example.com", {}, { source }),
          desired("upd@example.com", { traits: { email: "upd@example.com", name: { first: "New" } } }),
          desired("adopt@example.com"),
          desired("same@example.com"),
          desired("moved@example.com", { schema_id: "default" }),
        ],
        { adopt: true },
      ),
    ];
    const current = [liveUpdated, liveAdopted, liveSame, liveMoved];
    const plan = buildPlan(sets, current);
    expect(identitiesToCheck(sets, plan, current)).toEqual([
      { subject: "staff/new@example.com", traits: { email: "new@example.com" }, source },
      {
        subject: "staff/upd@example.com",
        schemaId: "service",
        traits: { email: "upd@example.com", name: { first: "New" } },
      },
      { subject: "staff/adopt@example.com", schemaId: "service", traits: { email: "adopt@example.com" } },
      { subject: "staff/moved@example.com", schemaId: "default", traits: { email: "moved@example.com" } },
    ]);
  });
});

describe("planSets: the traits check", () => {
  beforeEach(() => resetSchemaCache());
  const sets = [
    set("staff", [
      desired("ok@example.com"),
      desired("bad@example.com", { traits: { email: "bad@example.com", nickname: "B" } }, { source: at(9) }),
    ]),
  ];

  it("reads the schemas once, and turns violations into plan issues", async () => {
    const admin = { ...memoryAdmin("v1.3.1"), listSchemas: jest.fn(async () => SCHEMAS) };
    const { plan } = await planSets(sets, admin);
    expect(plan.issues).toEqual([
      {
        pos: at(9),
        path: "traits.nickname",
        message: 'staff/bad@example.com: traits.nickname is not allowed by identity schema "default"',
        hint: "remove it; allowed here: email, name, username, groups",
      },
    ]);
    expect(plan.summary.create).toBe(2);
    expect(admin.listSchemas).toHaveBeenCalledTimes(1);
  });

  it("does not read the schemas when nothing is to be written", async () => {
    const admin = {
      ...memoryAdmin("v1.3.1", [managed("staff", "ok@example.com")]),
      listSchemas: jest.fn(async () => SCHEMAS),
    };
    const { plan } = await planSets([set("staff", [desired("ok@example.com")])], admin);
    expect(plan.summary.noop).toBe(1);
    expect(admin.listSchemas).not.toHaveBeenCalled();
  });

  it("leaves the check to the server when the schemas cannot be read (Kratos v1.x serves them on its public URL)", async () => {
    const admin = {
      ...memoryAdmin("v1.3.1"),
      listSchemas: jest.fn(async () =>
        Promise.reject(
          new ServerUnreachableError(
            "http://127.0.0.1:4433/schemas",
            { code: "ECONNREFUSED", reason: "connection refused", hint: "", terminal: false },
            3,
          ),
        ),
      ),
    };
    const { plan } = await planSets(sets, admin);
    expect(plan.issues).toEqual([]);
    expect(plan.summary.create).toBe(2);
  });
});

// Kratos validates traits with github.com/ory/jsonschema/v3: its Go format checkers (formats.go), Go (RE2) patterns
// and big.Float `multipleOf`. Every value below was answered by that code (and, for the e-mails, by Kratos v1.3.1,
// v26.2.0 and master: test/integration/reconcile/server-rules.test.ts): the check may refuse no more than it does.
describe("schemaIssues is never stricter than Kratos", () => {
  const traitsSchema = (properties: object, extra: object = {}) => [
    { id: "default", schema: { type: "object", properties: { traits: { type: "object", properties, ...extra } } } },
  ];
  const check = (properties: object, traits: TraitsCheck["traits"], extra: object = {}) =>
    schemaIssues([item("x", traits)], traitsSchema(properties, extra)).map((i) => i.message);

  it.each([
    ["email", "zoë@example.com"],
    ["email", "用户@example.com"],
    ["email", "admin@localhost"],
    ["email", '"john doe"@example.com'],
    ["ipv4", "01.2.3.4"],
    ["ipv4", "+1.2.3.4"],
    ["date-time", "2024-01-02T3:04:05Z"],
    ["date-time", "2024-01-02T03:04:05,5Z"],
    ["date-time", "2024-01-02T03:04:05+24:00"],
    ["time", "1:02:03Z"],
    ["uri", "mailto:zoë@example.com"],
    ["uri", "x:%zz"],
    ["uri-reference", "ä b"],
    ["regex", "(?i)^abc$"],
    ["uuid", "not-a-uuid"],
    ["duration", "one day"],
    ["json-pointer", "/~~0"],
  ])("accepts format %s: %j, as Kratos does", (format, value) => {
    expect(check({ v: { type: "string", format } }, { v: value })).toEqual([]);
  });

  it.each([
    ["email", "not-an-email"],
    ["email", "a@-example.com"],
    ["hostname", "exa_mple.com"],
    ["ipv4", "256.1.1.1"],
    ["date", "2023-02-29"],
    ["date-time", "2024-01-02T03:04:60Z"],
    ["time", "12:00:00"],
    ["uri", "example.com/no-scheme"],
  ])("still refuses format %s: %j, as Kratos does", (format, value) => {
    expect(check({ v: { type: "string", format } }, { v: value })).toEqual([
      `staff/x: traits.v must be a valid ${format} (identity schema "default")`,
    ]);
  });

  it("reads patterns as Go does: `.` and `\\s` in Go's sense, Go-only syntax left to Kratos", () => {
    expect(check({ v: { type: "string", pattern: "^\\S+$" } }, { v: "a\u00a0b" })).toEqual([]); // NBSP: no \s in Go
    expect(check({ v: { type: "string", pattern: "^.+$" } }, { v: "a\rb" })).toEqual([]); // Go's . matches \r
    expect(check({ v: { type: "string", pattern: "(?i)^abc$" } }, { v: "ABC" })).toEqual([]);
    expect(check({ v: { type: "string", pattern: "^\\pL+$" } }, { v: "Zoë" })).toEqual([]);
    expect(check({ v: { type: "string", pattern: "^\\S+$" } }, { v: "a b" })).toEqual([
      'staff/x: traits.v must match pattern "^\\\\S+$" (identity schema "default")',
    ]);
  });

  it("reads patternProperties as Go does", () => {
    expect(
      check(
        {},
        { "X-Team": "a" },
        { patternProperties: { "(?i)^x-": { type: "string" } }, additionalProperties: false },
      ),
    ).toEqual([]);
    expect(
      check(
        {},
        { "a\u00a0b": "a" },
        { patternProperties: { "^\\S+$": { type: "string" } }, additionalProperties: false },
      ),
    ).toEqual([]);
  });

  it("takes multipleOf as Kratos does: 0.3 is a multiple of 0.1, 1e21 one of 1", () => {
    expect(check({ v: { multipleOf: 0.1 } }, { v: 0.3 })).toEqual([]);
    expect(check({ v: { multipleOf: 1 } }, { v: 1e21 })).toEqual([]);
    expect(check({ v: { multipleOf: 3 } }, { v: 7 })).toEqual([
      'staff/x: traits.v must be a multiple of 3 (identity schema "default")',
    ]);
  });

  it("counts lengths in code points, as Go counts runes (a pin: ajv already did)", () => {
    expect(check({ v: { type: "string", maxLength: 1 } }, { v: "😀" })).toEqual([]);
    expect(check({ v: { type: "string", maxLength: 1 } }, { v: "😀😀" })).toEqual([
      'staff/x: traits.v must NOT have more than 1 characters (identity schema "default")',
    ]);
  });

  it("leaves a oneOf, not or if resting on a rule it does not follow fully to Kratos", () => {
    // "tel" is Kratos' own (libphonenumber): an e-mail is no phone number there, so exactly one branch holds.
    expect(
      check(
        { login: { type: "string", oneOf: [{ format: "email" }, { format: "tel" }] } },
        { login: "alice@example.com" },
      ),
    ).toEqual([]);
    // Kratos' email check ends in net/mail, which refuses this: so `not` holds there.
    expect(check({ v: { type: "string", not: { format: "email" } } }, { v: "a b@example.com" })).toEqual([]);
    expect(check({ v: { type: "string", if: { pattern: "(?i)^x" }, then: { maxLength: 1 } } }, { v: "xyz" })).toEqual(
      [],
    );
  });
});
