// A plan saved with `--show-unmanaged` is applied with `apply --plan`: on servers with external_id, a set keyed by
// external_id is read by lookups, but `--show-unmanaged` lists every identity instead; the apply must read the live
// state the same way, or the saved plan looks stale although nothing changed.
import { startKratos, Kratos } from "../../../src/dev/kratos";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { describeServers } from "../../support/servers";

describeServers("newer", "apply --plan of a plan made with --show-unmanaged", (server) => {
  let kratos: Kratos;
  let env: Record<string, string>;

  beforeAll(async () => {
    kratos = await startKratos({ server });
    env = { ORY_ADMIN_URL: kratos.adminUrl };
    await admin(kratos.adminUrl).createIdentity({ schema_id: "default", traits: { email: "stray@example.com" } });
  });
  afterAll(async () => {
    await kratos?.stop();
  });

  it("is applied when nothing changed since (a set keyed by external_id, read by lookups otherwise)", async () => {
    const spec = (name: string) => `key: external_id
identities:
  - external_id: e1
    traits: { email: e1@example.com }
  - external_id: e2
    traits: { email: e2@example.com${name} }`;
    const created = await runCli(["apply", manifestDir({ "ext.yaml": setYaml("ext", spec("")) })], env);
    expect(created.stdout).toContain("Apply complete: 2 created,");
    const dir = manifestDir({ "ext.yaml": setYaml("ext", spec(", name: { first: Two }")) });
    const plan = await runCli(["plan", dir, "--show-unmanaged", "--out", `${dir}/plan.json`], env);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("Unmanaged: 1 live identity no set manages (by schema: default: 1).");
    const applied = await runCli(["apply", dir, "--plan", `${dir}/plan.json`], env);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toContain("Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.");
    expect(applied.code).toBe(0);
    // Converged: the next plan is a no-op.
    expect((await runCli(["plan", dir, "--detailed-exitcode"], env)).code).toBe(0);
  });
});
