// Recovery (invite) links under the real Pulumi CLI: IdentitySet and Identity expose them as the secret output
// `recoveryLinks`; the state holds them only encrypted, the Pulumi output never shows them, and the link works.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { Identity, IdentitySet } from "../../../src/resources";
import { ensureBuilt, projectStack, ProjectStack } from "./project";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

let kratos: Kratos;
let t: ProjectStack;

beforeAll(async () => {
  await ensureBuilt();
  kratos = await startKratos();
  t = await projectStack(
    "recovery",
    async () => {
      const set = new IdentitySet("invites", {
        set: {
          apiVersion: "ory-reconcile/v1",
          kind: "IdentitySet",
          metadata: { name: "invites" },
          spec: {
            key: "traits.email",
            identities: [
              { traits: { email: "ann@invite.test" }, recovery: { method: "link", expires_in: "2h" } },
              { traits: { email: "art@invite.test" } },
            ],
          },
        },
      });
      const one = new Identity("ada", { traits: { email: "ada@invite.test" }, recovery: { method: "code" } });
      return { setLinks: set.recoveryLinks, adaLinks: one.recoveryLinks };
    },
    { ORY_ADMIN_URL: kratos.adminUrl },
  );
});

afterAll(async () => {
  await t?.dispose();
  await kratos?.stop();
});

function stateTexts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === ".pulumi-home") return [];
    return statSync(path).isDirectory() ? stateTexts(path) : [readFileSync(path, "latin1")];
  });
}

interface Link {
  set: string;
  key: string;
  id: string;
  method: string;
  link: string;
  code?: string;
  expires_at: string;
}

it("exposes the links as secret outputs, encrypted in the state and absent from the CLI output", async () => {
  let output = "";
  const up = await t.stack.up({ onOutput: (text) => (output += text) });
  expect(up.summary.result).toBe("succeeded");
  expect(up.outputs.setLinks.secret).toBe(true);
  expect(up.outputs.adaLinks.secret).toBe(true);
  const [ann] = up.outputs.setLinks.value as Link[];
  const [ada] = up.outputs.adaLinks.value as Link[];
  expect((up.outputs.setLinks.value as Link[]).map((l) => [l.set, l.key, l.method])).toEqual([
    ["invites", "ann@invite.test", "link"],
  ]);
  expect([ada.key, ada.method, ada.code]).toEqual(["ada@invite.test", "code", expect.stringMatching(/^\d{6}$/)]);

  // The link signs Ann in.
  const visit = await fetch(ann.link, { redirect: "manual" });
  expect(visit.status).toBe(303);
  const cookie = visit.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const whoami = await fetch(`${kratos.publicUrl}/sessions/whoami`, { headers: { cookie } });
  expect(((await whoami.json()) as { identity: { id: string } }).identity.id).toBe(ann.id);

  const token = new URL(ann.link).searchParams.get("token")!;
  const secrets = [ann.link, token, ada.link, ada.code!];
  for (const text of [output, ...stateTexts(t.dir)]) for (const secret of secrets) expect(text).not.toContain(secret);
  const resources = (await t.stack.exportStack()).deployment.resources as Array<{
    urn: string;
    outputs?: Record<string, unknown>;
  }>;
  for (const name of ["invites", "ada"]) {
    expect(resources.find((r) => r.urn.endsWith(`::${name}`))?.outputs?.recoveryLinks).toEqual(
      expect.objectContaining({ [SECRET_SIG]: expect.any(String) }),
    );
  }

  // A second up changes nothing and keeps the links; a refresh keeps them too.
  const again = await t.stack.up();
  expect(again.summary.resourceChanges).toEqual({ same: 3 });
  expect(again.outputs.setLinks.value).toEqual(up.outputs.setLinks.value);
  await t.stack.refresh();
  expect((await t.stack.outputs()).adaLinks.value).toEqual(up.outputs.adaLinks.value);
});
