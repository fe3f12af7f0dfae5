// SIGTERM during `apply` while the server has stopped answering (the writes in flight get no answer, ever): the run
// waits CANCEL_GRACE_MS for them, then prints every outcome (the unanswered writes as failed, their outcome unknown;
// the rest not attempted), exits 1 with the reason, and a re-run converges. The password never appears in any output.
import type { ChildProcess } from "node:child_process";
import { CANCEL_GRACE_MS } from "../../../src/reconcile/engine/apply";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { kratosBehindProxy } from "../../support/fixture";
import { isIdentityPatch, listAll, markerSet } from "../../support/reliability";
import { describeServers } from "../../support/servers";

const PASSWORD = "Unanswered-Secret-Pass-4711";
const COUNT = 40;

function yaml(version: number): string {
  return setYaml(
    "hung",
    `key: traits.email
defaults:
  credentials: { password: { password: "\${env:HUNG_PASSWORD}" } }
generate:
  - count: ${COUNT}
    template: { traits: { email: "hung{{i}}@unanswered.test" }, metadata_public: { v: ${version} } }`,
  );
}

describeServers("all", "apply cancelled while the server does not answer", (server) => {
  const fixture = kratosBehindProxy(server);
  const env = () => ({ ...fixture.env, HUNG_PASSWORD: PASSWORD });

  it("SIGTERM: the unanswered writes fail as outcome unknown after the grace period, every outcome is printed, exit 1, a re-run converges", async () => {
    expect((await runCli(["apply", manifestDir({ "hung.yaml": yaml(1) })], env())).code).toBe(0);

    // 40 single-identity PATCHes, two at a time: from the 9th on the server answers none; the signal comes with the 10th.
    fixture.proxy.clear();
    let child: ChildProcess | undefined;
    let release: (verdict: "drop") => void = () => undefined;
    const silence = new Promise<"drop">((resolve) => (release = resolve));
    fixture.proxy.setHook((request, stage) => {
      if (stage !== "received" || !isIdentityPatch(request)) return;
      const n = fixture.proxy.count(isIdentityPatch);
      if (n === 10) child?.kill("SIGTERM");
      return n >= 9 ? silence : undefined;
    });
    const started = Date.now();
    const stopped = await runCli(["apply", manifestDir({ "hung.yaml": yaml(2) }), "--concurrency", "2"], env(), {
      onSpawn: (c) => (child = c),
    });
    const seconds = (Date.now() - started) / 1000;
    release("drop"); // the held requests are dropped, never forwarded
    fixture.proxy.setHook(undefined);
    await fixture.proxy.settled();

    const unknown = stopped.stdout
      .split("\n")
      .filter(
        (line) =>
          line.startsWith("! failed hung/") &&
          line.endsWith(
            `: its write had no answer ${CANCEL_GRACE_MS / 1000} s after the run was cancelled; it may have been made: re-run to converge`,
          ),
      );
    const notAttempted = stopped.stdout.split("\n").filter((line) => line.startsWith("! not attempted hung/"));
    console.log(
      `${server}: exit ${stopped.code} after ${seconds.toFixed(1)} s; ${unknown.length} outcome unknown, ${notAttempted.length} not attempted`,
    );
    expect({
      code: stopped.code,
      signal: stopped.signal,
      unknown: unknown.length,
      notAttempted: notAttempted.length,
    }).toEqual({ code: 1, signal: null, unknown: 2, notAttempted: COUNT - 10 });
    expect(stopped.stdout).toContain(
      `Apply complete: 0 created, 8 updated, 0 adopted, 0 deleted, 2 failed, ${COUNT - 10} not attempted.\n`,
    );
    expect(stopped.stderr).toContain("Error: the apply was cancelled: no write was started after that\n");
    expect(seconds).toBeGreaterThanOrEqual(CANCEL_GRACE_MS / 1000);

    // The server holds exactly the 8 answered writes; a re-run writes the rest.
    const written = (await listAll(fixture.kratos.adminUrl)).filter(
      (i) => markerSet(i) === "hung" && (i.metadata_public as { v?: number } | null)?.v === 2,
    );
    expect(written.length).toBe(8);
    const rerun = await runCli(["apply", manifestDir({ "hung.yaml": yaml(2) })], env());
    expect(rerun.stdout).toContain(`Apply complete: 0 created, ${COUNT - 8} updated, 0 adopted, 0 deleted, 0 failed.`);
  }, 120_000);

  it("no output holds the password", () => {
    expect(allOutputs.filter((text) => text.includes(PASSWORD))).toEqual([]);
  });
});
