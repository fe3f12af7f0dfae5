// The ownership scope of Pulumi Identity resources, under the real Pulumi CLI against a real Kratos: an Identity
// never takes over an identity that the CLI (or another resource) manages unless told to adopt; its default scope is
// unique to its stack and resource; a resource created with the former shared default `pulumi` keeps it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { readMarker } from "../../../src/reconcile/core/marker";
import { Identity, IdentityArgs } from "../../../src/resources";
import { runCli } from "../../support/cli";
import { adminApi, ensureBuilt, projectStack, ProjectStack } from "./project";
import { describeServers } from "../../support/servers";

const EMAIL_KEY = { kind: "trait" as const, path: ["email"] };

const cliManifest = `apiVersion: ory-reconcile/v1
kind: IdentitySet
metadata:
  name: pulumi
spec:
  key: traits.email
  identities:
    - traits: { email: shared@scope.test }
      metadata_public: { owner: cli }
`;

describeServers("all", "Pulumi Identity ownership scope", (server) => {
  let kratos: Kratos;
  let api: ReturnType<typeof adminApi>;
  let dir: string;
  const stacks: ProjectStack[] = [];
  const declared: Record<string, Record<string, IdentityArgs>> = {};

  /** A stack whose program declares `declared[name]`, and exports each Identity's id and scope. */
  async function stack(name: string): Promise<ProjectStack> {
    declared[name] = {};
    const t = await projectStack(
      name,
      async () => {
        const out: Record<string, unknown> = {};
        for (const [resource, args] of Object.entries(declared[name])) {
          const identity = new Identity(resource, args);
          out[resource] = { id: identity.id, set: identity.set };
        }
        return out;
      },
      { ORY_ADMIN_URL: kratos.adminUrl },
    );
    stacks.push(t);
    return t;
  }

  beforeAll(async () => {
    await ensureBuilt();
    kratos = await startKratos({ server });
    api = adminApi(kratos.adminUrl);
    dir = mkdtempSync(join(tmpdir(), "ory-reconcile-scope-"));
    writeFileSync(join(dir, "pulumi.yaml"), cliManifest);
    expect((await runCli(["apply", dir], { ORY_ADMIN_URL: kratos.adminUrl })).code).toBe(0);
  });

  afterAll(async () => {
    for (const t of stacks) await t.dispose();
    await kratos?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an Identity declaring the key of a CLI-managed identity fails naming it and its owner; nothing is written", async () => {
    const before = await api.get((await api.byEmail("shared@scope.test"))!.id);
    expect(readMarker(before.metadata_admin)).toEqual({
      set: "pulumi",
      key: keyDigest("shared@scope.test", EMAIL_KEY),
    });
    const t = await stack("scope-claim");
    declared["scope-claim"] = { shared: { traits: { email: "shared@scope.test" } } };
    await expect(t.stack.up()).rejects.toThrow(`live identity ${before.id} is managed by set pulumi`);
    expect(await api.get(before.id)).toEqual(before);
    // The same scope as the CLI's set, declared: still a takeover, so still only with adopt.
    declared["scope-claim"] = { shared: { traits: { email: "shared@scope.test" }, set: "pulumi" } };
    await expect(t.stack.up()).rejects.toThrow(
      `identity ${before.id} with traits.email = "shared@scope.test" already exists and is managed by set pulumi (another resource or the CLI); an Identity resource takes it over only with adopt: true`,
    );
    expect(await api.get(before.id)).toEqual(before);
    expect((await runCli(["plan", dir, "--detailed-exitcode"], { ORY_ADMIN_URL: kratos.adminUrl })).code).toBe(0);
  });

  it("Identity resources in different stacks get different scopes; destroying one stack leaves the other's identity", async () => {
    const [a, b] = [await stack("scope-a"), await stack("scope-b")];
    declared["scope-a"] = { member: { traits: { email: "a@scope.test" } } };
    declared["scope-b"] = { member: { traits: { email: "b@scope.test" } } };
    const [upA, upB] = [await a.stack.up(), await b.stack.up()];
    const [memberA, memberB] = [upA.outputs.member.value, upB.outputs.member.value];
    expect(memberA.set).toMatch(/^ory-reconcile-test-scope-a-member-[0-9a-f]{8}$/);
    expect(memberB.set).toMatch(/^ory-reconcile-test-scope-b-member-[0-9a-f]{8}$/);
    expect(readMarker((await api.get(memberA.id)).metadata_admin)).toEqual({
      set: memberA.set,
      key: expect.stringMatching(/^traits\.email:/),
    });
    expect(readMarker((await api.get(memberB.id)).metadata_admin)).toEqual({
      set: memberB.set,
      key: expect.stringMatching(/^traits\.email:/),
    });
    expect((await a.stack.destroy()).summary.resourceChanges).toEqual({ delete: 2 });
    expect((await api.list()).map((i) => i.id)).not.toContain(memberA.id);
    expect((await api.get(memberB.id)).traits).toEqual({ email: "b@scope.test" });
  });

  it("a resource created with the former shared default keeps its scope: an up after upgrading replaces and deletes nothing", async () => {
    const t = await stack("scope-legacy");
    declared["scope-legacy"] = { old: { traits: { email: "old@scope.test" }, set: "pulumi" } };
    const id = (await t.stack.up()).outputs.old.value.id;
    // The state an earlier version wrote: `set: "pulumi"` filled in by check, no defaultSet.
    const state = await t.stack.exportStack();
    for (const resource of state.deployment.resources) {
      if (!String(resource.urn).endsWith("::old")) continue;
      expect(resource.inputs.set).toBe("pulumi");
      delete resource.inputs.defaultSet;
      delete resource.outputs.defaultSet;
    }
    await t.stack.importStack(state);
    declared["scope-legacy"] = {
      old: { traits: { email: "old@scope.test" } },
      fresh: { traits: { email: "fresh@scope.test" } },
    };
    const preview = await t.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2, create: 1 });
    const up = await t.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 2, create: 1 });
    expect(up.outputs.old.value).toEqual({ id, set: "pulumi" });
    expect(readMarker((await api.get(id)).metadata_admin)).toEqual({
      set: "pulumi",
      key: expect.stringMatching(/^traits\.email:/),
    });
    expect(up.outputs.fresh.value.set).toMatch(/^ory-reconcile-test-scope-legacy-fresh-[0-9a-f]{8}$/);
    const again = await t.stack.preview({ diff: true });
    if (process.env.DEBUG_PREVIEW) console.log(again.stdout);
    expect(again.changeSummary).toEqual({ same: 3 });
  });
});
