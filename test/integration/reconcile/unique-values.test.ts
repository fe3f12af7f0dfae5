// Values only one identity may hold (credential identifiers, verifiable and recovery addresses, external_id), on
// every real server: a write that would clash with a live identity is a plan error naming it, with nothing sent; a
// changed username whose e-mail only the pruned old identity holds is that identity renamed, updated in place.
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, canLogIn } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const PASSWORD = "ann-Secret-4711";

interface JsonPlanOut {
  sets: Array<{ name: string; actions: Array<{ action: string; key: string; id?: string; patch?: unknown[] }> }>;
  summary: Record<string, number>;
}

describeServers("all", "unique values are seen before writing", (server) => {
  const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.proxy.url, ANN_PASSWORD: PASSWORD }));

  const client = () => admin(fixture.kratos.adminUrl);
  // Every write request, without its query.
  const writes = () =>
    fixture.proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).filter((r) => !r.startsWith("GET "));
  const users = (name: string, identities: string, prune = true) =>
    manifestDir({ "users.yaml": setYaml(name, `key: traits.username\nprune: ${prune}\nidentities:\n${identities}`) });
  const person = (username: string, email: string, password = false) =>
    `  - traits: { email: ${email}, username: ${username} }\n` +
    (password ? '    credentials: { password: { password: "${env:ANN_PASSWORD}" } }\n' : "");

  it("renames: a changed username with the same e-mail updates the identity in place, keeping its id and password", async () => {
    expect((await runCli(["apply", users("rename", person("ann", "ann@example.com", true))], fixture.env)).code).toBe(
      0,
    );
    const [before] = (await client().listIdentities({ pageSize: 1000 })).filter(
      (i) => (i.traits as { username?: string }).username === "ann",
    );
    expect(await canLogIn(fixture.kratos.publicUrl, "ann@example.com", PASSWORD)).toBe(true);

    const renamed = users("rename", person("ann-m", "ann@example.com", true));
    const planned = await runCli(["plan", renamed, "--output", "json"], fixture.env);
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as JsonPlanOut;
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions).toEqual([
      expect.objectContaining({
        action: "update",
        key: "ann-m",
        id: before.id,
        patch: [
          { op: "replace", path: "/traits/username", value: "ann-m" },
          // The marker records the new key (the digest itself is never printed).
          { op: "replace", path: "/metadata_admin/ory_reconcile/key", value: "(sensitive)" },
        ],
      }),
    ]);
    const text = await runCli(["plan", renamed], fixture.env);
    expect(text.stdout).toContain("Plan: 0 to create, 1 to update, 0 to delete, 0 to adopt.");

    fixture.proxy.clear();
    const applied = await runCli(["apply", renamed], fixture.env);
    expect(applied.stdout + applied.stderr).toContain(
      "Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.",
    );
    expect(applied.code).toBe(0);
    expect(writes()).toEqual([`PATCH /admin/identities/${before.id}`]);
    const after = await client().getIdentity(before.id);
    expect(after.traits).toEqual({ email: "ann@example.com", username: "ann-m" });
    expect(after.metadata_admin).toEqual({
      ory_reconcile: { set: "rename", key: keyDigest("ann-m", { kind: "trait", path: ["username"] }) },
    });
    expect(await canLogIn(fixture.kratos.publicUrl, "ann@example.com", PASSWORD)).toBe(true);

    fixture.proxy.clear();
    expect((await runCli(["plan", renamed, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    expect(writes()).toEqual([]);
  });

  it("refuses a create whose e-mail an unmanaged identity holds, naming it, and writes nothing", async () => {
    const stranger = await client().createIdentity({
      schema_id: "default",
      traits: { email: "Bea@Example.com", username: "someone" },
    });
    const dir = users("strangers", person("bea", "bea@example.com"));
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], fixture.env);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      new RegExp(
        `users\\.yaml:\\d+:\\d+: .*strangers/bea: traits\\.email "bea@example\\.com" is already held by live identity ${stranger.id} \\(not managed by ory-reconcile\\) in traits\\.email, as its password identifier, code identifier, verifiable address \\(email\\) and recovery address \\(email\\)`,
      ),
    );
    expect(writes()).toEqual([]);
  });

  it("refuses two declared identities with one e-mail under different keys, and writes nothing", async () => {
    const dir = users("twins", person("cai", "cai@example.com") + person("cai2", "CAI@example.com"));
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], fixture.env);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      /users\.yaml:\d+:\d+: .*twins\/cai2: traits\.email "CAI@example\.com" would also be the password identifier, .* of .*users\.yaml:\d+:\d+ \(twins\/cai\)/,
    );
    expect(writes()).toEqual([]);
    expect(
      (await client().listIdentities({ pageSize: 1000 })).filter(
        (i) => (i.traits as { email?: string }).email === "cai@example.com",
      ),
    ).toEqual([]);
  });

  it("refuses an update to an e-mail another live identity holds, and writes nothing", async () => {
    const dir = (email: string) => users("movers", person("dan", "dan@example.com") + person("eve", email), false);
    expect((await runCli(["apply", dir("eve@example.com")], fixture.env)).code).toBe(0);
    const dan = (await client().listIdentities({ pageSize: 1000 })).find(
      (i) => (i.traits as { username?: string }).username === "dan",
    )!;
    fixture.proxy.clear();
    const result = await runCli(["apply", dir("dan@example.com")], fixture.env);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      `movers/eve: traits.email "dan@example.com" is already held by live identity ${dan.id} (managed by set movers)`,
    );
    expect(writes()).toEqual([]);
  });

  if (server !== "v1.3.1") {
    it("refuses a create whose external_id another identity holds, and writes nothing", async () => {
      const holder = await client().createIdentity({
        schema_id: "default",
        traits: { email: "fay@example.com" },
        external_id: "ext-fay",
      });
      const dir = manifestDir({
        "ext.yaml": setYaml(
          "ext",
          "key: traits.email\nidentities:\n  - traits: { email: gus@example.com }\n    external_id: ext-fay",
        ),
      });
      fixture.proxy.clear();
      const result = await runCli(["apply", dir], fixture.env);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain(
        `ext/gus@example.com: external_id "ext-fay" is already held by live identity ${holder.id} (not managed by ory-reconcile)`,
      );
      expect(writes()).toEqual([]);
    });
  }

  afterAll(() => {
    expect(allOutputs.join("\n")).not.toContain(PASSWORD);
  });
});
