// `apply` and `export` end to end against a real Kratos.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin, canLogIn, liveByEmail } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { describeServers } from "../../support/servers";

const EMAIL_KEY = { kind: "trait" as const, path: ["email"] };

const PASSWORDS = [
  "first-Secret-111",
  "second-Secret-222",
  "initial-Secret-333",
  "other-Secret-444",
  "registrant-Secret-555",
  "declared-Secret-666",
];

describeServers("all", "apply and export", (server) => {
  const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.kratos.adminUrl }));

  const plan = (dir: string, extra: Record<string, string> = {}) =>
    runCli(["plan", dir, "--detailed-exitcode"], { ...fixture.env, ...extra });

  it("creates, updates, changes state, and converges to an empty plan", async () => {
    const v1 = setYaml(
      "team",
      `key: traits.email
identities:
  - traits: { email: ann@example.com, name: { first: Ann } }
    metadata_public: { role: admin }
    metadata_admin: { team: core }
    verifiable_addresses: [{ value: ann@example.com, via: email, verified: true }]
  - traits: { email: ben@example.com, groups: [a, b] }`,
    );
    const dir = manifestDir({ "team.yaml": v1 });
    const first = await runCli(["apply", dir], fixture.env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Apply complete: 2 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");
    const live = await liveByEmail(fixture.kratos.adminUrl);
    const ann = live.get("ann@example.com")!;
    expect(ann.metadata_public).toEqual({ role: "admin" });
    expect(ann.metadata_admin).toEqual({
      team: "core",
      [MARKER_KEY]: { set: "team", key: keyDigest("ann@example.com", EMAIL_KEY) },
    });
    expect(ann.verifiable_addresses?.map((a) => [a.value, a.verified, a.status])).toEqual([
      ["ann@example.com", true, "completed"],
    ]);
    expect(live.get("ben@example.com")!.verifiable_addresses?.map((a) => a.verified)).toEqual([false]);
    expect((await plan(dir)).code).toBe(0);

    const v2 =
      v1.replace("first: Ann", "first: Anna").replace("groups: [a, b]", "groups: [b]") + "      state: inactive\n";
    const dir2 = manifestDir({ "team.yaml": v2 });
    const second = await runCli(["apply", dir2], fixture.env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("Apply complete: 0 created, 2 updated, 0 adopted, 0 deleted, 0 failed.");
    const after = await liveByEmail(fixture.kratos.adminUrl);
    expect(after.get("ann@example.com")!.traits).toEqual({ email: "ann@example.com", name: { first: "Anna" } });
    expect(after.get("ann@example.com")!.verifiable_addresses?.map((a) => a.verified)).toEqual([true]);
    expect(after.get("ben@example.com")!.traits).toEqual({ email: "ben@example.com", groups: ["b"] });
    expect(after.get("ben@example.com")!.state).toBe("inactive");
    expect((await plan(dir2)).code).toBe(0);

    // inactive -> active again, with PATCH only (no PUT without credential changes)
    fixture.proxy.clear();
    const third = await runCli(
      ["apply", manifestDir({ "team.yaml": v2.replace("state: inactive", "state: active") })],
      { ORY_ADMIN_URL: fixture.proxy.url },
    );
    expect(third.code).toBe(0);
    expect((await liveByEmail(fixture.kratos.adminUrl)).get("ben@example.com")!.state).toBe("active");
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /admin/identities/${after.get("ben@example.com")!.id}`,
    ]);
  });

  it("one conflicting identity in a batch does not sink the others", async () => {
    // Someone registers taken@example.com after the plan read the identities: a clash the plan could not see.
    let taken: Promise<unknown> | undefined;
    fixture.proxy.setHook(async (request, stage) => {
      if (stage !== "received" || request.method !== "PATCH" || request.path !== "/admin/identities") return;
      await (taken ??= admin(fixture.kratos.adminUrl).createIdentity({
        schema_id: "default",
        traits: { email: "taken@example.com", username: "someone" },
      }));
    });
    const users = Array.from(
      { length: 30 },
      (_, i) => `  - traits: { email: batch-${i}@example.com, username: batch-${i} }`,
    ).join("\n");
    const dir = manifestDir({
      "batch.yaml": setYaml(
        "batch",
        `key: traits.username\nidentities:\n${users}\n  - traits: { email: taken@example.com, username: newbie }`,
      ),
    });
    fixture.proxy.clear();
    const result = await runCli(["apply", dir], { ORY_ADMIN_URL: fixture.proxy.url });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("! failed batch/newbie: ");
    expect(result.stdout).toContain("Apply complete: 30 created, 0 updated, 0 adopted, 0 deleted, 1 failed.");
    const live = await liveByEmail(fixture.kratos.adminUrl);
    for (let i = 0; i < 30; i++)
      expect(live.get(`batch-${i}@example.com`)?.metadata_admin).toEqual({
        [MARKER_KEY]: { set: "batch", key: keyDigest(`batch-${i}`, { kind: "trait", path: ["username"] }) },
      });
    expect(live.get("taken@example.com")!.traits).toEqual({ email: "taken@example.com", username: "someone" });
    // No per-item POST storm. v1.3.1 rolls the whole batch back on the conflict, so a second batch goes without the
    // culprit; v26.2.0 and master keep the other items and report only the conflicting one (persister_identity.go:
    // batch.PartialConflictError), so one batch is all.
    expect(fixture.proxy.count((r) => r.method === "PATCH" && r.path === "/admin/identities")).toBe(
      server === "v1.3.1" ? 2 : 1,
    );
    fixture.proxy.setHook(undefined);
    // A re-run never duplicates: the plan now sees the clash and names the identity that holds the e-mail.
    const taker = live.get("taken@example.com")!;
    const again = await runCli(["plan", dir], fixture.env);
    expect(again.code).toBe(1);
    expect(again.stdout + again.stderr).toContain(
      `batch/newbie: traits.email "taken@example.com" is already held by live identity ${taker.id} (not managed by ory-reconcile)`,
    );
  });

  it("password policy initial sets once; enforce re-sets when the declared value changes", async () => {
    const yaml = (policy: string) =>
      setYaml(
        "logins",
        `key: traits.email
identities:
  - traits: { email: enforce@example.com }
    credentials: { password: { password: "\${env:ENFORCED}", policy: enforce } }
  - traits: { email: initial@example.com }
    credentials: { password: { password: "\${env:INITIAL}", policy: ${policy} } }`,
      );
    const dir = manifestDir({ "logins.yaml": yaml("initial") });
    expect((await runCli(["apply", dir], { ...fixture.env, ENFORCED: PASSWORDS[0], INITIAL: PASSWORDS[2] })).code).toBe(
      0,
    );
    expect(await canLogIn(fixture.kratos.publicUrl, "enforce@example.com", PASSWORDS[0])).toBe(true);
    expect(await canLogIn(fixture.kratos.publicUrl, "initial@example.com", PASSWORDS[2])).toBe(true);

    const changed = { ...fixture.env, ENFORCED: PASSWORDS[1], INITIAL: PASSWORDS[3] };
    const planned = await runCli(["plan", dir, "--output", "json"], changed);
    expect(JSON.parse(planned.stdout).summary).toEqual({ create: 0, update: 1, delete: 0, adopt: 0, noop: 1 });
    const applied = await runCli(["apply", dir], changed);
    expect(applied.code).toBe(0);
    expect(await canLogIn(fixture.kratos.publicUrl, "enforce@example.com", PASSWORDS[1])).toBe(true);
    expect(await canLogIn(fixture.kratos.publicUrl, "enforce@example.com", PASSWORDS[0])).toBe(false);
    expect(await canLogIn(fixture.kratos.publicUrl, "initial@example.com", PASSWORDS[2])).toBe(true);
    expect(await canLogIn(fixture.kratos.publicUrl, "initial@example.com", PASSWORDS[3])).toBe(false);
    expect((await plan(dir, { ENFORCED: PASSWORDS[1], INITIAL: PASSWORDS[3] })).code).toBe(0);
    const marker = (await liveByEmail(fixture.kratos.adminUrl)).get("enforce@example.com")!.metadata_admin as Record<
      string,
      { password: string }
    >;
    expect(marker[MARKER_KEY].password).toMatch(/^s3:/);
    expect(planned.stdout).not.toContain(marker[MARKER_KEY].password);
  });

  it("prunes only with prune, only its own identities; --max-deletes aborts before any write", async () => {
    await admin(fixture.kratos.adminUrl).createIdentity({
      schema_id: "default",
      traits: { email: "free-agent@example.com" },
    });
    const three = setYaml(
      "pr",
      "key: traits.email\nidentities:\n  - traits: { email: p1@example.com }\n  - traits: { email: p2@example.com }\n  - traits: { email: p3@example.com }",
    );
    expect((await runCli(["apply", manifestDir({ "pr.yaml": three })], fixture.env)).code).toBe(0);
    const one = manifestDir({
      "pr.yaml": setYaml("pr", "key: traits.email\nidentities:\n  - traits: { email: p1@example.com }"),
    });

    const noPrune = await runCli(["apply", one], fixture.env);
    expect(noPrune.stdout).toContain("Apply complete: 0 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");

    fixture.proxy.clear();
    const limited = await runCli(["apply", one, "--prune", "--max-deletes", "1"], { ORY_ADMIN_URL: fixture.proxy.url });
    expect(limited.code).toBe(1);
    expect(limited.stderr).toContain("more than --max-deletes 1");
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);

    const pruned = await runCli(["apply", one, "--prune", "--max-deletes", "2"], fixture.env);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("Apply complete: 0 created, 0 updated, 0 adopted, 2 deleted, 0 failed.");
    const live = await liveByEmail(fixture.kratos.adminUrl);
    expect(["p1", "p2", "p3"].map((p) => live.has(`${p}@example.com`))).toEqual([true, false, false]);
    expect(live.has("free-agent@example.com")).toBe(true);
    expect(live.has("ann@example.com")).toBe(true);
  });

  // Someone registers through self-service before the manifest declares them: a plan error unless adoption is asked
  // for (spec.adopt: true or --adopt); adopted, the account gets the declared metadata and keeps its own password.
  it.each([
    ["--adopt", "cfo@corp.example", "", ["--adopt"]],
    ["spec.adopt: true", "ceo@corp.example", "adopt: true\n", []],
  ])(
    "adopts a self-service registrant only when asked (%s); otherwise a plan error naming both ways, nothing written",
    async (_how, email, specAdopt, flags) => {
      const [registrantPassword, declaredPassword] = [PASSWORDS[4], PASSWORDS[5]];
      const registrant = await admin(fixture.kratos.adminUrl).createIdentity({
        schema_id: "default",
        traits: { email },
        credentials: { password: { config: { password: registrantPassword } } },
        verifiable_addresses: [{ value: email, via: "email", verified: true, status: "completed" }],
      });
      const identity = `identities:\n  - traits: { email: ${email} }\n    metadata_admin: { cost_center: finance }\n    metadata_public: { role: executive }\n    verifiable_addresses: [{ value: ${email}, via: email, verified: true }]\n    credentials: { password: { password: "\${env:DECLARED_PASSWORD}", policy: initial } }`;
      const refusedDir = manifestDir({ "adopters.yaml": setYaml("adopters", `key: traits.email\n${identity}`) });
      const viaProxy = { ORY_ADMIN_URL: fixture.proxy.url, DECLARED_PASSWORD: declaredPassword };
      fixture.proxy.clear();
      for (const args of [
        ["plan", refusedDir],
        ["apply", refusedDir],
        ["apply", refusedDir, "--no-adopt"],
      ]) {
        const refused = await runCli(args, viaProxy);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `${join(refusedDir, "adopters.yaml")}:8:7: adopters/${email}: live identity ${registrant.id} has this key but is not managed by ory-reconcile (no ownership marker), and adoption was not asked for\n` +
            "    hint: to take it over (ownership marker added, drift fixed), set `spec.adopt: true` in set adopters or run with --adopt; otherwise remove it from the manifest",
        );
        expect(refused.stdout).not.toContain("> adopt");
      }
      expect(fixture.proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);

      const dir = manifestDir({ "adopters.yaml": setYaml("adopters", `key: traits.email\n${specAdopt}${identity}`) });
      const withEnv = { ...viaProxy, ORY_ADMIN_URL: fixture.kratos.adminUrl };
      const planned = await runCli(["plan", dir, "--output", "json", ...flags], withEnv);
      expect([planned.code, planned.stderr]).toEqual([0, ""]);
      const [action] = JSON.parse(planned.stdout).sets[0].actions;
      expect(action).toMatchObject({
        action: "adopt",
        key: email,
        id: registrant.id,
        holds: { providers: [], verified_addresses: [email] },
      });
      expect(action.holds.credentials).toContain("password");
      const adopted = await runCli(["apply", dir, ...flags], withEnv);
      expect(adopted.code).toBe(0);
      expect(adopted.stdout).toMatch(
        new RegExp(
          `^> adopt adopters/${email.replace(/\./g, "\\.")} \\(${registrant.id}\\) holds credentials: [a-z_, ]*\\bpassword\\b[a-z_, ]*; providers: none; verified addresses: ${email.replace(/\./g, "\\.")}$`,
          "m",
        ),
      );
      expect(adopted.stdout).toContain("0 created, 0 updated, 1 adopted");
      const live = (await liveByEmail(fixture.kratos.adminUrl)).get(email)!;
      expect([
        live.id,
        live.metadata_admin,
        live.metadata_public,
        live.verifiable_addresses?.map((a) => [a.value, a.verified]),
      ]).toEqual([
        registrant.id,
        { cost_center: "finance", [MARKER_KEY]: { set: "adopters", key: keyDigest(email, EMAIL_KEY) } },
        { role: "executive" },
        [[email, true]],
      ]);
      // Policy initial: the registrant's password keeps working, the declared one was never set.
      expect(await canLogIn(fixture.kratos.publicUrl, email, registrantPassword)).toBe(true);
      expect(await canLogIn(fixture.kratos.publicUrl, email, declaredPassword)).toBe(false);
      expect((await runCli(["plan", dir, "--detailed-exitcode"], withEnv)).code).toBe(0);
    },
  );

  it("apply --plan applies a saved plan, and refuses a stale one without writing", async () => {
    const dir = manifestDir({
      "saved.yaml": setYaml(
        "saved",
        "key: traits.email\nidentities:\n  - traits: { email: s1@example.com, name: { first: One } }",
      ),
    });
    const planFile = join(dir, "plan.json");
    expect((await runCli(["plan", dir, "--out", planFile], fixture.env)).code).toBe(0);
    const ok = await runCli(["apply", dir, "--plan", planFile], fixture.env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("1 created");

    const changedDir = manifestDir({
      "saved.yaml": setYaml(
        "saved",
        "key: traits.email\nidentities:\n  - traits: { email: s1@example.com, name: { first: Two } }",
      ),
    });
    const planFile2 = join(changedDir, "plan.json");
    expect((await runCli(["plan", changedDir, "--out", planFile2], fixture.env)).code).toBe(0);
    expect(JSON.parse(readFileSync(planFile2, "utf8")).summary.update).toBe(1);
    const s1 = (await liveByEmail(fixture.kratos.adminUrl)).get("s1@example.com")!;
    await admin(fixture.kratos.adminUrl).patchIdentity(s1.id, [
      { op: "replace", path: "/metadata_public", value: { touched: true } },
    ]);
    fixture.proxy.clear();
    const stale = await runCli(["apply", changedDir, "--plan", planFile2], { ORY_ADMIN_URL: fixture.proxy.url });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("is stale; nothing was written");
    expect(stale.stderr).toContain("set saved: live identities changed since the plan was made");
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("export writes manifests that plan as a no-op (managed) or a pure adoption (unmanaged)", async () => {
    const out = manifestDir({});
    const exported = await runCli(["export", "--out", out], fixture.env);
    expect(exported.code).toBe(0);
    const files = ["adopters", "batch", "imported", "logins", "pr", "saved", "team"].map((s) => `${s}.yaml`);
    for (const file of files) expect(readFileSync(join(out, file), "utf8")).toContain("apiVersion: ory-reconcile/v1");
    // Only the set of unmanaged identities asks for adoption.
    expect(files.filter((file) => /^  adopt: true$/m.test(readFileSync(join(out, file), "utf8")))).toEqual([
      "imported.yaml",
    ]);
    const managedOnly = files.filter((f) => f !== "imported.yaml").map((f) => join(out, f));
    const again = await runCli(["plan", ...managedOnly, "--detailed-exitcode"], fixture.env);
    expect(again.stdout).toMatch(
      /^\d+ identities are unchanged\.\nPlan: 0 to create, 0 to update, 0 to delete, 0 to adopt\.\n$/,
    );
    expect(again.code).toBe(0);
    const adopt = await runCli(["plan", join(out, "imported.yaml"), "--output", "json"], fixture.env);
    expect([adopt.code, adopt.stderr]).toEqual([0, ""]);
    const json = JSON.parse(adopt.stdout);
    expect(json.summary.create + json.summary.update + json.summary.delete).toBe(0);
    expect(json.summary.adopt).toBeGreaterThan(0);
    for (const action of json.sets[0].actions) expect(action.changes).toEqual([]);
    expect(readFileSync(join(out, "logins.yaml"), "utf8")).not.toMatch(/password:/);
  });

  it("never prints a password or token", () => {
    const text = allOutputs.join("\n");
    for (const secret of PASSWORDS) expect(text).not.toContain(secret);
    // Nor a password hash the server holds (the adopt line names credential types only).
    expect(text).not.toMatch(/\$2[aby]\$|\$argon2/);
  });
});
