// Everyday CLI comforts against a real Kratos: `reconcile` (the command and the bin), --quiet for CI logs, and
// colour only on a terminal unless NO_COLOR or --no-color say otherwise.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultServer } from "../../../src/dev/kratos";
import { allOutputs, CLI, CliResult, manifestDir, runCli, setYaml } from "../../support/cli";
import { kratosBehindProxy } from "../../support/fixture";
import { liveByEmail } from "../../support/kratos-api";

const PASSWORD = "comfort-Secret-4821";
const ANSI = "\x1b[";

/** Runs `command` (a shell command line) on a pseudo-terminal, as a person at a terminal would: stdout is a TTY. */
function onTerminal(command: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      allOutputs.push(stdout, stderr);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    });
  });
}

describe("CLI comforts", () => {
  const fixture = kratosBehindProxy(defaultServer(), (f) => ({
    ORY_ADMIN_URL: f.kratos.adminUrl,
    COMFORT_PASSWORD: PASSWORD,
  }));
  const set = (name: string, emails: string[]) =>
    setYaml(
      name,
      `key: traits.email\nidentities:\n${emails.map((e) => `  - traits: { email: ${e} }\n    credentials: { password: { password: "\${env:COMFORT_PASSWORD}" } }`).join("\n")}`,
    );

  it("`ory-reconcile reconcile` plans and applies in one step, with apply's flags and --var", async () => {
    const dir = manifestDir({
      "s.yaml": setYaml("rec", 'key: traits.email\nidentities:\n  - traits: { email: "rec@${var:domain}" }'),
    });
    const result = await runCli(["reconcile", dir, "--var", "domain=example.com", "--concurrency", "1"], fixture.env);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe(
      '+ create rec/rec@example.com\n    + /traits: {"email":"rec@example.com"}\nPlan: 1 to create, 0 to update, 0 to delete, 0 to adopt.\nApply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.\n',
    );
    expect((await liveByEmail(fixture.kratos.adminUrl)).has("rec@example.com")).toBe(true);
  });

  it("the `reconcile` bin implies its command: `reconcile <paths>` applies", async () => {
    const bin = mkdtempSync(join(tmpdir(), "ory-reconcile-bin-"));
    symlinkSync(CLI, join(bin, "reconcile"));
    const dir = manifestDir({ "s.yaml": set("bin", ["bin@example.com"]) });
    const result = await onTerminal(`reconcile ${dir} --no-color`, {
      ...fixture.env,
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Apply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");
    expect((await liveByEmail(fixture.kratos.adminUrl)).has("bin@example.com")).toBe(true);
    const help = await onTerminal("reconcile --help", { PATH: `${bin}:${process.env.PATH}` });
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "plan, then apply, in one step (`reconcile` is the same command",
    );
    expect(help.stdout).toContain("--max-deletes");
    rmSync(bin, { recursive: true, force: true });
  });

  it("--quiet prints only the summary line of plan and apply, and errors", async () => {
    const emails = Array.from({ length: 25 }, (_, i) => `quiet-${i + 1}@example.com`);
    const dir = manifestDir({ "s.yaml": set("quiet", emails) });
    const plan = await runCli(["plan", dir, "--quiet"], fixture.env);
    expect(plan).toMatchObject({
      code: 0,
      stdout: "Plan: 25 to create, 0 to update, 0 to delete, 0 to adopt.\n",
      stderr: "",
    });
    // 25 identities: without --quiet a non-TTY apply prints progress lines every 10 % to stderr.
    const apply = await runCli(["apply", dir, "--quiet"], fixture.env);
    expect(apply).toMatchObject({
      code: 0,
      stdout: "Apply complete: 25 created, 0 updated, 0 adopted, 0 deleted, 0 failed.\n",
      stderr: "",
    });
    const again = await runCli(["reconcile", dir, "--quiet"], fixture.env);
    expect(again).toMatchObject({
      code: 0,
      stdout: "Apply complete: 0 created, 0 updated, 0 adopted, 0 deleted, 0 failed.\n",
      stderr: "",
    });

    const managed = manifestDir({ "s.yaml": set("other", ["quiet-1@example.com"]) });
    const refused = await runCli(["plan", managed, "--quiet"], fixture.env);
    expect(refused.code).toBe(1);
    const lines = refused.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Error: /);
    expect(lines[lines.length - 1]).toBe("Plan: 0 to create, 0 to update, 0 to delete, 0 to adopt.");
    expect(lines.every((line) => /^(Error: |  |Plan: )/.test(line))).toBe(true);
    expect(refused.stderr).toMatch(/^Error: the plan has 1 error\(s\)/);

    // destroy too: no plan lines (25 of them) and no progress, only the summary line.
    const destroyed = await runCli(["destroy", "--set", "quiet", "--max-deletes", "all", "--quiet"], fixture.env);
    expect(destroyed).toMatchObject({
      code: 0,
      stdout: "Apply complete: 0 created, 0 updated, 0 adopted, 25 deleted, 0 failed.\n",
      stderr: "",
    });
  });

  describe("colour", () => {
    let dir: string;
    beforeAll(() => {
      dir = manifestDir({ "s.yaml": set("color", ["color@example.com"]) });
    });
    const plan = `node ${CLI} plan`;

    it("colours the plan on a terminal", async () => {
      const result = await onTerminal(`${plan} ${dir}`, fixture.env);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${ANSI}32m+ create color/color@example.com${ANSI}0m`);
    });

    it.each([
      ["NO_COLOR=1", "", { NO_COLOR: "1" }],
      ["--no-color", " --no-color", {}],
      ["--color=false", " --color=false", {}],
    ])("writes no ANSI code on a terminal with %s", async (_what, flag, env) => {
      const result = await onTerminal(`${plan} ${dir}${flag}`, { ...fixture.env, ...env });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("+ create color/color@example.com");
      expect(result.stdout + result.stderr).not.toContain(ANSI);
    });

    it("writes no ANSI code into a pipe, on plan, apply and errors", async () => {
      for (const args of [
        ["plan", dir],
        ["apply", dir],
        ["plan", "/nonexistent-dir"],
      ]) {
        const result = await runCli(args, fixture.env);
        expect(result.stdout + result.stderr).not.toContain(ANSI);
      }
    });
  });

  afterAll(() => {
    for (const output of allOutputs) expect(output).not.toContain(PASSWORD);
  });
});
