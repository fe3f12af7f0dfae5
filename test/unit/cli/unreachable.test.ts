// The CLI as `npm run build` bundles it, run as a child process against endpoints no server is needed for. Every
// fetch it makes is counted by a preloaded wrapper, so "fails at once" is a count of attempts, not a time.
import { createServer } from "node:net";
import { manifestDir, setYaml } from "../../support/cli";
import { spawn } from "node:child_process";
import { bundleCli, BundledCli } from "./bundled-cli";

let bundled: BundledCli;
let manifests: string;

beforeAll(() => {
  bundled = bundleCli();
  manifests = manifestDir({
    "s.yaml": setYaml("staff", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }"),
  });
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

/**
 * Runs `onConnection` (JavaScript, with the socket as `c`) as a loopback TCP server in its own process (the CLI runs
 * synchronously here, so this process could not answer it), hands its port to `use`, then stops it.
 */
async function withServer<T>(onConnection: string, use: (port: string) => T | Promise<T>): Promise<T> {
  const program = `require("net").createServer((c) => { c.on("error", () => {}); ${onConnection}; }).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`;
  const server = spawn(process.execPath, ["-e", program], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<string>((done) =>
      server.stdout.once("data", (chunk: Buffer) => done(chunk.toString().trim())),
    );
    return await use(port);
  } finally {
    server.kill();
  }
}

describe("the CLI on an endpoint it cannot reach", () => {
  it("fails at once on a port fetch refuses, naming the URL and the reason", () => {
    const result = plan("http://127.0.0.1:9");
    expect(result).toEqual({
      code: 1,
      stderr:
        'Error: server unreachable at http://127.0.0.1:9/admin/version: fetch refuses port 9 (a "bad port" in the fetch standard); use another port\n',
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

  it("never exits 0 when the server accepts connections and closes them without an answer (a port-forward to nothing)", async () => {
    // In its own process: the CLI runs synchronously here, so this process could not accept its connections.
    const closer = spawn(
      process.execPath,
      [
        "-e",
        'require("net").createServer((c) => { c.on("error", () => {}); c.destroy(); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); })',
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const port = await new Promise<string>((done) =>
        closer.stdout.once("data", (chunk: Buffer) => done(chunk.toString().trim())),
      );
      // Whether Node's fetch reports the closed connection or leaves the request pending forever depends on timing:
      // try a few times; every run must fail, naming the server.
      for (let run = 0; run < 4; run++) {
        const result = plan(`http://127.0.0.1:${port}`);
        expect({ run, code: result.code }).toEqual({ run, code: 1 });
        expect(result.stderr).toContain(`http://127.0.0.1:${port}`);
        expect(result.stderr).not.toContain("internal error");
      }
    } finally {
      closer.kill();
    }
  });

  it("an answer cut off in its body is a network error naming the URL, not an internal error", () =>
    withServer(
      'c.once("data", () => { c.write("HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: 100\\r\\n\\r\\n{\\"ver"); setTimeout(() => c.destroy(), 20); })',
      (port) => {
        const result = plan(`http://127.0.0.1:${port}`);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`http://127.0.0.1:${port}/admin/version`);
        expect(result.stderr).not.toContain("internal error");
      },
    ));

  it("fails at once on a port that answers something other than HTTP (an SSH server), naming the URL and how to fix it", () =>
    withServer('c.write("SSH-2.0-OpenSSH_9.6\\r\\n")', (port) =>
      expect(plan(`http://127.0.0.1:${port}`)).toEqual({
        code: 1,
        stderr: `Error: server unreachable at http://127.0.0.1:${port}/admin/version: the answer is not HTTP (a TLS server given as http://, or not an HTTP server) (HPE_INVALID_CONSTANT); check the endpoint's scheme and port: a TLS server needs https://, and the port must be the admin API's\n`,
        fetches: 1,
      }),
    ));

  it("fails at once on a TLS port given as http:// (Go's answer to plain HTTP), naming the URL and how to fix it", () =>
    withServer(
      'c.once("data", () => c.end("HTTP/1.0 400 Bad Request\\r\\n\\r\\nClient sent an HTTP request to an HTTPS server.\\n"))',
      (port) =>
        expect(plan(`http://127.0.0.1:${port}`)).toEqual({
          code: 1,
          stderr: `Error: server unreachable at http://127.0.0.1:${port}/admin/version: the server speaks TLS (it answered that it got an HTTP request on an HTTPS port); use https://\n`,
          fetches: 1,
        }),
    ));
});
