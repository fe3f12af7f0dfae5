// The throwaway Kratos starts from a database its binary migrated once (<cache>/kratos-db), copied per server: each
// server still gets a database of its own, and a rebuilt binary gets a new one.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kratosBin, startKratos } from "../../../src/dev/kratos";

async function createIdentity(adminUrl: string, email: string): Promise<number> {
  const response = await fetch(`${adminUrl}/admin/identities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ schema_id: "default", traits: { email } }),
  });
  return response.status;
}

async function emails(adminUrl: string): Promise<string[]> {
  const listed = (await (await fetch(`${adminUrl}/admin/identities`)).json()) as Array<{ traits: { email: string } }>;
  return listed.map((identity) => identity.traits.email).sort();
}

describe("throwaway Kratos from a migrated database", () => {
  const cache = mkdtempSync(join(tmpdir(), "ory-reconcile-cache-"));
  const saved = process.env.ORY_RECONCILE_CACHE;
  const installed = kratosBin("v1.3.1"); // read before the cache folder is changed
  beforeAll(() => (process.env.ORY_RECONCILE_CACHE = cache));
  afterAll(() => {
    if (saved === undefined) delete process.env.ORY_RECONCILE_CACHE;
    else process.env.ORY_RECONCILE_CACHE = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  it("migrates once per binary; every server gets its own copy", async () => {
    const bin = join(cache, "kratos-copy");
    copyFileSync(installed, bin);
    const first = await startKratos({ bin });
    const second = await startKratos({ bin });
    try {
      const made = readdirSync(join(cache, "kratos-db"));
      expect(made).toHaveLength(1);
      const template = join(cache, "kratos-db", made[0]);
      const { mtimeMs } = statSync(template);
      expect(await createIdentity(first.adminUrl, "one@example.test")).toBe(201);
      expect(await createIdentity(second.adminUrl, "two@example.test")).toBe(201);
      expect(await emails(first.adminUrl)).toEqual(["one@example.test"]);
      expect(await emails(second.adminUrl)).toEqual(["two@example.test"]);
      // The servers wrote to their copies, never to the template.
      expect(statSync(template).mtimeMs).toBe(mtimeMs);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }

    // A rebuilt binary (another mtime) is migrated again.
    utimesSync(bin, new Date(), new Date(Date.now() + 60_000));
    const third = await startKratos({ bin });
    try {
      expect(readdirSync(join(cache, "kratos-db")).filter((name) => name.endsWith(".sqlite"))).toHaveLength(2);
      expect(await emails(third.adminUrl)).toEqual([]);
    } finally {
      await third.stop();
    }
  });
});
