// The bad inputs that are refused before any request (test/support/bad-inputs.ts: manifests in
// test/fixtures/bad-inputs, flags and environment), run in-process through the CLI's own entry (`main`: yargs, load →
// interpolate → validate, the error report and the exit code) with every fetch counted. Each exits 1 with a precise
// message (for manifests: file:line:col) and sends no request at all. The cases that need a server run in
// test/integration/reliability/bad-input.test.ts, with one end-to-end run of the built CLI on an offline case.
import { readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { main } from "../../../src/cli/main";
import { BAD_INPUTS, BAD_TOKEN, flagCases, MANIFESTS, PASSWORD, URL_SECRET, whereOf } from "../../support/bad-inputs";

const API_KEY = "ory_pat_UNIT-bad-input-dummy-token-2b7e";
const SECRETS = [API_KEY, PASSWORD, BAD_TOKEN, URL_SECRET];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** How many times the CLI called fetch. */
  fetches: number;
}

const outputs: string[] = [];
let endpoint: string;
let unreachable: string;
let cwd: string;

async function freeUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return `http://127.0.0.1:${port}`;
}

/**
 * `ory-reconcile <args>` in this process, in the fixtures directory, with the environment a child process of the
 * integration suite gets (PATH, HOME, the admin URL, the API key, the password variable, then `env`).
 */
async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const saved = process.env;
  const realFetch = globalThis.fetch;
  let fetches = 0;
  let stdout = "";
  let stderr = "";
  const given = { ORY_ADMIN_URL: endpoint, ORY_API_KEY: API_KEY, RELIABILITY_PASSWORD: PASSWORD, ...env };
  process.env = {
    PATH: saved.PATH,
    HOME: saved.HOME,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
  } as NodeJS.ProcessEnv;
  globalThis.fetch = (...request: Parameters<typeof fetch>) => (fetches++, realFetch(...request));
  const out = jest
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    outputs.push(stdout, stderr);
    return { code, stdout, stderr, fetches };
  } finally {
    out.mockRestore();
    err.mockRestore();
    globalThis.fetch = realFetch;
    process.env = saved;
  }
}

beforeAll(async () => {
  cwd = process.cwd();
  process.chdir(BAD_INPUTS);
  // Nothing listens at either: a request that slipped through would be counted, and fail.
  endpoint = await freeUrl();
  unreachable = await freeUrl();
});
afterAll(() => process.chdir(cwd));

describe("bad manifests refused offline: exit 1, file:line:col and the message, no request", () => {
  const offline = MANIFESTS.filter((m) => m.check === "offline");

  it("the corpus covers every fixture; 31 of its manifests are refused offline", () => {
    const files = readdirSync(BAD_INPUTS).filter(
      (f) => f !== "valid" && (f.endsWith(".yaml") || statSync(join(BAD_INPUTS, f)).isDirectory()),
    );
    expect(files.sort()).toEqual([...MANIFESTS.map((m) => m.file), "schema-three-bad.yaml"].sort());
    expect(offline.length).toBe(31);
    expect(MANIFESTS.length + flagCases("", "").length).toBeGreaterThanOrEqual(40);
  });

  it.each(offline.map((m) => [m.file, m] as const))("%s", async (_file, m) => {
    const validate = await run(["validate", m.file]);
    expect({ code: validate.code, stdout: validate.stdout, fetches: validate.fetches }).toEqual({
      code: 1,
      stdout: "",
      fetches: 0,
    });
    expect(validate.stderr).toContain(whereOf(m));
    expect(validate.stderr).toContain(m.says);
    expect(validate.stderr).toMatch(/^Error: \d+ problems? in the manifests; nothing was sent to the server\n/);
    // `plan` and `apply` load manifests alike: apply is checked as well.
    const apply = await run(["apply", m.file]);
    expect({ code: apply.code, fetches: apply.fetches }).toEqual({ code: 1, fetches: 0 });
    expect(apply.stderr).toContain(whereOf(m));
    expect(apply.stderr).toContain(m.says);
  });
});

describe("bad flags and environment refused before any request to the server: exit 1 and a precise message", () => {
  it.each(
    flagCases("", "")
      .filter((c) => c.requests === "none")
      .map((c) => [c.name] as const),
  )("%s", async (name) => {
    const c = flagCases(endpoint, unreachable).find((f) => f.name === name)!;
    const result = await run(c.args, c.env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 1, stderr: expect.stringContaining(c.says) });
    expect(result.stderr).not.toContain("internal error");
    // The unreachable endpoint is tried (3 attempts at a port where nothing listens); no other case sends anything.
    expect(result.fetches).toBe(name === "unreachable endpoint" ? 3 : 0);
  });
});

it("no secret in any output", () => {
  expect(outputs.length).toBeGreaterThan(0);
  const text = outputs.join("\n");
  expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
});
