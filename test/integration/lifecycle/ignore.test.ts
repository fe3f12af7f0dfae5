// spec.ignore against a real server: ignored fields are written on create, then changes to them (by users or other
// systems) are neither reported nor overwritten, while the other fields are still reconciled.
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";

function manifest(role: string): string {
  const identity = `  - traits: { email: ign@example.com, name: { first: Ign } }\n    metadata_public: { role: ${role}, prefs: { theme: light } }`;
  return manifestDir({
    "people.yaml": setYaml(
      "people",
      `key: traits.email\nignore: [traits.name, metadata_public.prefs]\nidentities:\n${identity}`,
    ),
  });
}

describe("spec.ignore", () => {
  const fixture = kratosBehindProxy(process.env.KRATOS_VERSION || "v1.3.1");
  const client = () => admin(fixture.kratos.adminUrl);

  it("sets ignored fields on create, then leaves changes to them alone", async () => {
    expect((await runCli(["apply", manifest("dev")], fixture.env)).code).toBe(0);
    const [created] = await client().listIdentities({ pageSize: 100 });
    expect(created.traits).toEqual({ email: "ign@example.com", name: { first: "Ign" } });
    expect(created.metadata_public).toEqual({ role: "dev", prefs: { theme: "light" } });

    // The user renames themselves and changes a preference: no drift.
    await client().patchIdentity(created.id, [
      { op: "replace", path: "/traits/name", value: { first: "Iggy", last: "Nored" } },
      { op: "replace", path: "/metadata_public/prefs", value: { theme: "dark", lang: "de" } },
    ]);
    const plan = await runCli(["plan", manifest("dev"), "--detailed-exitcode"], fixture.env);
    expect([plan.code, plan.stdout]).toEqual([
      0,
      "1 identity is unchanged.\nPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n",
    ]);

    // A change of a field that is not ignored is written, and the ignored ones are kept.
    fixture.proxy.clear();
    const apply = await runCli(["apply", manifest("lead")], fixture.env);
    expect(apply.stdout).toContain('    ~ /metadata_public/role: "dev" -> "lead"\n');
    expect(apply.stdout).not.toContain("name");
    const after = await client().getIdentity(created.id);
    expect(after.traits).toEqual({ email: "ign@example.com", name: { first: "Iggy", last: "Nored" } });
    expect(after.metadata_public).toEqual({ role: "lead", prefs: { theme: "dark", lang: "de" } });
  });
});
