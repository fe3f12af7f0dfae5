// A DELETE that the server's database could not serve in time: while `apply` prunes, another writer holds the write
// lock of Kratos' SQLite database for longer than Kratos' busy_timeout (5 s). Kratos v1.3.1 and v26.2.0 answer that
// DELETE 500 "database is locked"; Kratos master answers it 400 "Unable to serialize access due to a concurrent update
// in another session" (oryx/sqlcon maps SQLITE_BUSY to ErrConcurrentUpdate). Either way nothing was deleted, and the
// same DELETE succeeds once the lock is free: apply retries it and reports the identity deleted (before the fix, master's
// 400 was taken as final: "1 failed", the cause of reliability/crash.test.ts failing on a loaded machine).
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { dsnBackend } from "../../../src/dev/kratos";
import { allOutputs, manifestDir, runCli, setYaml } from "../../support/cli";
import { kratosBehindProxy } from "../../support/fixture";
import { admin } from "../../support/kratos-api";
import { API_KEY, isDelete, markerSet, outcome } from "../../support/reliability";
import { describeServers } from "../../support/servers";

/** Longer than Kratos' SQLite busy_timeout (5 s: the first DELETE gives up), short enough for a retry to succeed. */
const HOLD_MS = 6500;

/** Why the suite cannot run here: it needs Kratos on SQLite and the `sqlite3` command to lock its database. */
function unavailable(): string | undefined {
  if (dsnBackend() !== "sqlite") return "needs Kratos on SQLite (KRATOS_DSN_BACKEND=postgres)";
  if (spawnSync("sqlite3", ["-version"]).error) return "needs the sqlite3 command (apt-get install sqlite3)";
  return undefined;
}

/** Takes the write lock of the SQLite database at `path` (BEGIN IMMEDIATE) and resolves once it holds it; `release`
 * rolls back and ends the holder. */
async function holdWriteLock(path: string): Promise<{ release: () => Promise<void> }> {
  const holder: ChildProcess = spawn("sqlite3", [path], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => holder.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve());
    holder.once("exit", (code) => reject(new Error(`sqlite3 exited with ${code} before it held the lock`)));
    holder.stdin?.write(".timeout 30000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
  });
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (holder.stdin?.end("ROLLBACK;\n.quit\n"), exited);
      return released;
    },
  };
}

const reason = unavailable();
(reason ? describe.skip : describe)(
  `a DELETE that meets a locked database${reason ? ` (skipped: ${reason})` : ""}`,
  () => {
    describeServers("all", "apply retries a DELETE the busy database refused", (server) => {
      const fixture = kratosBehindProxy(server, (f) => ({ ORY_ADMIN_URL: f.proxy.url, ORY_API_KEY: API_KEY }));

      it("the server refuses the first DELETE (500 on v1.3.1 and v26.2.0, 400 'concurrent update' on master); apply retries it and the identity is deleted", async () => {
        const { kratos, proxy, env } = fixture;
        const declared = manifestDir({
          "busy.yaml": setYaml(
            "busy",
            "key: traits.email\nprune: true\nidentities:\n  - traits: { email: busy@busy.test }",
          ),
        });
        const none = manifestDir({ "busy.yaml": setYaml("busy", "key: traits.email\nprune: true\nidentities: []") });
        const created = await runCli(["apply", declared], env);
        expect(outcome(created)).toBe("exit 0: Apply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");
        const [identity] = (await admin(kratos.adminUrl).listIdentities({ pageSize: 1000 })).filter(
          (i) => markerSet(i) === "busy",
        );

        // The lock is taken when the first DELETE reaches the proxy, before it is forwarded, and freed HOLD_MS later.
        let lock: Promise<{ release: () => Promise<void> }> | undefined;
        proxy.setHook(async (request, stage) => {
          if (lock || stage !== "received" || !isDelete(request)) return;
          lock = holdWriteLock(join(kratos.dir, "db.sqlite"));
          const held = await lock;
          setTimeout(() => void held.release(), HOLD_MS);
        });
        const from = proxy.requests.length;
        try {
          const pruned = await runCli(["apply", none, "--max-deletes", "all"], env);
          const deletes = proxy.requests.slice(from).filter(isDelete);
          // What the real server answered to the first and the last attempt, and what apply made of it.
          expect({
            first: deletes[0]?.status,
            last: deletes[deletes.length - 1]?.status,
            paths: [...new Set(deletes.map((d) => d.path))],
            outcome: outcome(pruned),
            failures: pruned.stdout.split("\n").filter((line) => line.startsWith("! ")),
          }).toEqual({
            first: server === "master" ? 400 : 500,
            last: 204,
            paths: [`/admin/identities/${identity.id}`],
            outcome: "exit 0: Apply complete: 0 created, 0 updated, 0 adopted, 1 deleted, 0 failed.",
            failures: [],
          });
        } finally {
          proxy.setHook(undefined);
          await (await lock)?.release();
        }
        expect(await admin(kratos.adminUrl).listIdentitiesByIds([identity.id])).toEqual([]);
        for (const text of allOutputs) expect(text).not.toContain(API_KEY);
      });
    });
  },
);
