// Runs the built `ory-reconcile` CLI as a child process, as a user or a CI pipeline would.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const CLI = resolve(__dirname, "../../dist/cli/main.js");

export interface CliResult {
  /** The exit code; -1 when the process was ended by a signal. */
  code: number;
  /** The signal that ended the process (e.g. `SIGKILL` from a crash test), else null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Every output of every run, so tests can scan them all for leaked secrets. */
export const allOutputs: string[] = [];

export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    options.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      allOutputs.push(stdout, stderr);
      resolvePromise({ code: code ?? -1, signal, stdout, stderr });
    });
  });
}

/** Writes manifest files into a fresh temp dir and returns its path. */
export function manifestDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-manifests-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A one-set manifest text. */
export function setYaml(name: string, spec: string): string {
  return `apiVersion: ory-reconcile/v1\nkind: IdentitySet\nmetadata:\n  name: ${name}\nspec:\n${spec.replace(/^/gm, "  ")}\n`;
}
