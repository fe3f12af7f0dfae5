// Plans a reviewer reads: `plan --output markdown`, generate entries summarized, `--show-unmanaged`, against real
// Kratos servers (through the recording proxy, to count requests); and the cost estimate against the Ory Network
// emulator, whose bucket counts of a real apply must equal the estimate.
import { startKratos, Kratos } from "../../../src/dev/kratos";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { Emulator, HeaderStyle, rateLimitBucket, startEmulator } from "../../support/network-emulator";
import { kratosBehindProxy } from "../../support/fixture";
import { startProxy, Proxy, Recorded } from "../../support/proxy";
import { describeOn, describeServers } from "../../support/servers";

const ENV = { NEW_PASSWORD: "Review-Secret-4711", LOAD_PASSWORD: "Load-Secret-0815" };
const HOSTILE = "<img src=x onerror=alert(1)>|`x`";
const managed = { [MARKER_KEY]: { set: "team" } };

/** No secret value of ENV in any output. */
function expectNoSecrets(...outputs: string[]): void {
  for (const output of outputs) for (const secret of Object.values(ENV)) expect(output).not.toContain(secret);
}

describeServers("all", "plans for review", (server) => {
  const fixture = kratosBehindProxy(server);
  let kratos: Kratos;
  let proxy: Proxy;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    ({ kratos, proxy } = fixture);
    env = { ...ENV, ORY_ADMIN_URL: proxy.url };
    const api = admin(kratos.adminUrl);
    await api.createIdentity({
      schema_id: "default",
      traits: { email: "drift@example.com", username: "drift" },
      metadata_admin: managed,
    });
    await api.createIdentity({
      schema_id: "default",
      traits: { email: "hostile@example.com", username: HOSTILE },
      metadata_public: { [HOSTILE]: "|</details>" },
      metadata_admin: managed,
    });
    await api.createIdentity({ schema_id: "default", traits: { email: "gone@example.com" }, metadata_admin: managed });
    await api.createIdentity({
      schema_id: "default",
      traits: { email: "stranger-1@example.com", username: "stranger-1" },
    });
    await api.createIdentity({ schema_id: "default", traits: { email: "stranger-2@example.com" } });
    dir = manifestDir({
      "team.yaml": setYaml(
        "team",
        `key: traits.email
prune: true
identities:
  - traits: { email: drift@example.com, username: drift, name: { first: New } }
  - traits: { email: hostile@example.com }
    metadata_public: { keep: 1 }
  - traits: { email: new@example.com }
    credentials: { password: { password: "\${env:NEW_PASSWORD}" } }
generate:
  - count: 300
    template:
      traits: { email: "load-{{i}}@example.test", name: { first: Load } }
      credentials: { password: { password: "\${env:LOAD_PASSWORD}" } }`,
      ),
    });
  });

  it("plan --output markdown: summary table, details per identity, server strings escaped, generate summarized, no secrets", async () => {
    const result = await runCli(["plan", dir, "--output", "markdown"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const md = result.stdout;
    expect(md).toContain("| <code>team</code> | 301 | 2 | 1 | 0 | 0 |\n");
    expect(md).toContain("**Plan: 301 to create, 2 to update, 1 to delete, 0 to adopt.**");
    // drift, hostile (its username and metadata key are HTML), new, the 300 copies (one block), gone.
    expect(md.match(/<details>/g)).toHaveLength(5);
    expect(md.match(/<\/details>/g)).toHaveLength(5);
    expect(md).toContain(
      "<summary><code>&#43; create team/load-1&#64;example&#46;test … team/load-300&#64;example&#46;test &#40;300 identities from spec&#46;generate&#91;0&#93;&#41;</code></summary>",
    );
    expect(md).toContain("differs per copy: /traits/email");
    expect(md).not.toContain("<img");
    expect(md).toContain("&lt;img src=x onerror=alert(1)&gt;|`x`");
    expect(md).toContain("&lt;/details&gt;");
    expect(md).not.toContain("Estimate");
    expectNoSecrets(md, result.stderr);
    expect(md).toContain('+ /credentials/password: "(sensitive)"');
  });

  it("summarizes the copies of a generate entry in the text plan, lists every one with --verbose; the JSON plan is complete", async () => {
    const text = await runCli(["plan", dir], env);
    const verbose = await runCli(["plan", dir, "--verbose"], env);
    const json = await runCli(["plan", dir, "--output", "json"], env);
    expect([text.code, verbose.code, json.code]).toEqual([0, 0, 0]);
    expect(text.stdout.split("\n").length).toBeLessThan(25);
    expect(text.stdout).toContain(
      "+ create team/load-1@example.test … team/load-300@example.test (300 identities from spec.generate[0])\n",
    );
    expect(verbose.stdout.split("\n").filter((line) => line.startsWith("+ create team/load-"))).toHaveLength(300);
    const plan = JSON.parse(json.stdout);
    expect(plan.sets[0].actions.filter((a: { generate?: string }) => a.generate === "spec.generate[0]")).toHaveLength(
      300,
    );
    expectNoSecrets(text.stdout, verbose.stdout, json.stdout, text.stderr, verbose.stderr);
  });

  it("--show-unmanaged reports the live identities no set manages, with no request more than the plan", async () => {
    proxy.clear();
    const plain = await runCli(["plan", dir], env);
    const sent = proxy.requests.map((r) => `${r.method} ${r.path}`);
    proxy.clear();
    const result = await runCli(["plan", dir, "--show-unmanaged"], env);
    expect([plain.code, result.code]).toEqual([0, 0]);
    expect(proxy.requests.map((r) => `${r.method} ${r.path}`)).toEqual(sent);
    expect(result.stdout).toContain("Unmanaged: 2 live identities no set manages (by schema: default: 2).\n");
    expect(result.stdout).toMatch(/ {4}\? [0-9a-f-]{36} \(default\) stranger-1@example\.com\n/);
    expect(result.stdout).toMatch(/ {4}\? [0-9a-f-]{36} \(default\) stranger-2@example\.com\n/);
    expect(plain.stdout).not.toContain("Unmanaged");
    const json = JSON.parse((await runCli(["plan", dir, "--show-unmanaged", "--output", "json"], env)).stdout);
    expect(json.unmanaged).toMatchObject({ total: 2, by_schema: { default: 2 } });
    expect(json.estimate).toBeUndefined();
  });
});

describeOn("v26.2.0", "the cost estimate on Ory Network (emulator)", () => {
  describe.each<[HeaderStyle]>([["documented"], ["per-window"]])("with %s rate-limit headers", (headers) =>
    costEstimate(headers),
  );
});

function costEstimate(headers: HeaderStyle): void {
  let kratos: Kratos;
  let emulator: Emulator;
  let proxy: Proxy;
  const LIMITS = [
    { limit: 4, windowMs: 1000 },
    { limit: 200, windowMs: 60000 },
  ];

  beforeAll(async () => {
    kratos = await startKratos({ server: "v26.2.0" });
    emulator = await startEmulator({ target: kratos.adminUrl, rateLimit: { windows: LIMITS, headers } });
    proxy = await startProxy({ target: emulator.url });
    const api = admin(kratos.adminUrl);
    for (const name of ["a", "b", "c", "d", "gone-1", "gone-2"]) {
      await api.createIdentity({
        schema_id: "default",
        traits: { email: `${name}@example.com` },
        metadata_admin: managed,
      });
    }
    await api.createIdentity({ schema_id: "default", traits: { email: "stranger@example.com" } });
  });
  afterAll(async () => {
    await proxy?.stop();
    await emulator?.stop();
    await kratos?.stop();
  });

  const bucketsOf = (requests: Recorded[]) => {
    const out: Record<string, number> = {};
    for (const r of requests.filter((r) => r.status !== 429)) {
      const bucket = rateLimitBucket(r.method, new URL(r.path, "http://x").pathname);
      out[bucket] = (out[bucket] ?? 0) + 1;
    }
    return out;
  };

  it("predicts the requests per bucket that the apply sends, shows the limits, and the apply meets no 429", async () => {
    const dir = manifestDir({
      "team.yaml": setYaml(
        "team",
        `key: traits.email
prune: true
adopt: true
identities:
  - traits: { email: a@example.com, name: { first: A } }
  - traits: { email: b@example.com, name: { first: B } }
  - traits: { email: c@example.com }
    credentials: { password: { password: "\${env:NEW_PASSWORD}", policy: enforce } }
  # Deactivated and adopted: their sessions are revoked (before and after the write), also counted.
  - traits: { email: d@example.com }
    state: inactive
  - traits: { email: stranger@example.com }
generate:
  - count: 30
    template:
      traits: { email: "load-{{i}}@example.test" }
      credentials: { password: { password: "\${env:LOAD_PASSWORD}" } }`,
      ),
    });
    const env = { ...ENV, ORY_ADMIN_URL: proxy.url };
    const json = await runCli(["plan", dir, "--output", "json"], env);
    expect(json.stderr).toBe("");
    const plan = JSON.parse(json.stdout);
    expect(plan.summary).toEqual({ create: 30, update: 4, delete: 2, adopt: 1, noop: 0 });
    const windows = [
      { limit: 4, window_seconds: 1 },
      { limit: 200, window_seconds: 60 },
    ];
    expect(plan.estimate.limits).toEqual({ default: windows, "kratos-admin-medium": windows });
    const text = await runCli(["plan", dir], env);
    expect(text.stdout).toContain("Estimate (rate limits the server announced):\n    kratos-admin-medium: ");
    const markdown = await runCli(["plan", dir, "--output", "markdown"], env);
    expect(markdown.stdout).toContain("apply waits about");

    proxy.clear();
    const limitedBefore = emulator.limited;
    const started = Date.now();
    const applied = await runCli(["apply", dir], env);
    const tookMs = Date.now() - started;
    expect(applied.stderr).not.toContain("Error");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Apply complete: 30 created, 4 updated, 1 adopted, 2 deleted, 0 failed.");
    expect(bucketsOf(proxy.requests)).toEqual(plan.estimate.requests);
    expect(emulator.limited - limitedBefore).toBe(0);
    process.stdout.write(`${headers}: estimate ${JSON.stringify(plan.estimate)}; apply took ${tookMs} ms\n`);
    expectNoSecrets(json.stdout, text.stdout, markdown.stdout, applied.stdout, applied.stderr);
  });
}
