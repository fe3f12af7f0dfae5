// Ownership in one place: which live identities a set manages (managedBy), the digest and ids the Pulumi
// IdentitySet stores of them, and the engine entry points that answer it from one listing.
import { OryApiError } from "../../../src/ory/errors";
import { buildPlan } from "../../../src/reconcile/core/plan";
import { managedBy, managedIds, managedStateDigest, managerOf } from "../../../src/reconcile/core/managed";
import { planSets, readForExport, readManaged } from "../../../src/reconcile/engine/engine";
import { planningView } from "../../../src/reconcile/core/normalize";
import { desired, EMAIL_KEY, live, managed, set } from "../../support/builders";
import { memoryAdmin } from "./memory-admin";

describe("managedBy", () => {
  const staffA = managed("staff", "a@example.com");
  const staffB = managed("staff", "b@example.com", {}, { team: "x" });
  const ops = managed("ops", "c@example.com");
  const unmanaged = live("d@example.com");
  const userKey = live("e@example.com", { metadata_admin: { set: "staff" } });
  const all = [staffA, ops, unmanaged, staffB, userKey];

  it("is exactly the identities whose ownership marker names the set, in list order", () => {
    expect(managedBy("staff", all)).toEqual([staffA, staffB]);
    expect(managedBy("ops", all)).toEqual([ops]);
    expect(managedBy("nobody", all)).toEqual([]);
  });

  it("includes what the set's former name marked (a renamed set), and nothing else", () => {
    expect(managedBy("crew", all, "staff")).toEqual([staffA, staffB]);
    expect(managedBy("ops", all, "staff")).toEqual(
      [ops, staffA, staffB].sort((x, y) => all.indexOf(x) - all.indexOf(y)),
    );
  });

  it("names the manager of one identity; user keys of metadata_admin are no marker", () => {
    expect(all.map(managerOf)).toEqual(["staff", "ops", undefined, "staff", undefined]);
  });

  it("agrees with the planner: a prune plan of the set declaring nothing deletes exactly these", () => {
    const plan = buildPlan([set("staff", [], { prune: true })], all);
    expect(plan.sets[0].actions.map((a) => (a as { id: string }).id)).toEqual(managedBy("staff", all).map((i) => i.id));
    expect(plan.sets[0].managed).toBe(2);
  });

  it("gives the ids by key and the state digest a plan of the set declaring nothing computes from a listing without credentials", () => {
    const views = all.map(planningView);
    const { credentials: _a, ...bare } = planningView(staffA);
    const { credentials: _b, ...bareB } = planningView(staffB);
    const plan = buildPlan(
      [set("staff", [], { prune: true })],
      [bare, ops, unmanaged, bareB, userKey].map(planningView),
    );
    expect(managedStateDigest(managedBy("staff", views))).toBe(plan.sets[0].state_digest);
    expect(managedIds(managedBy("staff", views), EMAIL_KEY)).toEqual({
      "a@example.com": staffA.id,
      "b@example.com": staffB.id,
    });
    expect(managedIds(managedBy("staff", views), EMAIL_KEY, new Map([[staffA.id, "(sensitive #1)"]]))).toEqual({
      "(sensitive #1)": staffA.id,
      "b@example.com": staffB.id,
    });
    expect(managedIds(managedBy("staff", views), { kind: "external_id" })).toEqual({
      [staffA.id]: staffA.id,
      [staffB.id]: staffB.id,
    });
  });
});

describe("engine entry points", () => {
  it("readManaged answers from one listing, without credentials", async () => {
    const staff = managed("staff", "a@example.com");
    const server = memoryAdmin("v1.3.1", [staff, live("d@example.com"), managed("ops", "c@example.com")]);
    const found = await readManaged(["staff", "gone"], server);
    expect(Object.keys(found)).toEqual(["staff", "gone"]);
    expect(found.staff.map((i) => i.id)).toEqual([staff.id]);
    expect(found.gone).toEqual([]);
    expect(server.calls).toEqual(["listIdentities 1000"]);
  });

  it("readForExport lists once, with credential identifiers", async () => {
    const calls: unknown[] = [];
    const server = memoryAdmin("v1.3.1", [live("d@example.com")]);
    const list = server.listIdentities;
    server.listIdentities = (options) => (calls.push(options?.credentialIdentifiers), list(options));
    expect((await readForExport(server)).map((i) => i.traits)).toEqual([{ email: "d@example.com" }]);
    expect(calls).toEqual([true]);
  });

  it("planSets with `live` plans the given identities and lists nothing", async () => {
    const mine = managed("staff", "a@example.com");
    const server = memoryAdmin("v1.3.1", [mine, managed("staff", "b@example.com")]);
    const { plan } = await planSets([set("staff", [], { prune: true })], server, { live: [mine] });
    expect(plan.sets[0].actions.map((a) => [a.action, (a as { id: string }).id])).toEqual([["delete", mine.id]]);
    expect(server.calls).toEqual([]);
  });

  it("planSets with `managed` returns what each set managed before the plan, from the one listing", async () => {
    const a = managed("old", "a@example.com");
    const server = memoryAdmin("network", [a, live("d@example.com")]);
    const run = await planSets([set("new", [desired("a@example.com")])], server, {
      managed: true,
      renamedFrom: { new: "old" },
    });
    expect(run.managed?.new.map((i) => i.id)).toEqual([a.id]);
    expect(server.calls.filter((c) => c.startsWith("list") && c !== "listSchemas")).toEqual(["listIdentities 500"]);
  });

  it("compares addresses by the server's identifier rules in the first plan too (a no-op reads no schemas)", async () => {
    // After v26.2.0 Kratos stores addresses PRECIS-folded: a full-width declaration is the stored value.
    const stored = managed("staff", "dana@example.com", {
      verifiable_addresses: [{ value: "dana@example.com", via: "email", verified: false, status: "pending" }],
    });
    const declared = desired("dana@example.com", {
      verifiable_addresses: [{ value: "ＤＡＮＡ@example.com", via: "email", verified: false }],
    });
    const server = memoryAdmin("v26.3.0", [stored]);
    server.listSchemas = async () => {
      throw new OryApiError({ method: "GET", path: "/schemas" }, 302, "redirect");
    };
    const { plan } = await planSets([set("staff", [declared])], server);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 0, noop: 1 });
  });
});
