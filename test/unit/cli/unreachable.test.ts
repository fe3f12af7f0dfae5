// The CLI as `npm run build` bundles it, run as a child process against endpoints no server is needed for. Every
// fetch it makes is counted by a preloaded wrapper, so "fails at once" is a count of attempts, not a time.
import { createServer } from "node:net";
import { manifestDir, setYaml } from "../../support/cli";
import { bundleCli, BundledCli } from "./bundled-cli";

let bundled: BundledCli;
let manifests: string;

beforeAll(() => {
  bundled = bundleCli();
  manifests = manifestDir({ "s.yaml": setYaml("staff", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }") });
});
afterAll(() => bundled.remove());

function plan(endpoint: string, env: Record<string, string> = {}) {
  const { code, stderr, fetches } = bundled.run(["plan", manifests, "--endpoint", endpoint], env);
  return { code, stderr, fetches };
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
