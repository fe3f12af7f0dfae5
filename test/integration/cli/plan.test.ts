// `validate` and `plan` against a real Kratos seeded through the admin API.
import { freePort, Kratos } from "../../../src/dev/kratos";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { describeServers } from "../../support/servers";

const seedBody = (email: string, extra: Record<string, unknown> = {}) => ({
  schema_id: "default",
  traits: { email },
  ...extra,
});

describeServers("all", "plan", (server) => {
  const fixture = kratosBehindProxy(server);
  let kratos: Kratos;
  let proxy: Proxy;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ kratos, proxy } = fixture);
    const api = admin(kratos.adminUrl);
    const seed = async (email: string, extra: Record<string, unknown> = {}) =>
      (ids[email] = (await api.createIdentity(seedBody(email, extra))).id);
    await seed("same@example.com", { metadata_admin: { [MARKER_KEY]: { set: "staff" } } });
    await seed("drift@example.com", {
      traits: { email: "drift@example.com", name: { first: "Old" } },
      metadata_admin: { [MARKER_KEY]: { set: "staff" }, team: "a" },
    });
    await seed("handmade@example.com", { metadata_public: { note: "by hand" } });
    await seed("gone@example.com", { metadata_admin: { [MARKER_KEY]: { set: "staff" } } });
    await seed("stranger@example.com");
  });

  /** The credential types the server holds for a seeded identity (it may add some of its own, e.g. `code`). */
  const credentialTypes = async (email: string) =>
    Object.keys((await admin(kratos.adminUrl).getIdentity(ids[email])).credentials ?? {}).sort();

  const staff = setYaml(
    "staff",
    `key: traits.email
prune: true
identities:
  - traits: { email: same@example.com }
  - traits: { email: drift@example.com, name: { first: New } }
    metadata_admin: { team: a }
  - traits: { email: handmade@example.com }
    metadata_public: { note: by hand }
  - traits: { email: new@example.com }
    credentials: { password: { password: "\${env:NEW_PASSWORD}" } }`,
  );

  it("prints the exact JSON plan: create, update, adopt, delete, noop counted", async () => {
    const dir = manifestDir({ "staff.yaml": staff });
    const result = await runCli(["plan", dir, "--output", "json", "--adopt"], {
      ORY_ADMIN_URL: kratos.adminUrl,
      NEW_PASSWORD: "pa55-word-new",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    const actions = plan.sets[0].actions.map(({ live_digest, ...rest }: { live_digest?: string }) => {
      expect(live_digest === undefined || /^sha256:/.test(live_digest)).toBe(true);
      return rest;
    });
    expect(plan.format_version).toBe(1);
    expect(plan.summary).toEqual({ create: 1, update: 1, delete: 1, adopt: 1, noop: 1 });
    expect(actions).toEqual([
      {
        action: "update",
        key: "drift@example.com",
        id: ids["drift@example.com"],
        // Seeded with a marker of the form before key digests: the digest is added along with this write, never printed.
        patch: [
          { op: "replace", path: "/traits/name/first", value: "New" },
          { op: "add", path: `/metadata_admin/${MARKER_KEY}/key`, value: "(sensitive)" },
        ],
        changes: [{ path: "/traits/name/first", before: "Old", after: "New" }],
      },
      {
        action: "adopt",
        key: "handmade@example.com",
        id: ids["handmade@example.com"],
        patch: [
          { op: "replace", path: "/metadata_admin", value: { [MARKER_KEY]: { set: "staff", key: "(sensitive)" } } },
        ],
        holds: { credentials: await credentialTypes("handmade@example.com"), providers: [], verified_addresses: [] },
        changes: [],
        revoke_sessions: ["adopt"],
      },
      {
        action: "create",
        key: "new@example.com",
        changes: [
          { path: "/traits", after: { email: "new@example.com" } },
          { path: "/credentials/password", after: "(sensitive)" },
        ],
      },
      {
        action: "delete",
        key: "gone@example.com",
        id: ids["gone@example.com"],
        reason: "not_in_configuration",
      },
    ]);
    expect(result.stdout).not.toContain("pa55-word-new");
  });

  it("renders the text plan and honours --detailed-exitcode", async () => {
    const dir = manifestDir({ "staff.yaml": staff });
    const result = await runCli(["plan", dir, "--detailed-exitcode", "--adopt"], {
      ORY_ADMIN_URL: kratos.adminUrl,
      NEW_PASSWORD: "pa55-word-new",
    });
    expect(result.code).toBe(2);
    const types = await credentialTypes("handmade@example.com");
    expect(result.stdout).toBe(
      [
        `~ update staff/drift@example.com (${ids["drift@example.com"]})`,
        `    ~ /traits/name/first: "Old" -> "New"`,
        `> adopt staff/handmade@example.com (${ids["handmade@example.com"]}) holds credentials: ${types.join(", ") || "none"}; providers: none; verified addresses: none`,
        `    sessions: revoke (adopt)`,
        `    (no drift: only the ownership marker is added)`,
        `+ create staff/new@example.com`,
        `    + /traits: {"email":"new@example.com"}`,
        `    + /credentials/password: "(sensitive)"`,
        `- delete staff/gone@example.com (${ids["gone@example.com"]})`,
        `    because it is not in configuration`,
        `1 identity is unchanged.`,
        `Plan: 1 to create, 1 to update, 1 to delete, 1 to adopt.`,
        ``,
      ].join("\n"),
    );
  });

  it("exits 0 with --detailed-exitcode when nothing changes, and writes nothing", async () => {
    const dir = manifestDir({ "s.yaml": setYaml("keep", "key: traits.email\nidentities: []") });
    proxy.clear();
    const result = await runCli(["plan", dir, "--detailed-exitcode"], { ORY_ADMIN_URL: proxy.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.\n");
    expect(proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("makes ceil(N/page_size)+O(1) requests for a no-op plan of N identities", async () => {
    const n = 2300;
    const dir = manifestDir({
      "bulk.yaml": setYaml(
        "bulk",
        `key: traits.email\ngenerate:\n  - count: ${n}\n    template: { traits: { email: "bulk-{{i}}@example.test" } }`,
      ),
    });
    const applied = await runCli(["apply", dir], { ORY_ADMIN_URL: kratos.adminUrl });
    expect(applied.code).toBe(0);
    proxy.clear();
    const result = await runCli(["plan", dir, "--detailed-exitcode"], { ORY_ADMIN_URL: proxy.url });
    expect(result.code).toBe(0);
    const total = n + Object.keys(ids).length;
    const listCalls = proxy.count((r) => r.method === "GET" && r.path.startsWith("/admin/identities"));
    expect(listCalls).toBe(Math.ceil(total / (server === "v1.3.1" ? 1000 : 500)));
    expect(
      proxy.requests
        .map((r) => `${r.method} ${r.path.split("?")[0]}`)
        .filter((r) => !r.startsWith("GET /admin/identities")),
    ).toEqual(["GET /admin/version"]);
  });

  it("validate is offline: bad input sends no request at all and names file:line:col", async () => {
    const dir = manifestDir({
      "bad.yaml": setYaml(
        "bad",
        "key: traits.email\nidentities:\n  - traits: { email: a@example.com }\n    stat: active",
      ),
    });
    proxy.clear();
    const validate = await runCli(["validate", dir], { ORY_ADMIN_URL: proxy.url });
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(`${dir}/bad.yaml:9:7`);
    expect(validate.stderr).toContain('did you mean "state"');
    const plan = await runCli(["plan", dir], { ORY_ADMIN_URL: proxy.url });
    expect(plan.code).toBe(1);
    expect(proxy.requests).toEqual([]);
  });

  it("fails with exit 1 and a clear message when the server is unreachable", async () => {
    const dir = manifestDir({ "s.yaml": setYaml("keep", "key: traits.email\nidentities: []") });
    const port = await freePort();
    const result = await runCli(["plan", dir, "--endpoint", `http://127.0.0.1:${port}`], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`unreachable at http://127.0.0.1:${port}`);
    expect(result.stderr).not.toContain("internal error");
  });

  it("key: external_id is refused before reading identities on v1.3.1, and planned by lookups on newer servers", async () => {
    const dir = manifestDir({
      "svc.yaml": setYaml(
        "svc",
        "key: external_id\nidentities:\n  - external_id: svc-1\n    traits: { email: svc@example.com }",
      ),
    });
    proxy.clear();
    const result = await runCli(["plan", dir], { ORY_ADMIN_URL: proxy.url });
    if (server === "v1.3.1") {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("does not support external_id");
      expect(proxy.requests.map((r) => r.path)).toEqual(["/admin/version"]);
    } else {
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("+ create svc/svc-1");
      expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        "GET /admin/version 200",
        "GET /admin/identities/by/external/svc-1 404",
        "GET /schemas?page_size=500 307", // the pre-write traits check; v26 redirects it to the public port
      ]);
    }
  });
});
