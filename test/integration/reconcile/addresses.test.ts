// Addresses the server keeps, on every real server: Kratos derives verifiable and recovery addresses from the traits
// its identity schema marks and drops every other declared one; the status of a verifiable address is what was
// declared (or, when none is, what `verified` implies), on create as on update.
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

describeServers("all", "declared addresses", (server) => {
  const fixture = kratosBehindProxy(server);

  const client = () => admin(fixture.kratos.adminUrl);
  // Every request but the capability probe (`GET /admin/version`), without its query.
  const requests = () =>
    fixture.proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).filter((r) => r !== "GET /admin/version");
  // Kratos v1.x answers `GET /schemas` on its admin port with a redirect (to /admin/schemas here).
  const schemaReads = () => (server === "v1.3.1" ? ["GET /schemas", "GET /admin/schemas"] : ["GET /schemas"]);
  const byEmail = async (email: string): Promise<LiveIdentity> =>
    (await client().listIdentities({ pageSize: 1000 })).find((i) => (i.traits as { email?: string }).email === email)!;
  const addresses = (identity: LiveIdentity) => ({
    verifiable: (identity.verifiable_addresses ?? []).map((a) => ({
      value: a.value,
      via: a.via,
      verified: a.verified,
      status: a.status,
    })),
    recovery: (identity.recovery_addresses ?? []).map((a) => ({ value: a.value, via: a.via })),
  });

  it("refuses every declared address list the identity schema cannot produce, at file:line:col, and writes nothing", async () => {
    const dir = manifestDir({
      "addr.yaml": setYaml(
        "impossible",
        [
          "key: traits.email",
          "identities:",
          "  - traits: { email: alma@example.com }", // line 8
          "    verifiable_addresses: [{ value: alma@example.com, via: email, verified: true }, { value: alma.other@example.com, via: email, verified: true }]",
          "  - traits: { email: bert@example.com }", // line 10
          "    verifiable_addresses: [{ value: bert@example.com, via: sms, verified: true }]",
          "  - traits: { email: cleo@example.com, username: cleo.alt@example.com }", // line 12
          "    verifiable_addresses: [{ value: cleo@example.com, via: email }, { value: cleo.alt@example.com, via: email }]",
          "  - traits: { email: dirk@example.com }", // line 14
          "    recovery_addresses: [{ value: dirk@example.com, via: email }, { value: dirk.backup@example.com, via: email }]",
          "  - traits: { email: edda@example.com }", // line 16
          "    verifiable_addresses: []",
          "  - traits: { email: Finn@Example.com }", // line 18: compared as the server compares it
          "    verifiable_addresses: [{ value: FINN@example.com, via: email, verified: true }]",
          "    recovery_addresses: [{ value: finn@example.COM, via: email }]",
        ].join("\n"),
      ),
    });
    fixture.proxy.clear();
    for (const command of ["plan", "apply"]) {
      const result = await runCli([command, dir], fixture.env);
      const out = result.stdout + result.stderr;
      expect(result.code).toBe(1);
      const rule = (via: string) =>
        `is not the value of a trait that identity schema "default" marks for verification via ${via}`;
      expect(out).toMatch(
        new RegExp(
          `addr\\.yaml:8:7: impossible/alma@example\\.com: verifiable_addresses\\[1\\] \\(via email\\) ${rule("email")}: traits\\.email;`,
        ),
      );
      expect(out).toMatch(
        new RegExp(
          `addr\\.yaml:10:7: impossible/bert@example\\.com: verifiable_addresses\\[0\\] \\(via sms\\) ${rule("sms")}: none;`,
        ),
      );
      expect(out).toMatch(
        /addr\.yaml:10:7: impossible\/bert@example\.com: verifiable_addresses leaves out the address of traits\.email \(via email\)/,
      );
      expect(out).toMatch(
        new RegExp(
          `addr\\.yaml:12:7: impossible/cleo@example\\.com: verifiable_addresses\\[1\\] \\(via email\\) ${rule("email")}: traits\\.email;`,
        ),
      );
      expect(out).toMatch(
        /addr\.yaml:14:7: impossible\/dirk@example\.com: recovery_addresses\[1\] \(via email\) is not the value of a trait that identity schema "default" marks for recovery via email: traits\.email;/,
      );
      expect(out).toMatch(
        /addr\.yaml:16:7: impossible\/edda@example\.com: verifiable_addresses leaves out the address of traits\.email \(via email\), which identity schema "default" marks for verification; the server adds it/,
      );
      expect(out).not.toContain("Finn@Example.com: ");
      expect(out).toContain("mark the trait that holds this address with");
    }
    // Reads only: the listing and the identity schemas, once per run.
    expect(requests()).toEqual(["GET /admin/identities", ...schemaReads(), "GET /admin/identities", ...schemaReads()]);
  });

  it("makes the status follow from the manifest on create and on update, whatever the address went through", async () => {
    const seed = (email: string, verified: boolean, status: string) =>
      client().createIdentity({
        schema_id: "default",
        traits: { email },
        verifiable_addresses: [{ value: email, via: "email", verified, status }],
      } as never);
    // Live states a manifest's `verified` alone never reached: verified but pending, unverified but completed, …
    const gus = await seed("gus@example.com", true, "pending");
    const hana = await seed("hana@example.com", false, "completed");
    const ike = await seed("ike@example.com", true, "completed");
    const jo = await seed("jo@example.com", false, "sent");
    const yaml = ["key: traits.email", "identities:"];
    const entry = (email: string, verified: boolean) =>
      `  - traits: { email: ${email} }\n    verifiable_addresses: [{ value: ${email}, via: email, verified: ${verified} }]`;
    const dir = manifestDir({
      "status.yaml": setYaml(
        "status",
        [
          ...yaml,
          entry("gus@example.com", true),
          entry("hana@example.com", false),
          entry("ike@example.com", false),
          entry("jo@example.com", false),
          entry("kai@example.com", true),
        ].join("\n"),
      ),
    });

    fixture.proxy.clear();
    const applied = await runCli(["apply", dir, "--adopt"], fixture.env);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete: 1 created, 0 updated, 4 adopted, 0 deleted, 0 failed.");
    const writes = requests().filter((r) => !r.startsWith("GET "));
    // Each adoption also revokes the sessions before and after its write (revoke_on defaults to [deactivate, adopt]).
    expect(writes.sort()).toEqual(
      [
        "PATCH /admin/identities",
        ...[gus, hana, ike, jo].flatMap((i) => [
          `PATCH /admin/identities/${i.id}`,
          ...Array(2).fill(`DELETE /admin/identities/${i.id}/sessions`),
        ]),
      ].sort(),
    );

    const expected = (email: string, verified: boolean, status: string) => ({
      verifiable: [{ value: email, via: "email", verified, status }],
      recovery: [{ value: email, via: "email" }],
    });
    expect(addresses(await client().getIdentity(gus.id))).toEqual(expected("gus@example.com", true, "completed"));
    expect(addresses(await client().getIdentity(hana.id))).toEqual(expected("hana@example.com", false, "pending"));
    const ikeAfter = await client().getIdentity(ike.id);
    expect(addresses(ikeAfter)).toEqual(expected("ike@example.com", false, "pending"));
    expect(ikeAfter.verifiable_addresses?.[0].verified_at ?? null).toBeNull();
    // A verification message under way is left alone: an unverified address may be pending or sent.
    expect(addresses(await client().getIdentity(jo.id))).toEqual(expected("jo@example.com", false, "sent"));
    expect(addresses(await byEmail("kai@example.com"))).toEqual(expected("kai@example.com", true, "completed"));

    fixture.proxy.clear();
    expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    expect(requests()).toEqual(["GET /admin/identities"]);

    // The same address turned verified by the manifest later ends where a create with it starts.
    const later = manifestDir({
      "status.yaml": setYaml(
        "status",
        [
          ...yaml,
          entry("gus@example.com", true),
          entry("hana@example.com", true),
          entry("ike@example.com", true),
          entry("jo@example.com", true),
          entry("kai@example.com", true),
        ].join("\n"),
      ),
    });
    const again = await runCli(["apply", later], fixture.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Apply complete: 0 created, 3 updated, 0 adopted, 0 deleted, 0 failed.");
    for (const identity of [hana, ike, jo])
      expect(addresses(await client().getIdentity(identity.id)).verifiable).toEqual([
        expect.objectContaining({ verified: true, status: "completed" }),
      ]);
    expect((await runCli(["plan", later, "--detailed-exitcode"], fixture.env)).code).toBe(0);
  });

  it("reports addresses the server did not keep as failures when the schemas cannot be checked first", async () => {
    const dir = manifestDir({
      "kept.yaml": setYaml(
        "kept",
        "key: traits.email\nidentities:\n  - schema_id: default\n    traits: { email: lena@example.com }\n    verifiable_addresses: [{ value: lena@example.com, via: email, verified: true }, { value: lena.other@example.com, via: email, verified: true }]",
      ),
    });
    // The identity schemas cannot be read: the plan-time check is skipped and the server decides.
    fixture.proxy.setFaults({ rate404: 1, match: (method, path) => method === "GET" && path.endsWith("/schemas") });
    try {
      fixture.proxy.clear();
      const created = await runCli(["apply", dir], fixture.env);
      expect(created.code).toBe(1);
      expect(created.stdout + created.stderr).toContain(
        "not kept by the server: verifiable_addresses: lena.other@example.com (via email, verified, status completed)",
      );
      const lena = await byEmail("lena@example.com");
      expect(requests().filter((r) => !r.startsWith("GET "))).toEqual(["PATCH /admin/identities"]);
      // The listing, the batch's read-back, and the read-back of what it declared.
      expect(requests().filter((r) => r.startsWith("GET /admin/identities"))).toEqual([
        "GET /admin/identities",
        "GET /admin/identities",
        "GET /admin/identities",
      ]);

      fixture.proxy.clear();
      const updated = await runCli(["apply", dir], fixture.env);
      expect(updated.code).toBe(1);
      expect(updated.stdout + updated.stderr).toContain(
        "not kept by the server: verifiable_addresses: lena.other@example.com (via email, verified, status completed)",
      );
      expect(requests().filter((r) => !r.startsWith("GET "))).toEqual([`PATCH /admin/identities/${lena.id}`]);
      expect(addresses(await client().getIdentity(lena.id)).verifiable).toEqual([
        { value: "lena@example.com", via: "email", verified: true, status: "completed" },
      ]);
    } finally {
      fixture.proxy.setFaults(undefined);
    }
    // With the schemas readable the plan refuses the list instead.
    const refused = await runCli(["plan", dir, "--detailed-exitcode"], fixture.env);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(
      /kept\.yaml:\d+:\d+: kept\/lena@example\.com: verifiable_addresses\[1\]/,
    );
  });
});
