// Declared addresses in another form than the server stores them, on every real server: Kratos derives each address
// from its trait lower-cased and trimmed, and on create keeps a declared address's `verified` / `status` only when the
// declared value is the derived one after its own lower-casing (v1.3.1, v26.2.0: no trimming; later servers
// normalize both sides). An address written with surrounding spaces is the same address: kept as declared on the
// first apply, and the next plan is a no-op.
import type { LiveIdentity } from "../../../src/reconcile/core/types";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

describeServers("all", "declared addresses in another form", (server) => {
  const fixture = kratosBehindProxy(server);
  const byEmail = async (email: string): Promise<LiveIdentity> =>
    (await admin(fixture.kratos.adminUrl).listIdentities({ pageSize: 1000 })).find(
      (i) => (i.traits as { email?: string }).email === email,
    )!;
  // Every write request, without its query.
  const writes = () =>
    fixture.proxy.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`).filter((r) => !r.startsWith("GET "));

  it("keeps a verified address declared with surrounding spaces on create, and converges in one apply", async () => {
    const dir = manifestDir({
      "addr.yaml": setYaml(
        "spaced",
        [
          "key: traits.email",
          "identities:",
          "  - traits: { email: Ida@Example.com }",
          '    verifiable_addresses: [{ value: " IDA@example.com ", via: email, verified: true }]',
          '    recovery_addresses: [{ value: "ida@example.com\\t", via: email }]',
        ].join("\n"),
      ),
    });
    fixture.proxy.clear();
    const applied = await runCli(["apply", dir], fixture.env);
    expect(applied.stdout + applied.stderr).toContain(
      "Apply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.",
    );
    expect(applied.code).toBe(0);
    expect(writes()).toEqual(["PATCH /admin/identities"]);
    const ida = await byEmail("Ida@Example.com");
    expect(ida.verifiable_addresses?.map((a) => ({ value: a.value, verified: a.verified, status: a.status }))).toEqual([
      { value: "ida@example.com", verified: true, status: "completed" },
    ]);
    expect(ida.recovery_addresses?.map((a) => a.value)).toEqual(["ida@example.com"]);

    fixture.proxy.clear();
    expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    expect(writes()).toEqual([]);
  });
});
