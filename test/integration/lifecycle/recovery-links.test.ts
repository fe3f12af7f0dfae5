// `recovery:` invites end to end on every server: an apply that would create such identities without
// `--recovery-out` is refused before any write; with it, the links and codes go to a 0600 file and nowhere else,
// and the link signs the identity in through Kratos' public API (a settings flow for that identity).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { liveByEmail } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";
import type { Kratos } from "../../../src/dev/kratos";
import type { Proxy } from "../../support/proxy";

const PASSWORD = "invite-Secret-8d1f3a";

const MANIFEST = setYaml(
  "invited",
  `key: traits.email
defaults:
  credentials: { password: { password: "\${env:INVITE_PASSWORD}" } }
identities:
  - traits: { email: ivy@example.com }
    recovery: { method: link, expires_in: 48h }
  - traits: { email: ike@example.com }
    recovery: { method: code, expires_in: 30m }
  - traits: { email: ida@example.com }`,
);

interface Entry {
  set: string;
  key: string;
  id: string;
  method: string;
  link: string;
  code?: string;
  expires_at: string;
}

// The plan asks whether each recovery method it needs is enabled with a POST for an identity that does not exist,
// which the server answers 400/404 without storing anything: every other request that is not a GET is a write.
const isProbe = (r: { path: string; status?: number }) =>
  r.path.startsWith("/admin/recovery/") && (r.status === 400 || r.status === 404);
const writes = (requests: Array<{ method: string; path: string; status?: number }>) =>
  requests.filter((r) => r.method !== "GET" && !isProbe(r)).length;

describeServers("all", "recovery (invite) links", (server) => {
  const fixture = kratosBehindProxy(server);
  const env = () => ({ ...fixture.env, INVITE_PASSWORD: PASSWORD });

  it("refuses before any write without --recovery-out, then writes the links to a private file only", async () => {
    const dir = manifestDir({ "invited.yaml": MANIFEST });
    fixture.proxy.requests.length = 0;
    const refused = await runCli(["apply", dir], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "the plan creates 2 identities with recovery: (invite links or codes), and they need a file to go to: pass --recovery-out FILE; nothing was written",
    );
    expect(writes(fixture.proxy.requests)).toBe(0);

    const out = join(dir, "invites.json");
    const planFile = join(dir, "plan.json");
    const planned = await runCli(["plan", dir, "--out", planFile], env());
    expect(planned.stdout).toContain('+ /recovery: {"method":"link","expires_in":"48h"}');
    const before = Date.now();
    const applied = await runCli(["apply", dir, "--recovery-out", out], env());
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete: 3 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");
    expect(applied.stderr).toContain(`Wrote 2 recovery entries to ${out} (keep it secret).`);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const live = await liveByEmail(fixture.kratos.adminUrl);
    const entries = JSON.parse(readFileSync(out, "utf8")) as Entry[];
    expect(entries.map(({ set, key, id, method }) => ({ set, key, id, method }))).toEqual([
      { set: "invited", key: "ivy@example.com", id: live.get("ivy@example.com")!.id, method: "link" },
      { set: "invited", key: "ike@example.com", id: live.get("ike@example.com")!.id, method: "code" },
    ]);
    const [ivy, ike] = entries;
    expect(ivy.link).toMatch(
      new RegExp(`^${fixture.kratos.publicUrl}/self-service/recovery\\?flow=[0-9a-f-]+&token=\\w+$`),
    );
    expect(ivy.code).toBeUndefined();
    expect(ike.code).toMatch(/^\d{6}$/);
    expect(ike.link).toMatch(/\?flow=[0-9a-f-]+$/);
    // expires_in is honoured: 48 hours and 30 minutes from the apply.
    expect(Math.abs(Date.parse(ivy.expires_at) - before - 48 * 3600e3)).toBeLessThan(120e3);
    expect(Math.abs(Date.parse(ike.expires_at) - before - 30 * 60e3)).toBeLessThan(120e3);

    // The link signs Ivy in: Kratos redirects to a settings flow with a session cookie for her identity.
    const visit = await fetch(ivy.link, { redirect: "manual" });
    expect(visit.status).toBe(303);
    const settingsFlow = new URL(visit.headers.get("location")!).searchParams.get("flow");
    expect(settingsFlow).toMatch(/^[0-9a-f-]{36}$/);
    const cookie = visit.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect(cookie).toContain("ory_kratos_session=");
    const whoami = await fetch(`${fixture.kratos.publicUrl}/sessions/whoami`, { headers: { cookie } });
    expect(whoami.status).toBe(200);
    expect(((await whoami.json()) as { identity: { id: string } }).identity.id).toBe(ivy.id);
    const flow = await fetch(`${fixture.kratos.publicUrl}/self-service/settings/flows?id=${settingsFlow}`, {
      headers: { cookie, accept: "application/json" },
    });
    expect(flow.status).toBe(200);
    expect(((await flow.json()) as { identity: { id: string } }).identity.id).toBe(ivy.id);

    // A re-run creates nobody, so it asks for no link and keeps the file of the run before.
    const again = await runCli(["apply", dir, "--recovery-out", out], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Apply complete: 0 created");
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(entries);

    // Links, tokens and codes are in no other output: CLI output and the plan file.
    const token = new URL(ivy.link).searchParams.get("token")!;
    const others = [...allOutputs, readFileSync(planFile, "utf8")].join("\n");
    for (const secret of [ivy.link, token, ike.code!, ike.link, PASSWORD]) expect(others).not.toContain(secret);
  });
});

// A server with the link method disabled answers POST /admin/recovery/link 404 "This endpoint was disabled by system
// administrator…", but only after apply has created the identity: a re-run would then never ask again and the
// invite is lost. The plan asks first (for an identity that does not exist) and refuses before any write.
const LINK_DISABLED = {
  selfservice: {
    default_browser_return_url: "http://127.0.0.1/",
    methods: { password: { enabled: true }, code: { enabled: true }, link: { enabled: false } },
    flows: { recovery: { enabled: true, use: "code" }, verification: { enabled: true, use: "code" } },
  },
};

describeServers("all", "recovery by a method the server has disabled", (server) => {
  const fixture = kratosBehindProxy(server, undefined, { kratos: { config: LINK_DISABLED } });
  let kratos: Kratos;
  let proxy: Proxy;
  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });

  it("is refused by plan and apply before any write, at the identity that asks for it; the enabled method works", async () => {
    const dir = manifestDir({
      "invited.yaml": setYaml(
        "invited",
        `key: traits.email
identities:
  - traits: { email: lou@example.com }
  - traits: { email: liv@example.com }
    recovery: { method: link }
  - traits: { email: lea@example.com }
    recovery: { method: link, expires_in: 1h }`,
      ),
    });
    const env = { ORY_ADMIN_URL: proxy.url };
    const out = join(dir, "invites.json");
    const planned = await runCli(["plan", dir], env);
    expect(planned.code).toBe(1);
    const refusal =
      "invited.yaml:9:7: recovery.method: invited/liv@example.com declares recovery: {method: link} (as do 1 more identities this plan creates in the set), but the server refuses to issue recovery links: This endpoint was disabled by system administrator.";
    expect(planned.stderr).toContain(refusal);
    expect(planned.stderr).toContain(
      "hint: enable selfservice.methods.link on the server, use method: code if that one is enabled, or remove recovery:",
    );
    proxy.requests.length = 0;
    const applied = await runCli(["apply", dir, "--recovery-out", out], env);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(refusal);
    expect(writes(proxy.requests)).toBe(0);
    expect(proxy.count((r) => r.path === "/admin/recovery/link")).toBe(1);
    expect((await liveByEmail(kratos.adminUrl)).size).toBe(0);
    expect(existsSync(out)).toBe(false);

    // method: code is enabled: the same identities are created and get their codes.
    writeFileSync(
      join(dir, "invited.yaml"),
      readFileSync(join(dir, "invited.yaml"), "utf8").replace(/method: link/g, "method: code"),
    );
    const coded = await runCli(["apply", dir, "--recovery-out", out], env);
    expect(coded.code).toBe(0);
    expect((JSON.parse(readFileSync(out, "utf8")) as Entry[]).map((e) => [e.key, e.method])).toEqual([
      ["liv@example.com", "code"],
      ["lea@example.com", "code"],
    ]);
  });
});
