// Integers beyond 2^53 that the server holds (issue 13, break-test item 6), on every real server: read exactly,
// so that a manifest number which only a double would confuse with them is drift, not a false no-op; the plan shows
// the digits the server holds; the declared value reaches the server as declared and the next plan is a no-op.
import { createOryClient } from "../../../src/ory";
import { planSets, reconcile } from "../../../src/reconcile/engine/engine";
import { toJsonPlan } from "../../../src/reconcile/core/jsonplan";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { renderPlan } from "../../../src/reconcile/core/render";
import { desired, set } from "../../support/builders";
import { kratosBehindProxy } from "../../support/fixture";
import { logRequests } from "../../support/request-log";
import { describeServers } from "../../support/servers";

const HELD = "12345678901234567890"; // a double reads it as 12345678901234567000
const DECLARED = 12345678901234567000;

describeServers("all", "integers beyond 2^53 held by the server", (server) => {
  const fixture = kratosBehindProxy(server);
  const engine = () => createOryClient({ endpoint: fixture.proxy.url });
  /** Creates an identity from JSON text (so that the server gets the digits as written); its id. */
  const createRaw = async (json: string): Promise<string> => {
    const response = await fetch(`${fixture.kratos.adminUrl}/admin/identities`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const rawText = async (id: string) => (await fetch(`${fixture.kratos.adminUrl}/admin/identities/${id}`)).text();

  it("a declared 12345678901234567000 is not what the server's 12345678901234567890 is: an update that shows the held digits, then a no-op", async () => {
    const id = await createRaw(
      `{"schema_id":"default","traits":{"email":"big@numbers.test"},"metadata_public":{"big":${HELD}},"metadata_admin":${JSON.stringify({ [MARKER_KEY]: { set: "numbers" } })}}`,
    );
    expect(await rawText(id)).toContain(`"big":${HELD}`);
    const sets = [set("numbers", [desired("big@numbers.test", { metadata_public: { big: DECLARED } })])];
    const { plan } = await planSets(sets, engine());
    expect([plan.issues, plan.summary]).toEqual([[], { create: 0, update: 1, delete: 0, adopt: 0, noop: 0 }]);
    const text = renderPlan(toJsonPlan(plan), { color: false });
    expect(text).toContain(HELD);
    expect(text).not.toContain("exact-integer");
    fixture.proxy.clear();
    const { result } = await reconcile(sets, engine());
    logRequests(server, "large integer plan+apply", fixture.proxy);
    expect(result.failed).toBe(0);
    expect(await rawText(id)).toContain(`"big":12345678901234567000`);
    expect((await planSets(sets, engine())).plan.summary).toMatchObject({ update: 0, noop: 1 });
  });

  it('a declared object { digits: "12345678901234567890" } is not the server\'s number: drift, not a false no-op', async () => {
    await createRaw(
      `{"schema_id":"default","traits":{"email":"obj@numbers.test"},"metadata_public":{"big":${HELD}},"metadata_admin":${JSON.stringify({ [MARKER_KEY]: { set: "objects" } })}}`,
    );
    const sets = [set("objects", [desired("obj@numbers.test", { metadata_public: { big: { digits: HELD } } })])];
    const { plan } = await planSets(sets, engine());
    expect([plan.issues, plan.summary]).toEqual([[], { create: 0, update: 1, delete: 0, adopt: 0, noop: 0 }]);
  });
});
