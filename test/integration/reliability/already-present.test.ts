// A planned create that another run completed first (issue 13, break-test item 7), on every real server: the 409 is
// resolved by reading the identity back, and when it is as declared it is reported as "already present", not as
// created, in the text summary and in the JSON output's counts.
import { outcomeCounts, summarize } from "../../../src/cli/apply";
import { createOryClient } from "../../../src/ory";
import { applyPlan } from "../../../src/reconcile/engine/apply";
import { planSets } from "../../../src/reconcile/engine/engine";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { desired, set } from "../../support/builders";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { logRequests } from "../../support/request-log";
import { describeServers } from "../../support/servers";

describeServers("all", "creates another run completed first", (server) => {
  const fixture = kratosBehindProxy(server);

  it("are counted as already present, apart from the identities this run created", async () => {
    const engine = createOryClient({ endpoint: fixture.proxy.url });
    const sets = [
      set("present", [desired("first@present.test"), desired("second@present.test"), desired("third@present.test")]),
    ];
    const { plan } = await planSets(sets, engine);
    expect(plan.summary.create).toBe(3);
    // Another run creates two of them, as declared, after this plan read the live state.
    const others = await Promise.all(
      ["first@present.test", "second@present.test"].map((email) =>
        admin(fixture.kratos.adminUrl).createIdentity({
          schema_id: "default",
          traits: { email },
          metadata_admin: { [MARKER_KEY]: { set: "present" } },
        }),
      ),
    );
    fixture.proxy.clear();
    const result = await applyPlan(plan, engine);
    logRequests(server, "already present apply", fixture.proxy);
    expect(result.outcomes.map((o) => [o.key, o.result, o.id]).sort()).toEqual([
      ["first@present.test", "present", others[0].id],
      ["second@present.test", "present", others[1].id],
      ["third@present.test", "created", expect.any(String)],
    ]);
    expect(summarize(result.outcomes)).toBe(
      "Apply complete: 1 created, 2 already present, 0 updated, 0 adopted, 0 deleted, 0 failed.",
    );
    expect(outcomeCounts(result.outcomes)).toEqual({
      created: 1,
      present: 2,
      updated: 0,
      adopted: 0,
      deleted: 0,
      failed: 0,
    });
    // Nothing was written for the two: no PATCH or PUT of a single identity.
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/admin/identities/"))).toEqual(
      [],
    );
  });
});
