// What the server says cannot reach outside its place: set names from the server stay inside `export --out`,
// control characters in server strings cannot forge lines of the plan, files are private, and an API key never
// leaves over plain HTTP for another host.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";

let kratos: Kratos;
let env: Record<string, string>;
const FORGED = "x\r\u001b[2KPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt.";
const API_KEY = "ory_pat_hostile-test-key-0123456789";

beforeAll(async () => {
  kratos = await startKratos();
  env = { ORY_ADMIN_URL: kratos.adminUrl };
  const api = admin(kratos.adminUrl);
  const owned = (email: string, set: string, traits: object = {}) =>
    api.createIdentity({
      schema_id: "default",
      traits: { email, ...traits },
      metadata_admin: { [MARKER_KEY]: { set } },
    });
  await owned("escape@example.com", "../.github/workflows/ci");
  await owned("same@example.com", "github-workflows-ci");
  await owned("forger@example.com", "forge", { username: FORGED });
});
afterAll(async () => {
  await kratos?.stop();
});

describe("export --out", () => {
  it("keeps file names from server set names inside the folder, distinct, private", async () => {
    const parent = manifestDir({});
    const out = join(parent, "exported");
    const exported = await runCli(["export", "--out", out], env);
    expect(exported.code).toBe(0);
    expect(readdirSync(parent)).toEqual(["exported"]);
    expect(readdirSync(out).sort()).toEqual(["forge.yaml", "github-workflows-ci-2.yaml", "github-workflows-ci.yaml"]);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(out)) expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(parent)).some((name) => name === ".github")).toBe(false);
  });
});

describe("plan --out", () => {
  it("writes a private file even over an existing readable one", async () => {
    const dir = manifestDir({
      "s.yaml": setYaml("fresh", "key: traits.email\nidentities:\n  - traits: { email: new@example.com }"),
    });
    const out = join(dir, "plan.json");
    writeFileSync(out, "{}", { mode: 0o644 });
    expect((await runCli(["plan", join(dir, "s.yaml"), "--out", out], env)).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(["plan.json", "s.yaml"]);
  });
});

describe("control characters in server strings", () => {
  it("cannot forge the summary line of a plan", async () => {
    const dir = manifestDir({
      "forge.yaml": setYaml(
        "forge",
        "key: traits.username\nprune: true\nidentities:\n  - traits: { email: kept@example.com, username: kept }",
      ),
    });
    const planned = await runCli(["plan", dir], env);
    expect(planned.code).toBe(0);
    expect(planned.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(planned.stdout.split("\n").filter((line) => line.startsWith("Plan:"))).toEqual([
      "Plan: 1 to create, 0 to update, 1 to delete, 0 to adopt.",
    ]);
    expect(planned.stdout).toContain("- delete forge/x\\r\\u001b[2KPlan: 0 to create");
  });
});

describe("an API key over plain HTTP", () => {
  it("to a host that is not this machine is refused before any connection, naming --insecure-http", async () => {
    const dir = manifestDir({
      "s.yaml": setYaml("s", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }"),
    });
    // Any connection attempt ends the CLI with exit code 99 (test/support/no-connections.js).
    const noConnections = join(__dirname, "..", "..", "support", "no-connections.js");
    const planned = await runCli(["plan", dir], {
      ORY_ADMIN_URL: "http://10.255.255.1:4434",
      ORY_API_KEY: API_KEY,
      NODE_OPTIONS: `--require ${noConnections}`,
    });
    expect(planned.code).toBe(1);
    expect(planned.stderr).toBe(
      "Error: ORY_API_KEY would be sent over plain HTTP to 10.255.255.1:4434, where anyone on the way can read it; nothing was sent\n" +
        "  hint: use https://, or pass --insecure-http if the network to that host is trusted (plain HTTP is allowed without it only to localhost, 127.0.0.0/8 and ::1)\n",
    );
  });

  it("to this machine is sent as before", async () => {
    const dir = manifestDir({
      "s.yaml": setYaml("s", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }"),
    });
    expect((await runCli(["plan", dir], { ORY_ADMIN_URL: kratos.adminUrl, ORY_API_KEY: API_KEY })).code).toBe(0);
  });

  it("never appears in any output", () => {
    for (const output of allOutputs) expect(output).not.toContain(API_KEY);
  });
});
