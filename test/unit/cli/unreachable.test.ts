// The CLI as `npm run build` bundles it, run as a child process against endpoints no server is needed for. Every
// fetch it makes is counted by a preloaded wrapper, so "fails at once" is a count of attempts, not a time.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { manifestDir, setYaml } from "../../support/cli";

const ROOT = resolve(__dirname, "../../..");
const COUNTER = `const real = globalThis.fetch;
let n = 0;
globalThis.fetch = (...args) => (n++, real(...args));
process.on("exit", () => require("node:fs").writeFileSync(process.env.FETCH_COUNT_FILE, String(n)));
`;

let dir: string;
let cli: string;
let manifests: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ory-reconcile-cli-"));
  cli = join(dir, "dist", "cli", "main.js");
  // The bundle reads schema/ two levels up, as dist/cli/main.js does in the package.
  symlinkSync(join(ROOT, "schema"), join(dir, "schema"));
  // npm appends the arguments: the last --outfile wins, so dist/ is left alone.
  execFileSync("npm", ["run", "-s", "bundle", "--", `--outfile=${cli}`], { cwd: ROOT, stdio: "inherit" });
  writeFileSync(join(dir, "count-fetches.js"), COUNTER);
  manifests = manifestDir({ "s.yaml": setYaml("staff", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }") });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
function plan(endpoint: string, env: Record<string, string> = {}) {
  const countFile = join(dir, `fetches-${++runs}`);
  const result = spawnSync(process.execPath, ["--require", join(dir, "count-fetches.js"), cli, "plan", manifests, "--endpoint", endpoint], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, FETCH_COUNT_FILE: countFile, ...env },
    encoding: "utf8",
    timeout: 60000,
  });
  return { code: result.status, stderr: result.stderr, fetches: Number(readFileSync(countFile, "utf8")) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe("the CLI on an endpoint it cannot reach", () => {
  it("fails at once on a port fetch refuses, naming the URL and the reason", () => {
    const result = plan("http://127.0.0.1:9");
    expect(result).toEqual({
      code: 1,
      stderr: 'Error: server unreachable at http://127.0.0.1:9/admin/version: fetch refuses port 9 (a "bad port" in the fetch standard); use another port\n',
      fetches: 1,
    });
  });

  it("fails at once on an API key that is no valid header value, and never prints it", async () => {
    const result = plan(`http://127.0.0.1:${await freePort()}`, { ORY_API_KEY: "ory_pat_SECRET\nX-Injected: yes" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("a request header has an invalid value");
    expect(result.stderr).not.toMatch(/SECRET|Injected|internal error/);
    expect(result.fetches).toBe(1);
  });

  it("retries a refused connection, then names the URL, the reason and the attempts", async () => {
    const port = await freePort();
    const result = plan(`http://127.0.0.1:${port}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: server unreachable at http://127.0.0.1:${port}/admin/version: connection refused (ECONNREFUSED) after 3 attempts; check the endpoint and that the server is running\n`,
    );
    expect(result.fetches).toBe(3);
  });
});
