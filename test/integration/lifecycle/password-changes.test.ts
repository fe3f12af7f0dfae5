// An `enforce` password that the user changed through self-service (the settings flow): on Kratos >= v25 (v26.2.0,
// master) the credential's updated_at moves past its created_at, the plan sets the declared password again and
// says why; on v1.3.1 updated_at moves on every identity update, so only changes of the declared value are seen.
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { canLogIn } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const DECLARED = "enf-Declared-7331x";
const CHOSEN = "usr-Chosen-2468yz";

/** Logs in with the declared password and changes it through the self-service settings flow (API flow). */
async function changeBySelfService(publicUrl: string, identifier: string): Promise<void> {
  const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const login = await fetch(flow.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ method: "password", identifier, password: DECLARED }),
  });
  const token = ((await login.json()) as { session_token: string }).session_token;
  const settings = (await (
    await fetch(`${publicUrl}/self-service/settings/api`, { headers: { "x-session-token": token } })
  ).json()) as { ui: { action: string } };
  const changed = await fetch(settings.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-session-token": token },
    body: JSON.stringify({ method: "password", password: CHOSEN }),
  });
  if (changed.status !== 200) throw new Error(`settings flow answered ${changed.status}`);
}

const manifest = () =>
  manifestDir({
    "people.yaml": setYaml(
      "people",
      `key: traits.email\nidentities:\n  - traits: { email: pwd@example.com }\n    credentials: { password: { password: "\${env:ENF_PASSWORD}", policy: enforce } }`,
    ),
  });

describeServers("all", "passwords changed outside ory-reconcile", (server) => {
  const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.proxy.url, ENF_PASSWORD: DECLARED }));
  const seen = server !== "v1.3.1";

  it(
    seen ? "are set again, and the plan says why" : "are not seen (v1.3.1 moves updated_at on every update)",
    async () => {
      const dir = manifest();
      expect((await runCli(["apply", dir], fixture.env)).code).toBe(0);
      // A login does not count as a password change.
      expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
      expect(await canLogIn(fixture.kratos.publicUrl, "pwd@example.com", DECLARED)).toBe(true);
      expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);

      await changeBySelfService(fixture.kratos.publicUrl, "pwd@example.com");
      expect(await canLogIn(fixture.kratos.publicUrl, "pwd@example.com", CHOSEN)).toBe(true);
      const plan = await runCli(["plan", dir, "--detailed-exitcode"], fixture.env);
      if (!seen) {
        expect([plan.code, plan.stdout]).toEqual([
          0,
          "1 identity is unchanged.\nPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n",
        ]);
        return;
      }
      expect(plan.code).toBe(2);
      expect(plan.stdout).toMatch(
        /^~ update people\/pwd@example.com \([0-9a-f-]+\)\n {4}~ \/credentials\/password: "\(changed outside ory-reconcile\)" -> "\(sensitive\)"\n/,
      );
      const apply = await runCli(["apply", dir], fixture.env);
      expect([apply.code, apply.stdout.trim().split("\n").pop()]).toEqual([
        0,
        "Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.",
      ]);
      expect(await canLogIn(fixture.kratos.publicUrl, "pwd@example.com", DECLARED)).toBe(true);
      expect(await canLogIn(fixture.kratos.publicUrl, "pwd@example.com", CHOSEN)).toBe(false);
      // Set again through the admin API: nothing more to do.
      expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    },
  );

  afterAll(() => {
    const text = allOutputs.join("\n");
    expect(text).not.toContain(DECLARED);
    expect(text).not.toContain(CHOSEN);
  });
});
