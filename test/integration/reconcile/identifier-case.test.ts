// Keys compared as the server compares credential identifiers (issue 13 item 1), on every real server: Kratos
// stores the identifier of a trait marked `credentials.password.identifier` lower-cased, so a user who registered
// as `Dana@Example.com` is the identity a manifest declares as `dana@example.com`.
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, canLogIn } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const PASSWORD = "dana-Secret-4711";

interface JsonPlanOut {
  sets: Array<{ name: string; actions: Array<{ action: string; key: string; id?: string; patch?: unknown[] }> }>;
  summary: Record<string, number>;
}

describeServers("all", "identifier keys compare as the server compares them", (server) => {
  const fixture = kratosBehindProxy(server);

  const client = () => admin(fixture.kratos.adminUrl);
  const planJson = async (dir: string): Promise<JsonPlanOut> => {
    const result = await runCli(["plan", dir, "--output", "json"], fixture.env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as JsonPlanOut;
  };
  // Every request but the capability probe (`GET /admin/version`), without its query.
  const requests = () =>
    fixture.proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).filter((r) => r !== "GET /admin/version");
  // Kratos v1.x answers `GET /schemas` on its admin port with a redirect (to /admin/schemas here).
  const schemaReads = () => (server === "v1.3.1" ? ["GET /schemas", "GET /admin/schemas"] : ["GET /schemas"]);

  it("adopts Dana@Example.com for dana@example.com, fixes the case, keeps her id and her password", async () => {
    const seeded = await client().createIdentity({
      schema_id: "default",
      traits: { email: "Dana@Example.com" },
      credentials: { password: { config: { password: PASSWORD } } },
    });
    const dir = manifestDir({
      "staff.yaml": setYaml(
        "staff",
        "key: traits.email\nadopt: true\nidentities:\n  - traits: { email: dana@example.com }",
      ),
    });

    fixture.proxy.clear();
    const plan = await planJson(dir);
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, adopt: 1, noop: 0 });
    expect(plan.sets[0].actions).toEqual([
      expect.objectContaining({
        action: "adopt",
        key: "dana@example.com",
        id: seeded.id,
        patch: expect.arrayContaining([{ op: "replace", path: "/traits/email", value: "dana@example.com" }]),
      }),
    ]);
    // The listing, then the identity schemas (which the pre-write check reads anyway), nothing else.
    expect(requests()).toEqual(["GET /admin/identities", ...schemaReads()]);

    fixture.proxy.clear();
    const applied = await runCli(["apply", dir], fixture.env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete: 0 created, 0 updated, 1 adopted, 0 deleted, 0 failed.");
    // Adopting revokes its sessions before and after the write (spec.sessions.revoke_on defaults to [deactivate, adopt]).
    expect(requests().filter((r) => !r.startsWith("GET "))).toEqual([
      `DELETE /admin/identities/${seeded.id}/sessions`,
      `PATCH /admin/identities/${seeded.id}`,
      `DELETE /admin/identities/${seeded.id}/sessions`,
    ]);
    const after = await client().getIdentity(seeded.id, ["password"]);
    expect(after.traits).toEqual({ email: "dana@example.com" });
    expect(after.credentials?.password?.identifiers).toEqual(["dana@example.com"]);
    expect(await canLogIn(fixture.kratos.publicUrl, "dana@example.com", PASSWORD)).toBe(true);
    expect(await canLogIn(fixture.kratos.publicUrl, "Dana@Example.com", PASSWORD)).toBe(true);

    fixture.proxy.clear();
    expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    // A no-op plan reads the identities only.
    expect(requests()).toEqual(["GET /admin/identities"]);
  });

  it("turns a managed key change that only differs in case into one update of the same identity, with prune", async () => {
    const yaml = (email: string) =>
      manifestDir({
        "team.yaml": setYaml(
          "casing",
          `key: traits.email\nprune: true\nidentities:\n  - traits: { email: ${email}, name: { first: Erin } }`,
        ),
      });
    expect((await runCli(["apply", yaml("erin@example.com")], fixture.env)).code).toBe(0);
    const before = (await client().listIdentities({ pageSize: 1000 })).find(
      (i) => (i.traits as { email?: string }).email === "erin@example.com",
    )!;

    const renamed = yaml("Erin@Example.com");
    const plan = await planJson(renamed);
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions).toEqual([
      {
        action: "update",
        key: "Erin@Example.com",
        id: before.id,
        patch: [{ op: "replace", path: "/traits/email", value: "Erin@Example.com" }],
        changes: expect.anything(),
        live_digest: expect.any(String),
      },
    ]);
    fixture.proxy.clear();
    const applied = await runCli(["apply", renamed], fixture.env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.");
    expect(requests().filter((r) => !r.startsWith("GET "))).toEqual([`PATCH /admin/identities/${before.id}`]);
    expect((await client().getIdentity(before.id)).traits).toEqual({
      email: "Erin@Example.com",
      name: { first: "Erin" },
    });
    expect((await runCli(["plan", renamed, "--detailed-exitcode"], fixture.env)).code).toBe(0);
  });

  it("keeps a key trait that the schema does not mark as an identifier (username) case-sensitive", async () => {
    const frank = await client().createIdentity({
      schema_id: "default",
      traits: { email: "frank@example.com", username: "frank" },
    });
    const dir = manifestDir({
      "users.yaml": setYaml(
        "users",
        "key: traits.username\nidentities:\n  - traits: { email: frank2@example.com, username: Frank }",
      ),
    });
    const plan = await planJson(dir);
    expect(plan.summary).toEqual({ create: 1, update: 0, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions.map((a) => [a.action, a.key])).toEqual([["create", "Frank"]]);
    expect((await runCli(["apply", dir], fixture.env)).code).toBe(0);
    expect((await client().getIdentity(frank.id)).traits).toEqual({ email: "frank@example.com", username: "frank" });
  });

  it("refuses two declared keys that differ only in case under an identifier key, at file:line:col, writing nothing", async () => {
    const dir = manifestDir({
      "twins.yaml": setYaml(
        "twins",
        "key: traits.email\nidentities:\n  - traits: { email: gina@example.com }\n  - traits: { email: Gina@Example.com }",
      ),
    });
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], fixture.env);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      /twins\.yaml:\d+:\d+: .*duplicate key "Gina@Example.com": also declared at .*twins\.yaml:\d+:\d+ as "gina@example.com"/,
    );
    expect(requests().filter((r) => !r.startsWith("GET "))).toEqual([]);
  });

  afterAll(() => {
    expect(allOutputs.join("\n")).not.toContain(PASSWORD);
  });
});
