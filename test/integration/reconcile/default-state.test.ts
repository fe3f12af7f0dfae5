// The rule behind identityState (core/state.ts), on the real servers: Kratos gives an identity created without a
// state `active`, and a PUT without one keeps the identity's current state; so the engine's PUT body (putBody)
// always carries the state, `identityState(current)`, and a PUT that changes traits never reactivates an identity.
import { putBody } from "../../../src/reconcile/core/bodies";
import { DEFAULT_STATE, identityState } from "../../../src/reconcile/core/state";
import { kratosBehindProxy } from "../../support/fixture";
import { admin } from "../../support/kratos-api";
import { describeServers } from "../../support/servers";

describeServers("all", "an identity's default state", (server) => {
  const f = kratosBehindProxy(server);

  it("is active on create without one; a PUT without one keeps the current state, and putBody sends it", async () => {
    const ory = admin(f.proxy.url);
    const created = await ory.createIdentity({ schema_id: "default", traits: { email: "state@example.com" } });
    expect(created.state).toBe(DEFAULT_STATE);
    expect(identityState(await ory.getIdentity(created.id))).toBe("active");

    await ory.patchIdentity(created.id, [{ op: "replace", path: "/state", value: "inactive" }]);
    const inactive = await ory.getIdentity(created.id);
    expect(inactive.state).toBe("inactive");

    // The server's rule: a PUT body without state leaves the state as it is.
    const { state, ...withoutState } = putBody(inactive, [], undefined);
    expect(state).toBe("inactive");
    await ory.putIdentity(created.id, withoutState);
    expect((await ory.getIdentity(created.id)).state).toBe("inactive");

    // The engine's PUT: the state goes on the wire, and a traits change keeps the identity inactive.
    f.proxy.requests.length = 0;
    await ory.putIdentity(
      created.id,
      putBody(inactive, [{ op: "replace", path: "/traits/email", value: "state-2@example.com" }], undefined),
    );
    const put = f.proxy.requests.find((r) => r.method === "PUT");
    expect(JSON.parse(put?.body ?? "{}").state).toBe("inactive");
    const after = await ory.getIdentity(created.id);
    expect(after.state).toBe("inactive");
    expect(after.traits).toEqual({ email: "state-2@example.com" });
  });
});
