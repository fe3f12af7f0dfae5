// IdentitySet under the real Pulumi CLI against a real Kratos: preview, up, no-op preview, an edited manifest
// (update in place), drift found by refresh, destroy of exactly the managed identities.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { readMarker } from "../../../src/reconcile/core/marker";
import { IdentitySet } from "../../../src/resources";
import { adminApi, ensureBuilt, projectStack, ProjectStack } from "./project";
import { describeServers } from "../../support/servers";

const manifest = (bobFirst: string) => `apiVersion: ory-reconcile/v1
kind: IdentitySet
metadata:
  name: team
spec:
  key: traits.email
  identities:
    - traits: { email: alice@team.test, name: { first: Alice } }
      metadata_public: { role: admin }
    - traits: { email: bob@team.test, name: { first: ${bobFirst} } }
`;

describeServers("all", "Pulumi IdentitySet", (server) => {
  let kratos: Kratos;
  let t: ProjectStack;
  let dir: string;
  let file: string;
  let api: ReturnType<typeof adminApi>;
  let unmanagedId: string;

  beforeAll(async () => {
    await ensureBuilt();
    kratos = await startKratos({ server });
    api = adminApi(kratos.adminUrl);
    unmanagedId = (await api.create({ schema_id: "default", traits: { email: "outsider@team.test" } })).id;
    dir = mkdtempSync(join(tmpdir(), "ory-reconcile-set-"));
    file = join(dir, "team.yaml");
    writeFileSync(file, manifest("Bob"));
    t = await projectStack(
      "set",
      async () => {
        const team = new IdentitySet("team", { manifest: file });
        return { ids: team.ids, counts: team.counts };
      },
      { ORY_ADMIN_URL: kratos.adminUrl },
    );
  });

  afterAll(async () => {
    await t?.dispose();
    await kratos?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const managedByTeam = async () => (await api.list()).filter((i) => readMarker(i.metadata_admin)?.set === "team");

  describe("IdentitySet", () => {
    let ids: Record<string, string>;

    it("preview shows the set to create and writes nothing", async () => {
      const preview = await t.stack.preview();
      expect(preview.changeSummary).toEqual({ create: 2 });
      expect(await api.list()).toHaveLength(1);
    });

    it("up creates the declared identities on the server, with the ownership marker", async () => {
      const up = await t.stack.up();
      expect(up.summary.result).toBe("succeeded");
      ids = up.outputs.ids.value;
      expect(Object.keys(ids).sort()).toEqual(["alice@team.test", "bob@team.test"]);
      expect(up.outputs.counts.value).toEqual({ create: 2, update: 0, delete: 0, adopt: 0, noop: 0 });
      const managed = await managedByTeam();
      expect(managed.map((i) => [i.traits?.email, i.id]).sort()).toEqual(Object.entries(ids).sort());
      expect((await api.get(ids["alice@team.test"])).metadata_public).toEqual({ role: "admin" });
    });

    it("a second preview is a no-op", async () => {
      const preview = await t.stack.preview();
      expect(preview.changeSummary).toEqual({ same: 2 });
    });

    it("an edited manifest is an update in place, with the engine's plan in the preview", async () => {
      writeFileSync(file, manifest("Robert"));
      const preview = await t.stack.preview();
      expect(preview.changeSummary).toEqual({ same: 1, update: 1 });
      expect(preview.stdout).toContain("IdentitySet team: ~ update team/bob@team.test");
      expect(preview.stdout).toContain('IdentitySet team:     ~ /traits/name/first: "Bob" -> "Robert"');
      expect(preview.stdout).toContain("IdentitySet team: Plan: 0 to create, 1 to update, 0 to delete, 0 to adopt.");
      const up = await t.stack.up();
      expect(up.summary.resourceChanges).toEqual({ same: 1, update: 1 });
      expect(up.outputs.ids.value).toEqual(ids); // the same identities: nothing replaced
      expect((await api.get(ids["bob@team.test"])).traits).toEqual({
        email: "bob@team.test",
        name: { first: "Robert" },
      });
    });

    it("an out-of-band change shows up on refresh, and the next up reverts it", async () => {
      await api.patch(ids["alice@team.test"], [{ op: "replace", path: "/metadata_public/role", value: "intruder" }]);
      const refresh = await t.stack.refresh();
      expect(refresh.summary.resourceChanges).toEqual({ same: 1, update: 1 });
      const preview = await t.stack.preview();
      expect(preview.changeSummary).toEqual({ same: 1, update: 1 });
      expect(preview.stdout).toContain('IdentitySet team:     ~ /metadata_public/role: "intruder" -> "admin"');
      await t.stack.up();
      expect((await api.get(ids["alice@team.test"])).metadata_public).toEqual({ role: "admin" });
      expect((await t.stack.preview()).changeSummary).toEqual({ same: 2 });
    });

    it("check reports an invalid manifest with the CLI's messages and positions", async () => {
      writeFileSync(file, manifest("Robert").replace("metadata_public:", "metadata_publik:"));
      await expect(t.stack.preview()).rejects.toThrow(
        /has a problem: .*team\.yaml:9:7: spec\.identities\[0\]\.metadata_publik: unknown field .{1,2}metadata_publik.{1,2}\s+hint: did you mean .{1,2}metadata_public/,
      );
      writeFileSync(file, manifest("Robert"));
    });

    it("destroy without prune releases exactly the identities the set manages: kept, marker removed", async () => {
      const destroy = await t.stack.destroy();
      expect(destroy.summary.resourceChanges).toEqual({ delete: 2 });
      expect((await api.list()).map((i) => [i.id, readMarker(i.metadata_admin)]).sort()).toEqual(
        [...Object.values(ids), unmanagedId].map((id) => [id, undefined]).sort(),
      );
    });
  });
});
