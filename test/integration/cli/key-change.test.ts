// A managed user changes their own key through self-service (issue 14, break test 1): Alice, managed by set corp for
// alice@corp.example, changes her e-mail to cfo@corp.example through Kratos' settings flow. A manifest that then
// declares cfo@corp.example must not hand Alice's account the CFO's metadata as an "update": it is a plan error
// unless adoption is asked for, and nothing is written without it.
import { join } from "node:path";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { changeOwnTraits, liveByEmail, sessionToken } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const EMAIL_KEY = { kind: "trait" as const, path: ["email"] };

const ALICE_PASSWORD = "alice-Secret-7c1d90";

describeServers("all", "a managed identity whose key its user changed", (server) => {
  const fixture = kratosBehindProxy(server);
  const outputs = () => allOutputs.slice(first);
  let first = 0;
  beforeAll(() => void (first = allOutputs.length));

  it("needs adoption to be paired by its new key; the marker records the key it was written for", async () => {
    const alice = `identities:\n  - traits: { email: alice@corp.example }\n    metadata_public: { role: staff }\n    credentials: { password: { password: "\${env:ALICE_PASSWORD}" } }`;
    const created = await runCli(
      ["apply", manifestDir({ "corp.yaml": setYaml("corp", `key: traits.email\n${alice}`) })],
      { ...fixture.env, ALICE_PASSWORD },
    );
    expect([created.code, created.stderr]).toEqual([0, ""]);
    const account = (await liveByEmail(fixture.kratos.adminUrl)).get("alice@corp.example")!;
    expect(account.metadata_admin).toEqual({
      [MARKER_KEY]: { set: "corp", key: keyDigest("alice@corp.example", EMAIL_KEY) },
    });

    // Alice changes her own e-mail (a fresh login is a privileged session, so Kratos allows it; the settings form
    // adds an empty name object).
    const token = await sessionToken(fixture.kratos.publicUrl, "alice@corp.example", ALICE_PASSWORD);
    expect(await changeOwnTraits(fixture.kratos.publicUrl, token, { email: "cfo@corp.example" })).toMatchObject({
      email: "cfo@corp.example",
    });

    const cfo =
      "identities:\n  - traits: { email: cfo@corp.example }\n    metadata_public: { role: cfo }\n    metadata_admin: { clearance: board }";
    const dir = manifestDir({ "corp.yaml": setYaml("corp", `key: traits.email\n${cfo}`) });
    fixture.proxy.clear();
    for (const args of [
      ["plan", dir],
      ["apply", dir],
      ["apply", dir, "--no-adopt"],
    ]) {
      const refused = await runCli(args, fixture.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `${join(dir, "corp.yaml")}:8:7: corp/cfo@corp.example: live identity ${account.id} is managed by set corp, but its traits.email was changed outside ory-reconcile since the set wrote its ownership marker (for another key), so it may belong to someone else\n` +
          `    hint: check who uses identity ${account.id}; to pair it with this declaration anyway (the marker then records this key), set \`spec.adopt: true\` in set corp or run with --adopt; otherwise remove it from the manifest`,
      );
    }
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect((await liveByEmail(fixture.kratos.adminUrl)).get("cfo@corp.example")).toMatchObject({
      id: account.id,
      metadata_public: { role: "staff" },
    });

    // Adopted on purpose: shown as `> adopt` with what the account holds; the marker then records the new key.
    const planned = await runCli(["plan", dir, "--output", "json", "--adopt"], fixture.env);
    expect([planned.code, planned.stderr]).toEqual([0, ""]);
    expect(JSON.parse(planned.stdout).sets[0].actions).toMatchObject([
      { action: "adopt", key: "cfo@corp.example", id: account.id },
    ]);
    const adopted = await runCli(["apply", dir, "--adopt"], fixture.env);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain(`> adopt corp/cfo@corp.example (${account.id}) holds credentials:`);
    expect((await liveByEmail(fixture.kratos.adminUrl)).get("cfo@corp.example")!.metadata_admin).toEqual({
      clearance: "board",
      [MARKER_KEY]: { set: "corp", key: keyDigest("cfo@corp.example", EMAIL_KEY) },
    });
    expect((await runCli(["plan", dir, "--detailed-exitcode"], fixture.env)).code).toBe(0);
  });

  it("an old marker (no key digest) keeps working and gets the digest with the next write", async () => {
    const api = (await import("../../support/kratos-api")).admin(fixture.kratos.adminUrl);
    const old = await api.createIdentity({
      schema_id: "default",
      traits: { email: "old@corp.example" },
      metadata_admin: { [MARKER_KEY]: { set: "legacy" } },
    });
    const same = manifestDir({
      "legacy.yaml": setYaml("legacy", "key: traits.email\nidentities:\n  - traits: { email: old@corp.example }"),
    });
    expect((await runCli(["plan", same, "--detailed-exitcode"], fixture.env)).code).toBe(0);
    const changed = manifestDir({
      "legacy.yaml": setYaml(
        "legacy",
        "key: traits.email\nidentities:\n  - traits: { email: old@corp.example }\n    metadata_public: { v: 2 }",
      ),
    });
    const applied = await runCli(["apply", changed], fixture.env);
    expect([applied.code, applied.stdout]).toEqual([0, expect.stringContaining("0 created, 1 updated, 0 adopted")]);
    expect((await api.getIdentity(old.id)).metadata_admin).toEqual({
      [MARKER_KEY]: { set: "legacy", key: keyDigest("old@corp.example", EMAIL_KEY) },
    });
  });

  it("never shows the password or a key digest in any output", () => {
    expect(outputs().length).toBeGreaterThan(5);
    for (const secret of [
      ALICE_PASSWORD,
      keyDigest("alice@corp.example", EMAIL_KEY),
      keyDigest("cfo@corp.example", EMAIL_KEY),
      keyDigest("old@corp.example", EMAIL_KEY),
    ]) {
      for (const text of outputs()) expect(text).not.toContain(secret);
    }
  });
});
