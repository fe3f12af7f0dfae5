// Sessions on every real server: Kratos only suspends the sessions of an inactive identity (it checks the
// identity's state on every session check) and restores them on reactivation. Deactivating by manifest revokes
// them (spec.sessions.revoke_on, default [deactivate, adopt]); with `revoke_on: []` the old token comes back.
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const PASSWORD = "ses-Secret-8086x";

/** Logs in through the public API's native login flow; the session token. */
async function logIn(publicUrl: string, identifier: string): Promise<string> {
  const flow = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const response = await fetch(flow.ui.action, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ method: "password", identifier, password: PASSWORD }),
  });
  const body = (await response.json()) as { session_token?: string };
  if (response.status !== 200 || !body.session_token) throw new Error(`login failed: ${response.status}`);
  return body.session_token;
}

/** `GET /sessions/whoami` with the token: the HTTP status (200: the session is valid, 401: it is not). */
async function whoami(publicUrl: string, token: string): Promise<number> {
  return (await fetch(`${publicUrl}/sessions/whoami`, { headers: { "x-session-token": token } })).status;
}

/** A set `people` of one identity in `state`, with a password, and `extra` spec lines. */
function manifest(email: string, state: "active" | "inactive", extra = ""): string {
  const identity = `  - traits: { email: ${email} }\n    state: ${state}\n    credentials: { password: { password: "\${env:SES_PASSWORD}" } }`;
  return manifestDir({ "people.yaml": setYaml("people", `key: traits.email\n${extra}identities:\n${identity}`) });
}

describeServers("all", "sessions", (server) => {
  const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.proxy.url, SES_PASSWORD: PASSWORD }));
  const publicUrl = () => fixture.kratos.publicUrl;
  const apply = async (dir: string) => {
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], fixture.env);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    return result;
  };
  const idOf = async (email: string) =>
    (await admin(fixture.kratos.adminUrl).listIdentities({ pageSize: 1000 })).find(
      (i) => (i.traits as { email?: string }).email === email,
    )!.id;
  const sessionDeletes = () =>
    fixture.proxy.requests.filter((r) => r.method === "DELETE").map((r) => `${r.method} ${r.path}`);

  it("deactivating by manifest revokes the sessions: reactivated, the old token stays dead", async () => {
    await apply(manifest("ses@example.com", "active"));
    const id = await idOf("ses@example.com");
    const token = await logIn(publicUrl(), "ses@example.com");
    expect(await whoami(publicUrl(), token)).toBe(200);

    const inactive = manifest("ses@example.com", "inactive");
    const plan = await runCli(["plan", inactive], fixture.env);
    expect(plan.stdout).toContain(
      `~ update people/ses@example.com (${id})\n    ~ /state: "active" -> "inactive"\n    sessions: revoke (deactivate)\n`,
    );
    const json = JSON.parse((await runCli(["plan", inactive, "--output", "json"], fixture.env)).stdout);
    expect(json.sets[0].actions[0]).toMatchObject({ action: "update", revoke_sessions: ["deactivate"] });

    await apply(inactive);
    // Before the write and after it (a login in between would otherwise keep a session).
    expect(sessionDeletes()).toEqual([
      `DELETE /admin/identities/${id}/sessions`,
      `DELETE /admin/identities/${id}/sessions`,
    ]);
    expect(await whoami(publicUrl(), token)).toBe(401);

    const reactivate = await apply(manifest("ses@example.com", "active"));
    expect(reactivate.stdout).not.toContain("sessions: revoke");
    expect(sessionDeletes()).toEqual([]);
    expect(await whoami(publicUrl(), token)).toBe(401);
    // A new login works: the identity itself is fine.
    expect(await whoami(publicUrl(), await logIn(publicUrl(), "ses@example.com"))).toBe(200);
  });

  it("with revoke_on: [] the server only suspends the sessions, and the old token comes back on reactivation", async () => {
    const off = "sessions: { revoke_on: [] }\n";
    await apply(manifest("keep@example.com", "active", off));
    const token = await logIn(publicUrl(), "keep@example.com");
    const deactivated = await apply(manifest("keep@example.com", "inactive", off));
    expect(deactivated.stdout).not.toContain("sessions: revoke");
    expect(sessionDeletes()).toEqual([]);
    expect(await whoami(publicUrl(), token)).toBe(401);
    await apply(manifest("keep@example.com", "active", off));
    expect(await whoami(publicUrl(), token)).toBe(200);
  });

  it("deactivating an identity that has no session is fine (the server answers 404)", async () => {
    await apply(manifest("never@example.com", "active"));
    const id = await idOf("never@example.com");
    const result = await apply(manifest("never@example.com", "inactive"));
    expect(result.stdout).toContain("Apply complete: 0 created, 1 updated, 0 adopted, 0 deleted, 0 failed.");
    expect(fixture.proxy.requests.filter((r) => r.method === "DELETE").map((r) => [r.path, r.status])).toEqual([
      [`/admin/identities/${id}/sessions`, 404],
      [`/admin/identities/${id}/sessions`, 404],
    ]);
  });

  it("adopting an identity revokes its sessions (someone who registered first is logged out)", async () => {
    const created = await admin(fixture.kratos.adminUrl).createIdentity({
      schema_id: "default",
      traits: { email: "early@example.com" },
      credentials: { password: { config: { password: PASSWORD } } },
    });
    const token = await logIn(publicUrl(), "early@example.com");
    const result = await apply(manifest("early@example.com", "active", "adopt: true\n"));
    expect(result.stdout).toContain(`> adopt people/early@example.com (${created.id})`);
    expect(result.stdout).toContain("    sessions: revoke (adopt)\n");
    expect(sessionDeletes()).toEqual([
      `DELETE /admin/identities/${created.id}/sessions`,
      `DELETE /admin/identities/${created.id}/sessions`,
    ]);
    expect(await whoami(publicUrl(), token)).toBe(401);
  });

  afterAll(() => {
    expect(allOutputs.join("\n")).not.toContain(PASSWORD);
  });
});
