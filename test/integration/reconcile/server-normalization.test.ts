// Identifiers compared as each real server compares them, and hash costs checked only where the server bounds them
// (issue 13, break-test items 1 and 5). Kratos after v26.2.0 (master here) normalizes credential identifiers and
// addresses by PRECIS rules (NFKC, full-width forms folded, invisible code points removed, Unicode lower-casing) and
// refuses imported hashes beyond its cost bounds (bcrypt cost > 15, …); v26.2.0 and v1.3.1 only lower-case and take
// any cost. Which rules apply is decided by the version the server answers.
import bcrypt from "bcryptjs";
import { createOryClient } from "../../../src/ory";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { Secret } from "../../../src/reconcile/core/types";
import { desired, set } from "../../support/builders";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { logRequests } from "../../support/request-log";
import { describeServers } from "../../support/servers";

const precis = (server: string) => server === "master";

describeServers("all", "identifiers and hash costs follow the server's own rules", (server) => {
  const fixture = kratosBehindProxy(server);
  const engine = () => createOryClient({ endpoint: fixture.proxy.url });
  const direct = () => admin(fixture.kratos.adminUrl);
  const byEmail = async (email: string) =>
    (await direct().listIdentities({ pageSize: 1000 })).filter((i) => (i.traits as { email?: string }).email === email);

  it("a full-width e-mail declared for a registered ASCII one: paired where the server folds widths, created where it does not; the second plan is a no-op", async () => {
    const registered = await direct().createIdentity({ schema_id: "default", traits: { email: "dana@example.com" } });
    const sets = [set("people", [desired("ＤＡＮＡ@Example.com")], { adopt: true })];
    const { plan } = await planSets(sets, engine());
    expect(plan.issues).toEqual([]);
    if (precis(server)) {
      expect(plan.summary).toMatchObject({ create: 0, adopt: 1 });
      expect(plan.sets[0].actions).toEqual([expect.objectContaining({ action: "adopt", id: registered.id })]);
    } else {
      expect(plan.summary).toMatchObject({ create: 1, adopt: 0 });
    }
    fixture.proxy.clear();
    const { result } = await reconcile(sets, engine());
    logRequests(server, "full-width e-mail plan+apply", fixture.proxy);
    expect(result.outcomes.map((o) => [o.result, o.reason])).toEqual([
      [precis(server) ? "adopted" : "created", undefined],
    ]);
    const again = await planSets(sets, engine());
    expect([again.plan.issues, again.plan.summary]).toEqual([
      [],
      { create: 0, update: 0, delete: 0, adopt: 0, noop: 1 },
    ]);
    if (precis(server)) expect((await byEmail("ＤＡＮＡ@Example.com")).map((i) => i.id)).toEqual([registered.id]);
  });

  it("a value another set holds in another width and case is a plan error naming that identity where the server folds it", async () => {
    const theirs = await direct().createIdentity({
      schema_id: "default",
      traits: { email: "zoe@example.com" },
      metadata_admin: { [MARKER_KEY]: { set: "theirs" } },
    });
    const sets = [set("ours", [desired("ＺＯＥ@example.com")])];
    const { plan } = await planSets(sets, engine());
    if (precis(server)) {
      expect(plan.issues.map((i) => i.message)).toEqual([expect.stringContaining(theirs.id)]);
      expect(plan.issues[0].message).toContain("theirs");
    } else {
      expect([plan.issues, plan.summary.create]).toEqual([[], 1]);
      const { result } = await reconcile(sets, engine());
      expect(result.failed).toBe(0);
    }
  });

  it("declared addresses written in full width are compared as the server stores them: created, kept, then a no-op", async () => {
    const email = "ＡＬＩ@Example.com";
    const sets = [
      set("addresses", [
        desired(email, {
          verifiable_addresses: [{ value: email, via: "email", verified: true }],
          recovery_addresses: [{ value: email, via: "email" }],
        }),
      ]),
    ];
    const { plan, result } = await reconcile(sets, engine());
    expect([plan.issues, result.outcomes.map((o) => [o.result, o.reason])]).toEqual([[], [["created", undefined]]]);
    const [stored] = await byEmail(email);
    // As each server stores it: NFKC and lower-cased after v26.2.0, only lower-cased before.
    expect(stored.verifiable_addresses?.map((a) => [a.value, a.verified])).toEqual([
      [precis(server) ? "ali@example.com" : "ａｌｉ@example.com", true],
    ]);
    const again = await planSets(sets, engine());
    expect([again.plan.issues, again.plan.summary]).toEqual([
      [],
      { create: 0, update: 0, delete: 0, adopt: 0, noop: 1 },
    ]);
  });

  it("bcrypt cost 16 is refused before any write only where the server bounds it; cost 15 passes everywhere", async () => {
    // Hashes of cost 15 and 16 made from a cost-4 hash by its cost digits (hashing at 16 would take seconds): an
    // import reads only the cost, and a server that does not bound costs stores the hash as it is.
    const withCost = (cost: number) =>
      new Secret(bcrypt.hashSync("Cost-Secret-4711", 4).replace(/^\$2b\$04\$/, `$2a$${cost}$`));
    const declare = (cost: number, hash = withCost(cost)) => [
      set("costs", [
        desired(
          `cost-${cost}@example.com`,
          {},
          { credentials: { password: { kind: "hashed_password", value: hash, policy: "initial" } } },
        ),
        desired(`other-${cost}@example.com`),
      ]),
    ];
    const cost16 = withCost(16);
    const sets16 = declare(16, cost16);
    fixture.proxy.clear();
    const { plan } = await planSets(sets16, engine());
    if (precis(server)) {
      expect(plan.issues.map((i) => [i.path, i.message])).toEqual([
        ["credentials.password.hashed_password", expect.stringContaining("bcrypt cost=16 is not in [4, 15]")],
      ]);
      expect(JSON.stringify(plan.issues)).not.toContain(cost16.reveal());
      // Nothing but the version probe was sent: no list, no write.
      expect(fixture.proxy.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /admin/version"]);
      // The server agrees: it refuses this hash.
      await expect(
        direct().createIdentity({
          schema_id: "default",
          traits: { email: "cost-16@example.com" },
          credentials: { password: { config: { hashed_password: cost16.reveal() } } },
        }),
      ).rejects.toThrow(/400|bounds/);
    } else {
      expect(plan.issues).toEqual([]);
      const { result } = await reconcile(sets16, engine());
      expect(result.failed).toBe(0);
    }
    const { plan: plan15, result } = await reconcile(declare(15), engine());
    expect([plan15.issues, result.failed]).toEqual([[], 0]);
  });
});
