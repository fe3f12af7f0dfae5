// Unique values that move between identities, and OIDC links that clash (issue 13, break-test items 2–4), on every
// real server: a chain of moved e-mails is written in an order that frees each value before it is taken; a swap is
// refused before any write with how to do it in two applies; a link another identity holds is a plan error naming
// it unless the same plan removes it there; a link that a concurrent apply added already is success.
import { createOryClient } from "../../../src/ory";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import type { DesiredIdentity, DesiredSet } from "../../../src/reconcile/core/types";
import { set } from "../../support/builders";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { logRequests } from "../../support/request-log";
import { describeServers } from "../../support/servers";

/** An identity keyed by username, with an e-mail and maybe OIDC links (`google:1`). */
function person(username: string, email: string, links?: string[]): DesiredIdentity {
  const identity: DesiredIdentity = { key: username, body: { traits: { email, username } } };
  if (links)
    identity.credentials = {
      oidc: { providers: links.map((l) => ({ provider: l.split(":")[0], subject: l.split(":")[1] })) },
    };
  return identity;
}
const team = (name: string, identities: DesiredIdentity[]): DesiredSet[] => [
  set(name, identities, { key: { kind: "trait", path: ["username"] } }),
];

describeServers("all", "moved unique values and OIDC link clashes", (server) => {
  const fixture = kratosBehindProxy(server);
  const engine = () => createOryClient({ endpoint: fixture.proxy.url });
  const direct = () => admin(fixture.kratos.adminUrl);
  const emails = async (prefix: string) =>
    Object.fromEntries(
      (await direct().listIdentities({ pageSize: 1000 }))
        .map((i) => i.traits as { email: string; username?: string })
        .filter((t) => t.username?.startsWith(prefix))
        .map((t) => [t.username, t.email]),
    );
  const writes = () =>
    fixture.proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.split("?")[0]}`);
  const writtenIds = () =>
    fixture.proxy.requests
      .filter((r) => r.method === "PATCH" && r.path.startsWith("/admin/identities/"))
      .map((r) => r.path.split("/")[3]);

  it("a chain of moved e-mails (A's to B, B's to C) is written A, B, C in one apply; a swap is refused before any write", async () => {
    const first = await reconcile(
      team("chain", [
        person("chain-a", "a@moves.test"),
        person("chain-b", "b@moves.test"),
        person("chain-c", "c@moves.test"),
      ]),
      engine(),
    );
    expect(first.result.failed).toBe(0);
    const ids = Object.fromEntries(first.result.outcomes.map((o) => [o.key, o.id!]));

    const moved = team("chain", [
      person("chain-a", "x@moves.test"),
      person("chain-b", "a@moves.test"),
      person("chain-c", "b@moves.test"),
    ]);
    const { plan } = await planSets(moved, engine());
    expect([plan.issues, plan.summary.update]).toEqual([[], 3]);
    fixture.proxy.clear();
    const result = await applyPlan(plan, engine());
    expect(result.outcomes.map((o) => [o.key, o.result]).sort()).toEqual([
      ["chain-a", "configured"],
      ["chain-b", "configured"],
      ["chain-c", "configured"],
    ]);
    logRequests(server, "chain apply", fixture.proxy);
    expect(writtenIds()).toEqual([ids["chain-a"], ids["chain-b"], ids["chain-c"]]);
    expect(await emails("chain-")).toEqual({
      "chain-a": "x@moves.test",
      "chain-b": "a@moves.test",
      "chain-c": "b@moves.test",
    });
    expect((await planSets(moved, engine())).plan.summary).toMatchObject({ update: 0, noop: 3 });

    // B and C exchange their e-mails: refused, naming both and saying how to do it in two applies.
    fixture.proxy.clear();
    const swap = team("chain", [
      person("chain-a", "x@moves.test"),
      person("chain-b", "b@moves.test"),
      person("chain-c", "a@moves.test"),
    ]);
    const { plan: swapPlan } = await planSets(swap, engine());
    expect(swapPlan.issues).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/chain\/chain-[bc], chain\/chain-[bc]: these writes exchange unique values/),
        hint: expect.stringContaining("apply in two steps"),
      }),
    ]);
    await expect(applyPlan(swapPlan, engine())).rejects.toThrow(/nothing was written/);
    logRequests(server, "swap plan+apply", fixture.proxy);
    expect(writes()).toEqual([]);
    expect(await emails("chain-")).toEqual({
      "chain-a": "x@moves.test",
      "chain-b": "a@moves.test",
      "chain-c": "b@moves.test",
    });
  });

  it("an OIDC link another identity holds is a plan error naming it; when the same plan removes it there, it moves", async () => {
    const holder = await direct().createIdentity({
      schema_id: "default",
      traits: { email: "holder@links.test", username: "linked-h" },
      credentials: {
        password: { config: { password: "Links-Secret-4711" } },
        oidc: { config: { providers: [{ provider: "google", subject: "111" }] } },
      },
    });
    fixture.proxy.clear();
    const { plan } = await planSets(team("linked", [person("linked-d", "d@links.test", ["google:111"])]), engine());
    expect(plan.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `linked/linked-d: credentials.oidc.providers "google:111" is already held by live identity ${holder.id} \\(not managed by ory-reconcile\\).*OIDC link`,
        ),
      ),
    ]);
    logRequests(server, "link clash plan", fixture.proxy);
    expect(writes()).toEqual([]);

    // The holder is declared by the same plan without the link: it is removed there first, then given to D.
    const moving = team("linked", [
      person("linked-h", "holder@links.test", []),
      person("linked-d", "d@links.test", ["google:111"]),
    ]);
    const { plan: movePlan } = await planSets(moving, engine(), { adopt: true });
    expect(movePlan.issues).toEqual([]);
    fixture.proxy.clear();
    const result = await applyPlan(movePlan, engine());
    expect(result.outcomes.map((o) => [o.key, o.result, o.reason]).sort()).toEqual([
      ["linked-d", "created", undefined],
      ["linked-h", "adopted", undefined],
    ]);
    logRequests(server, "link move apply", fixture.proxy);
    const order = writes();
    expect(order.indexOf(`DELETE /admin/identities/${holder.id}/credentials/oidc`)).toBeLessThan(
      order.indexOf("PATCH /admin/identities"),
    );
    const d = (await direct().listIdentities({ pageSize: 1000 })).find(
      (i) => (i.traits as { email: string }).email === "d@links.test",
    )!;
    expect([
      (await direct().getIdentity(holder.id)).credentials?.oidc?.identifiers ?? [],
      (await direct().getIdentity(d.id)).credentials?.oidc?.identifiers,
    ]).toEqual([[], ["google:111"]]);
    expect((await planSets(moving, engine())).plan.summary).toMatchObject({ create: 0, update: 0, adopt: 0, noop: 2 });
  });

  it("two applies adding the same OIDC link: the one that finds it already added succeeds; a link another identity took fails naming it", async () => {
    const declared = team("twice", [person("twice-e", "e@links.test")]);
    expect((await reconcile(declared, engine())).result.failed).toBe(0);
    const withLink = team("twice", [person("twice-e", "e@links.test", ["github:222"])]);
    // Both runs plan before either writes.
    const [one, two] = await Promise.all([planSets(withLink, engine()), planSets(withLink, engine())]);
    expect((await applyPlan(one.plan, engine())).failed).toBe(0);
    const before = fixture.proxy.requests.length;
    const second = await applyPlan(two.plan, engine());
    logRequests(server, "second link add apply", fixture.proxy, before);
    expect(second.outcomes.map((o) => [o.result, o.reason])).toEqual([["configured", undefined]]);
    const id = second.outcomes[0].id!;
    expect((await direct().getIdentity(id)).credentials?.oidc?.identifiers).toEqual(["github:222"]);

    // The same, with both applies running at once.
    const parallel = team("twice", [
      person("twice-e", "e@links.test", ["github:222"]),
      person("twice-f", "f@links.test"),
    ]);
    expect((await reconcile(parallel, engine())).result.failed).toBe(0);
    const linked = team("twice", [
      person("twice-e", "e@links.test", ["github:222"]),
      person("twice-f", "f@links.test", ["github:444"]),
    ]);
    const [p1, p2] = await Promise.all([planSets(linked, engine()), planSets(linked, engine())]);
    const both = await Promise.all([applyPlan(p1.plan, engine()), applyPlan(p2.plan, engine())]);
    expect(both.map((r) => r.outcomes.map((o) => [o.key, o.result, o.reason]))).toEqual([
      [["twice-f", "configured", undefined]],
      [["twice-f", "configured", undefined]],
    ]);
    const f = both[0].outcomes[0].id!;
    expect((await direct().getIdentity(f)).credentials?.oidc?.identifiers).toEqual(["github:444"]);

    // Another identity takes the next link between this run's plan and its write.
    const next = team("twice", [
      person("twice-e", "e@links.test", ["github:222", "github:333"]),
      person("twice-f", "f@links.test", ["github:444"]),
    ]);
    const { plan } = await planSets(next, engine());
    const thief = await direct().createIdentity({
      schema_id: "default",
      traits: { email: "thief@links.test" },
      credentials: { oidc: { config: { providers: [{ provider: "github", subject: "333" }] } } },
    });
    const from = fixture.proxy.requests.length;
    const refused = await applyPlan(plan, engine());
    logRequests(server, "link taken apply", fixture.proxy, from);
    expect(refused.outcomes.map((o) => [o.result, o.reason])).toEqual([
      ["failed", expect.stringContaining("OIDC github:333")],
    ]);
    expect(refused.outcomes[0].reason).toContain("another identity holds it");
    expect((await direct().getIdentity(id)).credentials?.oidc?.identifiers).toEqual(["github:222"]);
    expect((await direct().getIdentity(thief.id)).credentials?.oidc?.identifiers).toEqual(["github:333"]);
  });
});
