// Both Pulumi providers go through the engine's entry points, under the real Pulumi CLI against a real Kratos: an
// Identity update is planned by `planSets`, so the schema check refuses a bad one before any write; one `pulumi up`
// lists the tenant (`GET /admin/identities`, unfiltered) at most once per provider operation that needs it.
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { Identity, IdentityArgs, IdentitySet } from "../../../src/resources";
import type { Recorded } from "../../support/proxy";
import { Proxy, startProxy } from "../../support/proxy";
import { logRequests } from "../../support/request-log";
import { adminApi, ensureBuilt, projectStack, ProjectStack } from "./project";
import { describeServers } from "../../support/servers";

/** A full listing of the tenant: `GET /admin/identities` without an `ids` or `credentials_identifier` filter. */
const isListing = (r: Recorded) =>
  r.method === "GET" &&
  r.path.split("?")[0] === "/admin/identities" &&
  !/[?&](ids|credentials_identifier)=/.test(r.path);

describeServers("all", "Pulumi providers through the engine's entry points", (server) => {
  let kratos: Kratos;
  let proxy: Proxy;
  let t: ProjectStack;
  let api: ReturnType<typeof adminApi>;

  let alice: IdentityArgs = { traits: { email: "alice@entry.test", name: { first: "Alice" } } };
  let team = {
    apiVersion: "ory-reconcile/v1",
    kind: "IdentitySet",
    metadata: { name: "team" },
    spec: { key: "traits.email", identities: [{ traits: { email: "bob@entry.test" } }] },
  };

  beforeAll(async () => {
    await ensureBuilt();
    kratos = await startKratos({ server });
    api = adminApi(kratos.adminUrl);
    proxy = await startProxy({ target: kratos.adminUrl });
    await api.create({ schema_id: "default", traits: { email: "outsider@entry.test" } });
    t = await projectStack(
      "entry",
      async () => {
        const set = new IdentitySet("team", { set: team });
        return { alice: new Identity("alice", alice).id, ids: set.ids };
      },
      { ORY_ADMIN_URL: proxy.url },
    );
  });

  afterAll(async () => {
    await t?.dispose();
    await proxy?.stop();
    await kratos?.stop();
  });

  const writes = () =>
    proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.split("?")[0]}`);

  it("up creates both resources", async () => {
    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(Object.keys(up.outputs.ids.value)).toEqual(["bob@entry.test"]);
  });

  it("an up that changes the IdentitySet lists the tenant once in diff and once in update (three times before)", async () => {
    team = {
      ...team,
      spec: { ...team.spec, identities: [...team.spec.identities, { traits: { email: "carol@entry.test" } }] },
    };
    proxy.clear();
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 2, update: 1 }); // the stack, the Identity; the set
    logRequests(server, "IdentitySet up (one create)", proxy);
    expect(proxy.count(isListing)).toBe(2);
    expect(Object.keys(up.outputs.ids.value)).toEqual(["bob@entry.test", "carol@entry.test"]);
    // The stored ids and digest are what a refresh reads: a refresh right after the up changes nothing.
    proxy.clear();
    const refresh = await t.stack.refresh();
    expect(refresh.summary.resourceChanges).toEqual({ same: 3 });
    // The IdentitySet read lists once; the refresh then asks its provider once more (two listings seen on every server).
    logRequests(server, "refresh", proxy);
    expect(proxy.count(isListing)).toBeLessThanOrEqual(2);
  });

  it("an up without changes lists the tenant once (the IdentitySet diff)", async () => {
    proxy.clear();
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 3 });
    logRequests(server, "no-op up", proxy);
    expect(proxy.count(isListing)).toBe(1);
  });

  it("an Identity update the identity schema refuses is refused before any write", async () => {
    const id = (await api.byEmail("alice@entry.test"))!.id;
    const before = await api.get(id);
    alice = { traits: { email: "alice@entry.test", name: { first: "Alice", nickname: "Al" } } };
    proxy.clear();
    const up = t.stack.up();
    await expect(up).rejects.toThrow(/Identity alice@entry\.test: update/);
    logRequests(server, "refused Identity update", proxy);
    const error = String(await up.catch((e: unknown) => e));
    // Every server's identity schemas are read (Kratos v1.x redirects `GET /schemas` to `/admin/schemas`).
    expect(proxy.requests.some((r) => r.method === "GET" && r.path.split("?")[0].endsWith("/schemas"))).toBe(true);
    expect(writes()).toEqual([]);
    expect(error).toMatch(/Identity alice@entry\.test: update: nothing was written/);
    expect(error).toMatch(/traits\.name.*nickname/s);
    expect((await api.get(id)).traits).toEqual(before.traits);
    alice = { traits: { email: "alice@entry.test", name: { first: "Alice" } } };
  });

  it("destroy releases the set and deletes the Identity", async () => {
    const destroy = await t.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect((await api.list()).map((i) => i.traits?.email).sort()).toEqual([
      "bob@entry.test",
      "carol@entry.test",
      "outsider@entry.test",
    ]);
  });
});
