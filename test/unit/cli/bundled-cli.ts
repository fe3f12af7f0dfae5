// The CLI as `npm run build` bundles it, built into a temp directory and run as a child process. Every fetch it
// makes is counted by a preloaded wrapper, so "fails at once" or "nothing was sent" is a count of calls, not a time.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");
const COUNTER = `const real = globalThis.fetch;
let n = 0;
globalThis.fetch = (...args) => (n++, real(...args));
process.on("exit", () => require("node:fs").writeFileSync(process.env.FETCH_COUNT_FILE, String(n)));
`;

export interface BundledRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How many times the CLI called fetch. */
  fetches: number;
}

export interface BundledCli {
  /** The temp directory holding the bundle (free for scratch files; removed by `remove`). */
  dir: string;
  run(args: string[], env?: Record<string, string>): BundledRun;
  remove(): void;
}

/** Bundles the CLI (call from beforeAll). */
export function bundleCli(): BundledCli {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-cli-"));
  const cli = join(dir, "dist", "cli", "main.js");
  // The bundle reads schema/ two levels up, as dist/cli/main.js does in the package.
  symlinkSync(join(ROOT, "schema"), join(dir, "schema"));
  // npm appends the arguments: the last --outfile wins, so dist/ is left alone.
  execFileSync("npm", ["run", "-s", "bundle", "--", `--outfile=${cli}`], { cwd: ROOT, stdio: "inherit" });
  writeFileSync(join(dir, "count-fetches.js"), COUNTER);
  let runs = 0;
  return {
    dir,
    run(args, env = {}) {
      const countFile = join(dir, `fetches-${++runs}`);
      const result = spawnSync(process.execPath, ["--require", join(dir, "count-fetches.js"), cli, ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, FETCH_COUNT_FILE: countFile, ...env },
        encoding: "utf8",
        timeout: 60000,
      });
      return {
        code: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        fetches: Number(readFileSync(countFile, "utf8")),
      };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
