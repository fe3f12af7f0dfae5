// The bad inputs (test/support/bad-inputs.ts) that need a server, run through the built CLI against a real Kratos
// behind the recording proxy: manifests that only the server's identity schema and features reject, and a wrong API
// key. Each exits 1 with a precise message (for manifests: file:line:col) and sends ZERO write requests. The cases
// refused offline run in-process in test/unit/cli/bad-input.test.ts; one of them runs here too, end to end, to prove
// the exit code, the stderr and that no request at all leaves the CLI.
import { defaultServer } from "../../../src/dev/kratos";
import { BAD_INPUTS, BAD_TOKEN, flagCases, MANIFESTS, PASSWORD, URL_SECRET, whereOf } from "../../support/bad-inputs";
import { allOutputs, runCli } from "../../support/cli";
import { kratosBehindProxy } from "../../support/fixture";
import { admin } from "../../support/kratos-api";
import { API_KEY } from "../../support/reliability";

const FIXTURES = BAD_INPUTS;
const SECRETS = [API_KEY, PASSWORD, BAD_TOKEN, URL_SECRET];

describe("bad input: exit 1, a precise message, and no write (no request at all when the check is offline)", () => {
  const fixture = kratosBehindProxy(defaultServer(), undefined, { proxy: { rejectTokens: [BAD_TOKEN] } });
  const tried: string[] = [];
  const env = (extra: Record<string, string | undefined> = {}) => ({
    ORY_ADMIN_URL: fixture.proxy.url,
    ORY_API_KEY: API_KEY,
    RELIABILITY_PASSWORD: PASSWORD,
    ...extra,
  });
  const run = (args: string[], extra?: Record<string, string | undefined>) =>
    runCli(args, env(extra), { cwd: FIXTURES });
  const writes = () => fixture.proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

  // Every server case, and one offline case end to end (the others: test/unit/cli/bad-input.test.ts).
  const manifests = MANIFESTS.filter((m) => m.check === "server" || m.file === "yaml-duplicate-field.yaml");

  it.each(manifests.map((m) => [m.file, m] as const))("manifest %s", async (_file, m) => {
    const proxy = fixture.proxy;
    tried.push(m.file);
    const where = whereOf(m);
    proxy.clear();
    const validate = await run(["validate", m.file]);
    if (m.check === "offline") {
      expect({ code: validate.code, stdout: validate.stdout }).toEqual({ code: 1, stdout: "" });
      expect(validate.stderr).toContain(where);
      expect(validate.stderr).toContain(m.says);
      expect(validate.stderr).toMatch(/^Error: \d+ problems? in the manifests; nothing was sent to the server\n/);
    } else {
      expect(validate.code).toBe(0);
    }
    // `plan` and `apply` load manifests alike: an offline problem is checked with apply, a server one with both.
    for (const command of m.check === "offline" ? ["apply"] : ["plan", "apply"]) {
      const result = await run([command, m.file]);
      expect({ command, code: result.code }).toEqual({ command, code: 1 });
      expect(result.stderr).toContain(where);
      expect(result.stderr).toContain(m.says);
    }
    if (m.check === "offline") expect(proxy.requests).toEqual([]);
    else expect(writes()).toEqual([]);
  });

  it("flags and environment that need the server (a wrong API key)", async () => {
    const proxy = fixture.proxy;
    // The unreachable endpoint is not used here: the cases refused before a request run in the unit test.
    for (const c of flagCases(proxy.url, "").filter((f) => f.requests === "reads")) {
      tried.push(c.name);
      proxy.clear();
      const result = await run(c.args, c.env);
      expect({ case: c.name, code: result.code, stderr: result.stderr }).toEqual({
        case: c.name,
        code: 1,
        stderr: expect.stringContaining(c.says),
      });
      expect({ case: c.name, internal: result.stderr.includes("internal error") }).toEqual({
        case: c.name,
        internal: false,
      });
      if (c.requests === "none")
        expect({ case: c.name, requests: proxy.requests.length }).toEqual({ case: c.name, requests: 0 });
      else expect({ case: c.name, writes: writes() }).toEqual({ case: c.name, writes: [] });
      // The wrong key did reach the proxy, which answered 401 (and echoed the key: the CLI did not repeat it).
      if (c.env?.ORY_API_KEY === BAD_TOKEN) expect(proxy.requests.length).toBeGreaterThan(0);
    }
  });

  it("a plan with 3 identities that break the server's identity schema reports all 3, with positions, and writes nothing", async () => {
    const { kratos, proxy } = fixture;
    proxy.clear();
    const plan = await run(["plan", "schema-three-bad.yaml", "--output", "json"]);
    expect(plan.code).toBe(1);
    expect(JSON.parse(plan.stdout).issues).toEqual([
      {
        file: "schema-three-bad.yaml",
        line: 9,
        col: 7,
        message: 'team/bad-1@example.com: traits.name.first must be string, got integer (identity schema "default")',
        hint: `change the traits to match the server's identity schema "default", or choose another schema_id`,
      },
      {
        file: "schema-three-bad.yaml",
        line: 11,
        col: 7,
        message: 'team/bad-2@example.com: traits.nickname is not allowed by identity schema "default"',
        hint: "remove it; allowed here: email, name, username, groups",
      },
      {
        file: "schema-three-bad.yaml",
        line: 12,
        col: 7,
        message: 'team/bad-3@example.com: identity schema "service" does not exist on the server (it has: default)',
        hint: "use one of: default; or add the schema to the server's configuration",
      },
    ]);
    expect(plan.stderr).toContain("Error: the plan has 3 error(s)");
    const apply = await run(["apply", "schema-three-bad.yaml"]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("Error: the plan has 3 error(s); nothing was written");
    // Reads only: per run the version, one list of identities, and the schemas once.
    expect(writes()).toEqual([]);
    const paths = proxy.requests.map((r) => r.path.split("?")[0]);
    expect([
      paths.filter((p) => p === "/admin/identities").length,
      paths.filter((p) => p === "/schemas").length,
    ]).toEqual([2, 2]);
    expect(await admin(kratos.adminUrl).listIdentities()).toEqual([]);
  });

  it("figures; no secret in any output", () => {
    // eslint-disable-next-line no-console
    console.log(
      `bad inputs tried here: ${tried.length} (${manifests.length} manifests, ${tried.length - manifests.length} flag/environment cases)`,
    );
    expect(tried.length).toBe(manifests.length + 1);
    const text = allOutputs.join("\n");
    expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
  });
});
