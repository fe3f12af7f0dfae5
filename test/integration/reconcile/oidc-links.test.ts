// Declared OIDC links are the complete list, on every real server: missing links are added (a PUT that carries only
// them: the server appends what a PUT sends), undeclared ones removed (`DELETE …/credentials/oidc?identifier=…`),
// order does not matter, and links are read without any credential config (no OAuth tokens).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const PASSWORD = "pat-Secret-4711";

interface JsonPlanOut {
  sets: Array<{ name: string; actions: Array<Record<string, unknown>> }>;
  summary: Record<string, number>;
}

/** `[{ provider: google, subject: "1" }, …]` from `google:1`, … */
function providers(...links: string[]): string {
  return `[${links.map((link) => `{ provider: ${link.split(":")[0]}, subject: "${link.split(":")[1]}" }`).join(", ")}]`;
}

/** A set `links` of one identity that declares these OIDC links (and maybe a password). */
function manifest(email: string, links: string[], password = false): string {
  const credentials = `{ ${password ? `password: { password: "\${env:PAT_PASSWORD}" }, ` : ""}oidc: { providers: ${providers(...links)} } }`;
  return manifestDir({
    "links.yaml": setYaml(
      "links",
      `key: traits.email\nidentities:\n  - traits: { email: ${email} }\n    credentials: ${credentials}`,
    ),
  });
}

describeServers("all", "OIDC links", (server) => {
  const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.proxy.url, PAT_PASSWORD: PASSWORD }));

  const client = () => admin(fixture.kratos.adminUrl);
  /** The links as the server holds them, sorted. */
  const links = async (id: string) =>
    [...((await client().getIdentity(id)).credentials?.oidc?.identifiers ?? [])].sort();
  const idOf = async (email: string) =>
    (await client().listIdentities({ pageSize: 1000 })).find((i) => (i.traits as { email?: string }).email === email)!
      .id;
  // Every request but the capability probe, with its query decoded.
  const requests = () =>
    fixture.proxy.requests
      .map((r) => `${r.method} ${decodeURIComponent(r.path)}`)
      .filter((r) => r !== "GET /admin/version");
  const writes = () => requests().filter((r) => !r.startsWith("GET "));
  const lists = () => requests().filter((r) => r.startsWith("GET /admin/identities?"));
  const planJson = async (dir: string): Promise<JsonPlanOut> => {
    const result = await runCli(["plan", dir, "--output", "json"], fixture.env);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    return JSON.parse(result.stdout) as JsonPlanOut;
  };
  const apply = async (dir: string) => {
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], fixture.env);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    return result;
  };
  /** A second plan finds nothing to do, and reads the identities once, asking for no credential config. */
  const expectNoop = async (dir: string) => {
    fixture.proxy.clear();
    expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    expect(requests()).toEqual([expect.stringMatching(/^GET \/admin\/identities\?/)]);
    expect(lists()[0]).toContain("include_credential=link_recovery");
  };
  const linkChange = (before: string[], after: string[]) => ({ path: "/credentials/oidc/providers", before, after });

  it("adds a second provider with a PUT of only the new link, removes an undeclared one, reading no tokens", async () => {
    await apply(manifest("ada@example.com", ["google:g-1"]));
    const id = await idOf("ada@example.com");
    expect(await links(id)).toEqual(["google:g-1"]);

    const both = manifest("ada@example.com", ["google:g-1", "github:gh-1"]);
    fixture.proxy.clear();
    const plan = await planJson(both);
    expect(plan.summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 0 });
    expect(plan.sets[0].actions).toEqual([
      expect.objectContaining({
        action: "update",
        id,
        patch: [],
        credentials: { oidc: { providers: [{ provider: "github", subject: "gh-1" }] } },
        changes: [linkChange(["google:g-1"], ["google:g-1", "github:gh-1"])],
      }),
    ]);
    // One list, which names `link_recovery` (identifiers, no config) and never `oidc` (every linked user's tokens).
    expect(lists()).toHaveLength(1);
    expect(lists()[0]).toContain("include_credential=link_recovery");
    expect(lists()[0]).not.toContain("include_credential=oidc");

    await apply(both);
    expect(writes()).toEqual([`PUT /admin/identities/${id}`]);
    const put = JSON.parse(fixture.proxy.requests.find((r) => r.method === "PUT")!.body!) as { credentials: unknown };
    expect(put.credentials).toEqual({ oidc: { config: { providers: [{ provider: "github", subject: "gh-1" }] } } });
    expect(await links(id)).toEqual(["github:gh-1", "google:g-1"]);
    await expectNoop(both);

    const githubOnly = manifest("ada@example.com", ["github:gh-1"]);
    const removal = await planJson(githubOnly);
    expect(removal.sets[0].actions).toEqual([
      expect.objectContaining({
        action: "update",
        id,
        patch: [],
        unlink: ["google:g-1"],
        changes: [linkChange(["github:gh-1", "google:g-1"], ["github:gh-1"])],
      }),
    ]);
    expect(removal.sets[0].actions[0]).not.toHaveProperty("credentials");
    const applied = await apply(githubOnly);
    expect(applied.stdout).toContain("Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.");
    expect(writes()).toEqual([`DELETE /admin/identities/${id}/credentials/oidc?identifier=google:g-1`]);
    expect(await links(id)).toEqual(["github:gh-1"]);
    await expectNoop(githubOnly);
  });

  it("adds a second subject of the same provider, ignores the order, and changes a subject adding before removing", async () => {
    await apply(manifest("bea@example.com", ["github:b-1"]));
    const id = await idOf("bea@example.com");

    const two = manifest("bea@example.com", ["github:b-2", "github:b-1"]);
    await apply(two);
    expect(writes()).toEqual([`PUT /admin/identities/${id}`]);
    expect(await links(id)).toEqual(["github:b-1", "github:b-2"]);
    await expectNoop(two);
    // The same links in another order: nothing to do.
    await expectNoop(manifest("bea@example.com", ["github:b-1", "github:b-2"]));

    // A new subject for the provider: the new link is added first, so the identity can always sign in.
    const moved = manifest("bea@example.com", ["github:b-3"]);
    const plan = await planJson(moved);
    expect(plan.sets[0].actions).toEqual([
      expect.objectContaining({
        credentials: { oidc: { providers: [{ provider: "github", subject: "b-3" }] } },
        unlink: ["github:b-1", "github:b-2"],
        changes: [linkChange(["github:b-1", "github:b-2"], ["github:b-3"])],
      }),
    ]);
    await apply(moved);
    expect(writes()).toEqual([
      `PUT /admin/identities/${id}`,
      `DELETE /admin/identities/${id}/credentials/oidc?identifier=github:b-1`,
      `DELETE /admin/identities/${id}/credentials/oidc?identifier=github:b-2`,
    ]);
    expect(await links(id)).toEqual(["github:b-3"]);
    await expectNoop(moved);
  });

  it("removes the last link of an identity with a password", async () => {
    await apply(manifest("pat@example.com", ["google:p-1"], true));
    const id = await idOf("pat@example.com");
    const none = manifest("pat@example.com", [], true);
    await apply(none);
    expect(writes()).toEqual([`DELETE /admin/identities/${id}/credentials/oidc?identifier=google:p-1`]);
    expect(await links(id)).toEqual([]);
    await expectNoop(none);
  });

  it(`removes the last link of an identity without a password ${server === "v1.3.1" ? "(v1.3.1 allows it)" : "only if the server allows it (it refuses)"}`, async () => {
    await apply(manifest("sol@example.com", ["google:s-1"]));
    const id = await idOf("sol@example.com");
    const none = manifest("sol@example.com", []);
    expect((await planJson(none)).sets[0].actions).toEqual([
      expect.objectContaining({ action: "update", unlink: ["google:s-1"] }),
    ]);
    fixture.proxy.clear();
    const result = await runCli(["apply", none], fixture.env);
    expect(writes()).toEqual([`DELETE /admin/identities/${id}/credentials/oidc?identifier=google:s-1`]);
    if (server === "v1.3.1") {
      expect(result.code).toBe(0);
      expect(await links(id)).toEqual([]);
      await expectNoop(none);
    } else {
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toContain("cannot remove the OIDC link google:s-1");
      expect(result.stdout + result.stderr).toContain("You cannot remove the last first factor credential");
      expect(result.stdout + result.stderr).toContain("give it a password or keep one provider");
      expect(await links(id)).toEqual(["google:s-1"]);
    }
  });

  it("exports the links in manifest form, and the export plans as a no-op", async () => {
    await apply(manifest("eve@example.com", ["google:e-1", "github:e-2"]));
    const out = mkdtempSync(join(tmpdir(), "ory-reconcile-export-"));
    fixture.proxy.clear();
    const exported = await runCli(["export", "--set", "links", "--key", "traits.email", "--out", out], fixture.env);
    expect(exported.code).toBe(0);
    expect(
      lists().every(
        (list) => list.includes("include_credential=link_recovery") && !list.includes("include_credential=oidc"),
      ),
    ).toBe(true);
    const yaml = readFileSync(join(out, "links.yaml"), "utf8");
    const identities = (
      parse(yaml) as { spec: { identities: Array<{ traits: { email: string }; credentials?: unknown }> } }
    ).spec.identities;
    expect(identities.find((i) => i.traits.email === "eve@example.com")?.credentials).toEqual({
      oidc: {
        providers: [
          { provider: "github", subject: "e-2" },
          { provider: "google", subject: "e-1" },
        ],
      },
    });
    expect(yaml).not.toContain("password");
    await expectNoop(out);
  });

  it("refuses a link declared twice, sending nothing", async () => {
    const twice = manifest("dup@example.com", ["google:d-1", "google:d-1"]);
    fixture.proxy.clear();
    const result = await runCli(["apply", twice], fixture.env);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(
      /links\.yaml:\d+:\d+: .*duplicate OIDC link google:d-1: also declared at providers\[0\]/,
    );
    expect(requests()).toEqual([]);
  });

  afterAll(() => {
    expect(allOutputs.join("\n")).not.toContain(PASSWORD);
  });
});
