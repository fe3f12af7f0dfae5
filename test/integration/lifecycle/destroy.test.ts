// `ory-reconcile destroy --set NAME…` and the default delete cap, against a real server: destroy deletes every
// identity the named sets manage and nothing else (other sets, unmanaged identities); a run that deletes more than
// 20 (or a tenth of what its sets manage, when that is more) is refused before the first write without
// --max-deletes.
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { admin } from "../../support/kratos-api";
import { kratosBehindProxy } from "../../support/fixture";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";

const PASSWORD = "dst-Secret-5150q";

function seeded(name: string, count: number, prune = false): string {
  const generate =
    count > 0
      ? `generate:\n  - count: ${count}\n    template:\n      traits: { email: "${name}-{{i}}@example.test" }\n      credentials: { password: { password: "\${env:DST_PASSWORD}" } }`
      : "identities: []";
  return manifestDir({ [`${name}.yaml`]: setYaml(name, `key: traits.email\nprune: ${prune}\n${generate}`) });
}

describe("destroy and the delete cap", () => {
  const fixture = kratosBehindProxy(process.env.KRATOS_VERSION || "v1.3.1", (f) => ({
    ORY_ADMIN_URL: f.proxy.url,
    DST_PASSWORD: PASSWORD,
  }));
  const client = () => admin(fixture.kratos.adminUrl);
  /** Every live identity as `set:email` (`-:email` when unmanaged), sorted. */
  const inventory = async () =>
    (await client().listIdentities({ pageSize: 1000 }))
      .map(
        (i) =>
          `${(i.metadata_admin as Record<string, { set?: string }> | null)?.[MARKER_KEY]?.set ?? "-"}:${(i.traits as { email: string }).email}`,
      )
      .sort();
  const deletes = () => fixture.proxy.requests.filter((r) => r.method === "DELETE");
  const run = async (args: string[]) => {
    fixture.proxy.clear();
    return runCli(args, fixture.env);
  };

  beforeAll(async () => {
    expect((await runCli(["apply", seeded("seed", 25), seeded("other", 2)], fixture.env)).code).toBe(0);
    await client().createIdentity({ schema_id: "default", traits: { email: "self@example.test" } });
  });

  it("refuses to destroy more than 20 without --max-deletes, before any delete", async () => {
    const refused = await run(["destroy", "--set", "seed"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error: the plan deletes 25 identities, more than the default cap of 20 (the larger of 20 and a tenth of the 25 identities these sets manage); nothing was written\n" +
        "  hint: review the deletes in the plan, then run again with --max-deletes 25 (or --max-deletes all)\n",
    );
    expect(refused.stdout).toContain("- delete seed/seed-1@example.test (");
    // The reason is data in the plan, and the text says it: the set is destroyed, whatever the manifests declare.
    expect(refused.stdout).toMatch(
      /^- delete seed\/seed-1@example\.test \([0-9a-f-]+\)\n {4}because its set is destroyed\n/m,
    );
    expect(refused.stdout).toContain("Plan: 0 to create, 0 to update, 25 to delete, 0 to adopt.");
    expect(deletes()).toEqual([]);
    expect((await run(["destroy", "--set", "seed", "--max-deletes", "24"])).stderr).toContain(
      "more than --max-deletes 24; nothing was written",
    );
    expect(deletes()).toEqual([]);
  });

  it("deletes every identity of the named sets and nothing else; again, there is nothing to destroy", async () => {
    const done = await run(["destroy", "--set", "seed", "--max-deletes", "all"]);
    expect(done.code).toBe(0);
    // Progress, line by line in CI; the last line is the end.
    expect(done.stderr.trim().split("\n").pop()).toBe("destroy: 25/25 (100%)");
    expect(done.stdout).toContain("Apply complete: 0 created, 0 updated, 0 adopted, 25 deleted, 0 failed.\n");
    expect(deletes()).toHaveLength(25);
    expect(await inventory()).toEqual([
      "-:self@example.test",
      "other:other-1@example.test",
      "other:other-2@example.test",
    ]);

    const again = await run(["destroy", "--set", "seed"]);
    expect([again.code, again.stdout, again.stderr]).toEqual([
      0,
      "Nothing to destroy: no identity is managed by set seed.\n",
      "",
    ]);
    expect(fixture.proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);

    const json = await run(["destroy", "--set", "other", "--set", "seed", "--output", "json"]);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.plan.summary).toEqual({ create: 0, update: 0, delete: 2, adopt: 0, noop: 0 });
    expect(
      out.plan.sets.flatMap((set: { actions: Array<{ action: string; reason: string; changes?: unknown }> }) =>
        set.actions.map((a) => [a.action, a.reason, a.changes]),
      ),
    ).toEqual([
      ["delete", "destroy", undefined],
      ["delete", "destroy", undefined],
    ]);
    expect(out.outcomes.map((o: { subject: string; result: string }) => `${o.subject} ${o.result}`).sort()).toEqual([
      "other/other-1@example.test deleted",
      "other/other-2@example.test deleted",
    ]);
    expect(await inventory()).toEqual(["-:self@example.test"]);
  });

  it("refuses a bad set name before contacting the server", async () => {
    const bad = await run(["destroy", "--set", "Seed!"]);
    expect([bad.code, bad.stderr.split("\n")[0]]).toEqual([1, 'Error: --set "Seed!" is not a set name']);
    expect(fixture.proxy.requests).toEqual([]);
  });

  it("caps apply --prune the same way", async () => {
    expect((await runCli(["apply", seeded("bulk", 22)], fixture.env)).code).toBe(0);
    const refused = await run(["apply", seeded("bulk", 0, true)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the plan deletes 22 identities, more than the default cap of 20");
    expect(refused.stderr).toContain("--max-deletes 22 (or --max-deletes all)");
    expect(deletes()).toEqual([]);
    // Up to the cap needs no flag.
    expect((await run(["apply", seeded("bulk", 2, true), "--max-deletes", "20"])).code).toBe(0);
    expect(deletes()).toHaveLength(20);
  });

  afterAll(() => {
    expect(allOutputs.join("\n")).not.toContain(PASSWORD);
  });
});
