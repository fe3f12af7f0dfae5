// The CLI's output survives a pipe: a CI log collector reading 1,000 result lines, or lagging behind a large plan.
// (Before the fix, `process.exit` dropped whatever was still queued for the pipe: a CI log showed a truncated list
// of failures and no "Apply complete:" line, and a slow reader could get nothing at all.)
import { spawn } from "node:child_process";
import { defaultServer, Kratos } from "../../../src/dev/kratos";
import { allOutputs, CLI, manifestDir, runCli, setYaml } from "../../support/cli";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { isBatchCreate } from "../../support/reliability";

/**
 * Runs the CLI with its stdout left unread for a while (until the process exits, or `lagMs` passed: a fixed CLI
 * waits for its reader), then reads all of it.
 */
function runWithSlowReader(
  args: string[],
  env: Record<string, string>,
  lagMs = 2000,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    child.stdout.pause();
    let stdout = "";
    let code: number | null = null;
    let reading = false;
    const read = () => {
      clearTimeout(timer);
      if (reading) return;
      reading = true;
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stdout.resume();
    };
    const timer = setTimeout(read, lagMs);
    child.on("error", reject);
    child.once("exit", (exitCode) => {
      code = exitCode;
      read();
    });
    child.on("close", () => {
      allOutputs.push(stdout);
      resolve({ code, stdout });
    });
  });
}

describe("output through a pipe that is read slowly", () => {
  const fixture = kratosBehindProxy(defaultServer());
  let kratos: Kratos;
  let proxy: Proxy;
  beforeAll(() => {
    ({ kratos, proxy } = fixture);
  });

  it("keeps every one of 1,000 failure lines and the summary after them", async () => {
    // The batch's answer is lost: every item is reported failed, one line each (many small writes).
    const dir = manifestDir({
      "lost.yaml": setYaml(
        "lost",
        `key: traits.email
generate:
  - count: 1000
    template: { traits: { email: "lost-{{i}}@output.test" } }`,
      ),
    });
    proxy.setHook((request, stage) => (stage === "answered" && isBatchCreate(request) ? "drop" : undefined));
    try {
      const result = await runCli(["apply", dir], { ORY_ADMIN_URL: proxy.url });
      const lines = result.stdout.split("\n");
      expect(lines.filter((line) => line.startsWith("! failed lost/lost-")).length).toBe(1000);
      expect(lines.slice(-2)).toEqual(["Apply complete: 0 created, 0 updated, 0 adopted, 0 deleted, 1000 failed.", ""]);
      expect(result.code).toBe(1);
    } finally {
      proxy.setHook(undefined);
    }
  });

  it("keeps every line of a 2,000-identity plan, the summary last", async () => {
    const dir = manifestDir({
      "big.yaml": setYaml(
        "big",
        `key: traits.email\ngenerate:\n  - count: 2000\n    template: { traits: { email: "big-{{i}}@output.test", name: { first: "Big", last: "Output" } } }`,
      ),
    });
    // --verbose: every copy of the generate entry on its own line (without it they are summarized in one).
    const { code, stdout } = await runWithSlowReader(["plan", dir, "--detailed-exitcode", "--verbose"], {
      ORY_ADMIN_URL: kratos.adminUrl,
    });
    expect(stdout.length).toBeGreaterThan(200_000); // several times what a pipe buffers
    expect(code).toBe(2);
    expect(stdout.split("\n").filter((line) => line.startsWith("+ create big/")).length).toBe(2000);
    expect(stdout.endsWith("Plan: 2000 to create, 0 to update, 0 to delete, 0 to adopt.\n")).toBe(true);
  });
});
