// Identity under the real Pulumi CLI against a real Kratos: create, no-op, in-place updates naming exactly the
// changed properties, drift on refresh, an enforced password change proven by logging in, adoption, destroy.
import type { Kratos } from "../../../src/dev/kratos";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { readMarker } from "../../../src/reconcile/core/marker";
import { Identity, IdentityArgs } from "../../../src/resources";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { adminApi, ensureBuilt, login, projectStack, ProjectStack } from "./project";
import { describeServers } from "../../support/servers";

const EMAIL_KEY = { kind: "trait" as const, path: ["email"] };

describeServers("all", "Pulumi Identity", (server) => {
  const fixture = kratosBehindProxy(server); // the proxy records what the provider sends
  let kratos: Kratos;
  let proxy: Proxy;
  let t: ProjectStack;
  let api: ReturnType<typeof adminApi>;
  let unmanagedId: string;

  /** What the program declares; tests change it between runs. */
  let declared: Record<string, IdentityArgs> = {
    alice: {
      traits: { email: "alice@pulumi.test", name: { first: "Alice" } },
      password: "first-Password-1",
      passwordPolicy: "enforce",
      verifiableAddresses: [{ value: "alice@pulumi.test", via: "email", verified: true, status: "completed" }],
    },
    bob: { traits: { email: "bob@pulumi.test", name: { first: "Bob" } }, metadataAdmin: { team: "ops" } },
  };

  beforeAll(async () => {
    await ensureBuilt();
    ({ kratos, proxy } = fixture);
    api = adminApi(kratos.adminUrl);
    unmanagedId = (await api.create({ schema_id: "default", traits: { email: "dave@pulumi.test" } })).id;
    t = await projectStack(
      "identity",
      async () => {
        const ids: Record<string, unknown> = {};
        for (const [name, args] of Object.entries(declared)) ids[name] = new Identity(name, args).id;
        return ids;
      },
      { ORY_ADMIN_URL: proxy.url },
    );
  });

  afterAll(async () => {
    await t?.dispose();
  });

  /** The writes the provider sent since the last call, as `METHOD path`. */
  function writes(): string[] {
    const sent = proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
    proxy.clear();
    return sent;
  }

  function change(name: string, args: Partial<IdentityArgs>): void {
    declared = { ...declared, [name]: { ...declared[name], ...args } };
  }

  /**
   * A preview, and the properties it names as changed per Identity: the provider's own line (`Identity <key>: changes
   * a, b`) and the CLI's `[diff: ~a]` column must agree.
   */
  async function previewChanges(): Promise<{ summary: Record<string, number>; provider: string[]; display: string[] }> {
    const preview = await t.stack.preview();
    if (process.env.DEBUG_PREVIEW) console.log(preview.stdout);
    const provider = [...preview.stdout.matchAll(/^\s*Identity (\S+): changes (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
    const display = [
      ...preview.stdout.matchAll(/dynamic\/ory-reconcile:Identity (\w+) update \[diff: ([^\]]*)\]/g),
    ].map((m) => `${m[1]}: ${m[2]}`);
    return {
      summary: preview.changeSummary as Record<string, number>,
      provider: [...new Set(provider)],
      display: [...new Set(display)],
    };
  }

  describe("Identity", () => {
    let ids: Record<string, string>;

    it("preview shows the creates", async () => {
      expect((await t.stack.preview()).changeSummary).toEqual({ create: 3 });
    });

    it("up creates them on the server, each managed by its own scope, with a working password", async () => {
      const up = await t.stack.up();
      ids = { alice: up.outputs.alice.value, bob: up.outputs.bob.value };
      const alice = await api.get(ids.alice);
      expect(alice.traits).toEqual({ email: "alice@pulumi.test", name: { first: "Alice" } });
      expect(alice.verifiable_addresses?.[0]).toMatchObject({
        value: "alice@pulumi.test",
        verified: true,
        status: "completed",
      });
      const scope = (name: string) =>
        expect.stringMatching(new RegExp(`^ory-reconcile-test-identity-${name}-[0-9a-f]{8}$`));
      expect(readMarker(alice.metadata_admin)).toEqual({
        set: scope("alice"),
        key: keyDigest("alice@pulumi.test", EMAIL_KEY),
        password: expect.stringMatching(/^s3:/),
      });
      expect((await api.get(ids.bob)).metadata_admin).toEqual({
        team: "ops",
        ory_reconcile: { set: scope("bob"), key: keyDigest("bob@pulumi.test", EMAIL_KEY) },
      });
      const session = await login(kratos.publicUrl, "alice@pulumi.test", "first-Password-1");
      expect(session.status).toBe(200);
      expect(session.session?.identity?.id).toBe(ids.alice);
    });

    it("a second preview is a no-op", async () => {
      expect((await t.stack.preview()).changeSummary).toEqual({ same: 3 });
    });

    it("check reports invalid inputs with the CLI's messages", async () => {
      const saved = declared;
      declared = { ...declared, carol: { traits: { email: "carol@pulumi.test" }, state: "actve" as "active" } };
      try {
        await expect(t.stack.preview()).rejects.toThrow(
          /has a problem: state: unexpected value .{1,2}actve.{1,2}: expected one of active, inactive\s+hint: did you mean/,
        );
      } finally {
        declared = saved;
      }
    });

    it("a changed trait is an update in place naming exactly traits", async () => {
      change("bob", { traits: { email: "bob@pulumi.test", name: { first: "Robert" } } });
      writes();
      const preview = await previewChanges();
      expect(preview.summary).toEqual({ same: 2, update: 1 });
      expect(preview.provider).toEqual(["bob@pulumi.test: traits"]);
      expect(preview.display).toEqual(["bob: ~traits"]);
      expect(writes()).toEqual([]);
      const up = await t.stack.up();
      expect(writes()).toEqual([`PATCH /admin/identities/${ids.bob}`]);
      expect(up.summary.resourceChanges).toEqual({ same: 2, update: 1 });
      expect(up.outputs.bob.value).toBe(ids.bob);
      expect((await api.get(ids.bob)).traits).toEqual({ email: "bob@pulumi.test", name: { first: "Robert" } });
    });

    it("an out-of-band change shows up on refresh and names the drifted property; up reverts it", async () => {
      await api.patch(ids.bob, [{ op: "add", path: "/metadata_public", value: { vip: true } }]);
      const refresh = await t.stack.refresh();
      expect(refresh.summary.resourceChanges).toEqual({ same: 2, update: 1 });
      const bob = (await t.stack.exportStack()).deployment.resources.find((r: { urn: string }) =>
        r.urn.endsWith("::bob"),
      );
      expect(bob.outputs.metadataPublic).toEqual({ vip: true });
      const preview = await previewChanges();
      expect(preview.provider).toEqual(["bob@pulumi.test: metadataPublic"]);
      expect(preview.display).toEqual(["bob: -metadataPublic"]);
      await t.stack.up();
      expect((await api.get(ids.bob)).metadata_public).toBeNull();
      expect((await t.stack.preview()).changeSummary).toEqual({ same: 3 });
    });

    it("a new password with policy enforce is set (the new one logs in, the old one no longer does)", async () => {
      change("alice", { password: "second-Password-2" });
      const preview = await previewChanges();
      expect(preview.summary).toEqual({ same: 2, update: 1 });
      expect(preview.provider).toEqual(["alice@pulumi.test: password"]);
      expect(preview.display).toEqual([]); // the CLI never says which secret changed
      writes();
      await t.stack.up();
      expect(writes()).toEqual([`PUT /admin/identities/${ids.alice}`]);
      expect((await login(kratos.publicUrl, "alice@pulumi.test", "second-Password-2")).status).toBe(200);
      expect((await login(kratos.publicUrl, "alice@pulumi.test", "first-Password-1")).status).toBe(400);
      expect((await t.stack.preview()).changeSummary).toEqual({ same: 3 });
    });

    it("a new key value (email) updates the same identity", async () => {
      change("bob", { traits: { email: "robert@pulumi.test", name: { first: "Robert" } } });
      const up = await t.stack.up();
      expect(up.summary.resourceChanges).toEqual({ same: 2, update: 1 });
      expect(up.outputs.bob.value).toBe(ids.bob);
      expect((await api.get(ids.bob)).traits?.email).toBe("robert@pulumi.test");
    });

    it("a new set moves the ownership marker in place: same identity, nothing deleted", async () => {
      change("bob", { set: "moved" });
      const up = await t.stack.up();
      expect(up.summary.resourceChanges).toEqual({ same: 2, update: 1 });
      expect(up.outputs.bob.value).toBe(ids.bob);
      // The key update before rewrote the key digest (the marker records robert@, not bob@).
      expect((await api.get(ids.bob)).metadata_admin).toEqual({
        team: "ops",
        ory_reconcile: { set: "moved", key: keyDigest("robert@pulumi.test", EMAIL_KEY) },
      });
    });

    it("takes over an existing identity only with adopt: true", async () => {
      const carolId = (await api.create({ schema_id: "default", traits: { email: "carol@pulumi.test" } })).id;
      declared = { ...declared, carol: { traits: { email: "carol@pulumi.test", name: { first: "Carol" } } } };
      const refused = await t.stack.up().then(
        () => "",
        (error: Error) => error.message,
      );
      expect(refused).toContain(
        `/carol@pulumi.test: live identity ${carolId} has this key but is not managed by ory-reconcile (no ownership marker), and adoption was not asked for`,
      );
      expect(refused).toContain("hint: set adopt: true on the Identity resource to take it over");
      expect(readMarker((await api.get(carolId)).metadata_admin)).toBeUndefined(); // untouched
      change("carol", { adopt: true });
      const up = await t.stack.up();
      expect(up.outputs.carol.value).toBe(carolId);
      const carol = await api.get(carolId);
      expect(carol.traits).toEqual({ email: "carol@pulumi.test", name: { first: "Carol" } });
      expect(readMarker(carol.metadata_admin)?.set).toMatch(/^ory-reconcile-test-identity-carol-[0-9a-f]{8}$/);
    });

    it("destroy removes exactly the managed identities", async () => {
      const destroy = await t.stack.destroy();
      expect(destroy.summary.resourceChanges).toEqual({ delete: 4 });
      expect((await api.list()).map((i) => i.id)).toEqual([unmanagedId]);
    });
  });
});
