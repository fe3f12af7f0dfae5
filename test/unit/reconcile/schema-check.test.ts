import { IDENTITY_SCHEMA } from "../../../src/dev/identity-schema";
import { ServerUnreachableError } from "../../../src/ory/errors";
import { resetSchemaCache } from "../../../src/reconcile/apply";
import { planSets } from "../../../src/reconcile/engine";
import { buildPlan } from "../../../src/reconcile/plan";
import { defaultSchemaId, identitiesToCheck, schemaIssues, ServerSchema, TraitsCheck } from "../../../src/reconcile/schema-check";
import { desired, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

const SERVICE = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: { username: { type: "string", pattern: "^[a-z0-9-]+$" }, tier: { enum: ["gold", "silver"] }, phone: { type: "string", format: "tel" } },
      required: ["username"],
    },
  },
};
const SCHEMAS: ServerSchema[] = [
  { id: "default", schema: IDENTITY_SCHEMA },
  { id: "service", schema: SERVICE },
];
const at = (line: number) => ({ file: "people.yaml", line, col: 7 });
const item = (who: string, traits: TraitsCheck["traits"], extra: Partial<TraitsCheck> = {}): TraitsCheck => ({ subject: `staff/${who}`, traits, ...extra });

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
      { pos: at(8), path: "traits.email", message: 'staff/one: traits.email must be a valid email (identity schema "default")', hint: fix },
      { pos: at(8), path: "traits.name.middle", message: 'staff/one: traits.name.middle is not allowed by identity schema "default"', hint: "remove it; allowed here: first, last" },
      { pos: at(8), path: "traits.name.first", message: 'staff/one: traits.name.first must be string, got integer (identity schema "default")', hint: fix },
      { pos: at(10), path: "traits.email", message: 'staff/two: traits.email is required by identity schema "default"', hint: "add traits.email" },
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
    expect(schemaIssues([item("x", { email: "x@example.com" }, { schemaId: "corp", source: at(3) })], SCHEMAS)).toEqual([
      {
        pos: at(3),
        path: "schema_id",
        message: 'staff/x: identity schema "corp" does not exist on the server (it has: default, service)',
        hint: "use one of: default, service; or add the schema to the server's configuration",
      },
    ]);
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
    expect(defaultSchemaId([{ id: "people", schema: {} }, { id: "svc", schema: {} }])).toBe("people");
  });
});

describe("identitiesToCheck", () => {
  it("takes what the plan creates, updates or adopts; an existing identity keeps its live schema unless one is declared", () => {
    const liveUpdated = managed("staff", "upd@example.com", { schema_id: "service", traits: { email: "upd@example.com", name: { first: "Old" } } });
    const liveAdopted = live("adopt@example.com", { schema_id: "service", metadata_public: { x: 1 } });
    const liveSame = managed("staff", "same@example.com");
    const liveMoved = managed("staff", "moved@example.com", { schema_id: "service", metadata_public: { y: 1 } });
    const source = at(5);
    const sets = [
      set("staff", [
        desired("new@example.com", {}, { source }),
        desired("upd@example.com", { traits: { email: "upd@example.com", name: { first: "New" } } }),
        desired("adopt@example.com"),
        desired("same@example.com"),
        desired("moved@example.com", { schema_id: "default" }),
      ]),
    ];
    const current = [liveUpdated, liveAdopted, liveSame, liveMoved];
    const plan = buildPlan(sets, current);
    expect(identitiesToCheck(sets, plan, current)).toEqual([
      { subject: "staff/new@example.com", traits: { email: "new@example.com" }, source },
      { subject: "staff/upd@example.com", schemaId: "service", traits: { email: "upd@example.com", name: { first: "New" } } },
      { subject: "staff/adopt@example.com", schemaId: "service", traits: { email: "adopt@example.com" } },
      { subject: "staff/moved@example.com", schemaId: "default", traits: { email: "moved@example.com" } },
    ]);
  });
});

describe("planSets: the traits check", () => {
  beforeEach(() => resetSchemaCache());
  const sets = [set("staff", [desired("ok@example.com"), desired("bad@example.com", { traits: { email: "bad@example.com", nickname: "B" } }, { source: at(9) })])];

  it("reads the schemas once, and turns violations into plan issues", async () => {
    const admin = { ...memoryAdmin("v1.3.1"), listSchemas: jest.fn(async () => SCHEMAS) };
    const { plan } = await planSets(sets, admin);
    expect(plan.issues).toEqual([
      { pos: at(9), path: "traits.nickname", message: 'staff/bad@example.com: traits.nickname is not allowed by identity schema "default"', hint: "remove it; allowed here: email, name, username, groups" },
    ]);
    expect(plan.summary.create).toBe(2);
    expect(admin.listSchemas).toHaveBeenCalledTimes(1);
  });

  it("does not read the schemas when nothing is to be written", async () => {
    const admin = { ...memoryAdmin("v1.3.1", [managed("staff", "ok@example.com")]), listSchemas: jest.fn(async () => SCHEMAS) };
    const { plan } = await planSets([set("staff", [desired("ok@example.com")])], admin);
    expect(plan.summary.noop).toBe(1);
    expect(admin.listSchemas).not.toHaveBeenCalled();
  });

  it("leaves the check to the server when the schemas cannot be read (Kratos v1.x serves them on its public URL)", async () => {
    const admin = { ...memoryAdmin("v1.3.1"), listSchemas: jest.fn(async () => Promise.reject(new ServerUnreachableError("http://127.0.0.1:4433", "ECONNREFUSED"))) };
    const { plan } = await planSets(sets, admin);
    expect(plan.issues).toEqual([]);
    expect(plan.summary.create).toBe(2);
  });
});
