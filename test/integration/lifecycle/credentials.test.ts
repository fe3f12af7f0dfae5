// Credentials beyond passwords end to end. Master imports TOTP and lookup secrets on create and on update (PUT): the
// identity then logs in through the public native login flow with its password (aal1) and then a TOTP code computed
// from the declared secret (aal2), or a declared lookup code; `absent` removes a type. v1.3.1 and v26.2.0 cannot
// import TOTP: the apply is refused before any write, naming file:line:col.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as OTPAuth from "otpauth";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, liveByEmail } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeOn } from "../../support/servers";

const PASSWORD = "mfa-Secret-4c2e9b";
const LOOKUP = ["lk-3f9a2c71", "lk-8d0e4b56"];

function totpFor(label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: "ory-reconcile-test", label, secret: new OTPAuth.Secret({ size: 20 }) });
}

interface Session {
  session_token: string;
  session: { authenticator_assurance_level: string; identity: { id: string } };
}

async function submit(action: string, body: Record<string, unknown>, token?: string): Promise<Response> {
  return fetch(action, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(token ? { "x-session-token": token } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Native login: password (aal1), then the second factor `second` in an aal2 flow; the aal2 answer. */
async function logInTwice(publicUrl: string, email: string, second: Record<string, unknown>): Promise<Response> {
  const first = (await (await fetch(`${publicUrl}/self-service/login/api`)).json()) as { ui: { action: string } };
  const answer = await submit(first.ui.action, { method: "password", identifier: email, password: PASSWORD });
  expect(answer.status).toBe(200);
  const session = (await answer.json()) as Session;
  expect(session.session.authenticator_assurance_level).toBe("aal1");
  const flow = await fetch(`${publicUrl}/self-service/login/api?aal=aal2`, {
    headers: { "x-session-token": session.session_token, accept: "application/json" },
  });
  expect(flow.status).toBe(200);
  const aal2 = (await flow.json()) as { ui: { action: string } };
  return submit(aal2.ui.action, second, session.session_token);
}

describeOn("master", "credentials beyond passwords", () => {
  const fixture = kratosBehindProxy("master");

  it("imports TOTP and lookup secrets on create and update, logs in with them at aal2, and removes a type declared absent", async () => {
    const tia = totpFor("tia@example.com");
    const tom = totpFor("tom@example.com");
    const env = () => ({ ...fixture.env, MFA_PASSWORD: PASSWORD, TIA_TOTP: tia.toString(), TOM_TOTP: tom.toString() });
    const v1 = setYaml(
      "mfa",
      `key: traits.email
defaults:
  credentials: { password: { password: "\${env:MFA_PASSWORD}" } }
identities:
  - traits: { email: tia@example.com }
    credentials:
      totp: { totp_url: "\${env:TIA_TOTP}" }
      lookup_secret: { codes: [${LOOKUP.join(", ")}] }
  - traits: { email: tom@example.com }`,
    );
    const dir = manifestDir({ "mfa.yaml": v1 });
    const planFile = join(dir, "plan.json");
    const planned = await runCli(["plan", dir, "--out", planFile], env());
    expect(planned.stdout).toContain(
      `    + /credentials/totp: "(sensitive)"\n    + /credentials/lookup_secret: "(sensitive)"\n`,
    );
    const created = await runCli(["apply", dir], env());
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Apply complete: 2 created");

    const live = await liveByEmail(fixture.kratos.adminUrl);
    const tiaId = live.get("tia@example.com")!.id;
    const wrong = await logInTwice(fixture.kratos.publicUrl, "tia@example.com", {
      method: "totp",
      totp_code: "000000" === tia.generate() ? "111111" : "000000",
    });
    expect(wrong.status).toBe(400);
    const byTotp = await logInTwice(fixture.kratos.publicUrl, "tia@example.com", {
      method: "totp",
      totp_code: tia.generate(),
    });
    expect(byTotp.status).toBe(200);
    const session = (await byTotp.json()) as Session;
    expect([session.session.authenticator_assurance_level, session.session.identity.id]).toEqual(["aal2", tiaId]);
    const byLookup = await logInTwice(fixture.kratos.publicUrl, "tia@example.com", {
      method: "lookup_secret",
      lookup_secret: LOOKUP[1],
    });
    expect(byLookup.status).toBe(200);
    expect(((await byLookup.json()) as Session).session.authenticator_assurance_level).toBe("aal2");
    // Declared again unchanged: the types are present, so nothing is planned.
    expect((await runCli(["plan", dir, "--detailed-exitcode"], env())).code).toBe(0);

    // Update: Tom gains TOTP (a PUT with the credential), Tia's lookup secrets are declared absent and removed.
    const v2 = setYaml(
      "mfa",
      `key: traits.email
defaults:
  credentials: { password: { password: "\${env:MFA_PASSWORD}" } }
identities:
  - traits: { email: tia@example.com }
    credentials:
      totp: { totp_url: "\${env:TIA_TOTP}" }
      lookup_secret: absent
  - traits: { email: tom@example.com }
    credentials: { totp: { totp_url: "\${env:TOM_TOTP}" } }`,
    );
    const dir2 = manifestDir({ "mfa.yaml": v2 });
    const plan2 = await runCli(["plan", dir2, "--output", "json"], env());
    const actions = JSON.parse(plan2.stdout).sets[0].actions as Array<{
      key: string;
      changes: unknown[];
      remove?: string[];
      credentials?: unknown;
    }>;
    expect(
      actions.map((a) => ({ key: a.key, changes: a.changes, remove: a.remove, credentials: a.credentials })),
    ).toEqual([
      {
        key: "tia@example.com",
        changes: [{ path: "/credentials/lookup_secret", before: "(sensitive)" }],
        remove: ["lookup_secret"],
        credentials: undefined,
      },
      {
        key: "tom@example.com",
        changes: [{ path: "/credentials/totp", after: "(sensitive)" }],
        remove: undefined,
        credentials: { imported: { totp: { config: "(sensitive)" } } },
      },
    ]);
    const updated = await runCli(["apply", dir2], env());
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain("Apply complete: 0 created, 2 updated");
    const tiaNow = await admin(fixture.kratos.adminUrl).getIdentity(tiaId);
    // (master also lists the `code` credential that the identity schema derives from the e-mail.)
    expect(
      Object.keys(tiaNow.credentials ?? {})
        .filter((type) => type !== "code")
        .sort(),
    ).toEqual(["password", "totp"]);
    const tomLogin = await logInTwice(fixture.kratos.publicUrl, "tom@example.com", {
      method: "totp",
      totp_code: tom.generate(),
    });
    expect(tomLogin.status).toBe(200);
    expect((await runCli(["plan", dir2, "--detailed-exitcode"], env())).code).toBe(0);

    // The secrets are in no output and not in the plan file.
    const outputs = [...allOutputs, readFileSync(planFile, "utf8")].join("\n");
    for (const secret of [tia.toString(), tia.secret.base32, tom.secret.base32, ...LOOKUP, PASSWORD])
      expect(outputs).not.toContain(secret);
  });
});

for (const server of ["v1.3.1", "v26.2.0"]) {
  describeOn(server, "credentials the server cannot import", () => {
    const fixture = kratosBehindProxy(server);

    it("refuses totp before any write, naming file:line:col", async () => {
      const totp = totpFor("tia@example.com");
      const dir = manifestDir({
        "mfa.yaml": setYaml(
          "mfa",
          `key: traits.email
identities:
  - traits: { email: tia@example.com }
    credentials: { totp: { totp_url: "\${env:TIA_TOTP}" } }`,
        ),
      });
      fixture.proxy.requests.length = 0;
      const refused = await runCli(["apply", dir], { ...fixture.env, TIA_TOTP: totp.toString() });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${join(dir, "mfa.yaml")}:8:7`);
      expect(refused.stderr).toContain(
        `mfa/tia@example.com declares credentials.totp, but the server (kratos ${server}) does not import totp credentials (it answers 400 unknown field "totp")`,
      );
      // Only reads and the probe (a create of a schema that does not exist, answered 400) reached the server.
      const sent = fixture.proxy.requests.filter((r) => r.method !== "GET");
      expect(sent.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["POST /admin/identities 400"]);
      expect(sent[0].body).toContain('"schema_id":"ory-reconcile-probe-');
      expect((await liveByEmail(fixture.kratos.adminUrl)).size).toBe(0);
      expect(allOutputs.join("\n")).not.toContain(totp.secret.base32);
    });
  });
}

for (const server of ["v26.2.0", "master"]) {
  describeOn(server, "SAML links", () => {
    const fixture = kratosBehindProxy(server);

    it("imports the declared providers on create, adds declared ones later; removing one is refused by the server", async () => {
      const manifest = (subjects: string[]) =>
        setYaml(
          "saml",
          `key: traits.email
identities:
  - traits: { email: sam@example.com }
    credentials:
      password: { password: "\${env:MFA_PASSWORD}" }
      saml: { providers: [${subjects.map((s) => `{ provider: corp, subject: ${s} }`).join(", ")}] }`,
        );
      const env = { ...fixture.env, MFA_PASSWORD: PASSWORD };
      const first = await runCli(["apply", manifestDir({ "saml.yaml": manifest(["subj-a1", "subj-b2"]) })], env);
      expect(first.code).toBe(0);
      const id = (await liveByEmail(fixture.kratos.adminUrl)).get("sam@example.com")!.id;
      const links = async () =>
        [...((await admin(fixture.kratos.adminUrl).getIdentity(id)).credentials?.saml?.identifiers ?? [])].sort();
      expect(await links()).toEqual(["corp:subj-a1", "corp:subj-b2"]);

      const dir = manifestDir({ "saml.yaml": manifest(["subj-b2", "subj-c3"]) });
      const planned = await runCli(["plan", dir], env);
      expect(planned.stdout).toContain(
        `~ update saml/sam@example.com (${id})\n    + /credentials/saml: "(sensitive)"\n    ~ /credentials/saml/providers: "(sensitive)" -> "(sensitive)"\n`,
      );
      const applied = await runCli(["apply", dir], env);
      // The new link is added; the undeclared one stays: Kratos refuses to delete it, since without a SAML strategy
      // (open-source Kratos has none) it counts no SAML link as a first factor, and the password alone is "the last".
      expect(applied.code).toBe(1);
      expect(applied.stdout).toContain(
        `! failed saml/sam@example.com (${id}): cannot remove a SAML link: DELETE /admin/identities/${id}/credentials/saml failed with 400: You cannot remove the last first factor credential.`,
      );
      expect(await links()).toEqual(["corp:subj-a1", "corp:subj-b2", "corp:subj-c3"]);
      const outputs = allOutputs.join("\n");
      for (const subject of ["subj-a1", "subj-b2", "subj-c3"]) expect(outputs).not.toContain(subject);
    });
  });
}
