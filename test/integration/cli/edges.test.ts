// The CLI at its edges, against a real Kratos: endpoint URLs copied with an API path, what `export` counts and
// says, numbers it cannot read exactly, and files the system refuses to write.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defaultServer, Kratos } from "../../../src/dev/kratos";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";

const fixture = kratosBehindProxy(defaultServer());
let kratos: Kratos;
let proxy: Proxy;
let env: Record<string, string>;
let manifests: string;

beforeAll(async () => {
  ({ kratos, proxy } = fixture);
  env = { ORY_ADMIN_URL: kratos.adminUrl };
  const staff = setYaml(
    "staff",
    "key: traits.email\nidentities:\n  - traits: { email: a@example.com }\n  - traits: { email: b@example.com }",
  );
  const ops = setYaml("ops", "key: traits.email\nidentities:\n  - traits: { email: c@example.com }");
  manifests = manifestDir({ "staff.yaml": staff, "ops.yaml": ops });
  expect((await runCli(["apply", manifests], env)).code).toBe(0);
  await admin(kratos.adminUrl).createIdentity({ schema_id: "default", traits: { email: "unmanaged@example.com" } });
});

describe("ORY_ADMIN_URL", () => {
  it.each(["/admin", "/admin/", "/admin/identities", "/admin/identities/"])(
    "ending in %s names the same server",
    async (suffix) => {
      proxy.clear();
      const planned = await runCli(["plan", manifests, "--detailed-exitcode"], {
        ORY_ADMIN_URL: `${proxy.url}${suffix}`,
      });
      expect(planned.stderr).toBe("");
      expect(planned.code).toBe(0);
      expect(proxy.requests.map((r) => r.path).filter((path) => path.startsWith("/admin/admin"))).toEqual([]);
    },
  );

  it("that is no admin API gets a hint to give the base URL", async () => {
    const planned = await runCli(["plan", manifests], { ORY_ADMIN_URL: `${kratos.adminUrl}/identities` });
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain(
      "\n  hint: this endpoint is no Ory admin API: give the base URL, e.g. http://127.0.0.1:4434",
    );
    expect(planned.stderr).not.toContain("internal error");
  });
});

describe("export --set", () => {
  it("counts what it wrote, to a directory or to stdout", async () => {
    const out = join(manifestDir({}), "exported");
    const toDir = await runCli(["export", "--set", "staff", "--out", out], env);
    expect(toDir.code).toBe(0);
    expect(toDir.stderr).toBe(`Exported 2 identities in 1 set(s) to ${out}\n`);
    expect(readdirSync(out)).toEqual(["staff.yaml"]);
    const toStdout = await runCli(["export", "--set", "ops"], env);
    expect(toStdout.stderr).toBe("Exported 1 identities in 1 set(s)\n");
    expect(toStdout.stdout).toContain("c@example.com");
  });

  it("repeated selects each set it names; a name among them that matches no set is an error naming it", async () => {
    const out = join(manifestDir({}), "exported");
    const both = await runCli(["export", "--set", "staff", "--set", "ops", "--out", out], env);
    expect(both.stderr).toBe(`Exported 3 identities in 2 set(s) to ${out}\n`);
    expect(both.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["ops.yaml", "staff.yaml"]);
    const typo = await runCli(["export", "--set", "staff", "--set", "opz"], env);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toBe(
      'Error: no live identity belongs to set "opz"; nothing was exported\n  hint: check the name; the sets found are: imported, ops, staff\n',
    );
  });

  it("that matches no set is an error naming the sets there are, and writes nothing", async () => {
    const out = join(manifestDir({}), "exported");
    const result = await runCli(["export", "--set", "staf", "--out", out], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: no live identity belongs to set "staf"; nothing was exported\n  hint: check the name; the sets found are: imported, ops, staff\n',
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("numbers the server holds beyond 2^53", () => {
  it("are not exported changed: the identity is left out, with where and why", async () => {
    // Written as JSON text, as another tool would: the SDK could not even send this number.
    const response = await fetch(`${kratos.adminUrl}/admin/identities`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"schema_id":"default","traits":{"email":"big@example.com"},"metadata_public":{"discord_id":12345678901234567890}}',
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const result = await runCli(["export", "--set", "imported"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `skipped identity ${id}: it holds a number beyond 2^53 in metadata_public.discord_id, which reading JSON may have changed (store it as a string, or write this identity's manifest by hand)\n`,
    );
    expect(result.stdout).not.toContain("big@example.com");
    expect(result.stdout).toContain("unmanaged@example.com");
  });
});

describe("files the system refuses are the user's to fix", () => {
  const scratch = () => manifestDir({ "file.txt": "x" });

  it.each([
    [
      "a missing directory",
      (d: string) => join(d, "no-such-dir", "plan.json"),
      "no such file or directory (ENOENT)",
      "create the directory first, or choose another path",
    ],
    ["a directory", (d: string) => d, "illegal operation on a directory (EISDIR)", "name a file, not a directory"],
    [
      "a path through a file",
      (d: string) => join(d, "file.txt", "plan.json"),
      "not a directory (ENOTDIR)",
      "a part of the path is a file, not a directory",
    ],
    [
      "a full disk",
      () => "/dev/full",
      "no space left on device (ENOSPC)",
      "free some disk space, or choose another path",
    ],
    [
      "a read-only place",
      () => "/sys/ory-reconcile-plan.json",
      "permission denied (EACCES)",
      "check the permissions, or choose another path",
    ],
  ])("plan --out into %s", async (_what, path, reason, hint) => {
    const out = path(scratch());
    const planned = await runCli(["plan", manifests, "--out", out], env);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toBe(`Error: cannot write the plan to ${out}: ${reason}\n  hint: ${hint}\n`);
  });

  it.each([
    ["a file", (d: string) => join(d, "file.txt"), "file already exists (EEXIST)"],
    ["a path through a file", (d: string) => join(d, "file.txt", "out"), "not a directory (ENOTDIR)"],
    ["a read-only place", () => "/sys/ory-reconcile-export", "operation not permitted (EPERM)"],
  ])("export --out into %s", async (_what, path, reason) => {
    const out = path(scratch());
    const exported = await runCli(["export", "--out", out], env);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain(`Error: cannot create the directory ${out}: ${reason}\n  hint: `);
  });

  it("export --out into a directory holding a directory of a set's file name", async () => {
    const out = manifestDir({});
    mkdirSync(join(out, "staff.yaml"));
    const exported = await runCli(["export", "--set", "staff", "--out", out], env);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toBe(
      `Error: cannot write ${join(out, "staff.yaml")}: illegal operation on a directory (EISDIR)\n  hint: name a file, not a directory\n`,
    );
  });
});
