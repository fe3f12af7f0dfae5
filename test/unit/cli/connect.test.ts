// Where the CLI may send the API key, and how it names an endpoint it cannot use.
import { connect, isLoopback } from "../../../src/cli/connect";
import { UserError } from "../../../src/cli/errors";

const saved = { key: process.env.ORY_API_KEY, url: process.env.ORY_ADMIN_URL };
afterEach(() => {
  process.env.ORY_API_KEY = saved.key;
  if (saved.key === undefined) delete process.env.ORY_API_KEY;
  delete process.env.ORY_ADMIN_URL;
});

function refusal(endpoint: string, flags: { insecureHttp?: boolean } = {}): UserError | undefined {
  try {
    connect({ endpoint, ...flags });
    return undefined;
  } catch (error) {
    return error as UserError;
  }
}

describe("an API key over plain HTTP", () => {
  beforeEach(() => (process.env.ORY_API_KEY = "ory_pat_secret-key"));

  it.each([
    "http://10.0.0.5:4434",
    "http://kratos.internal:4434",
    "http://[2001:db8::1]:4434",
    "http://127.0.0.1.example.com",
  ])("to %s is refused, naming --insecure-http", (endpoint) => {
    const error = refusal(endpoint);
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toBe(
      `ORY_API_KEY would be sent over plain HTTP to ${new URL(endpoint).host}, where anyone on the way can read it; nothing was sent`,
    );
    expect(error?.hint).toContain("--insecure-http");
    expect(`${error?.message} ${error?.hint}`).not.toContain("ory_pat_secret-key");
    expect(refusal(endpoint, { insecureHttp: true })).toBeUndefined();
  });

  it.each([
    "http://127.0.0.1:4434",
    "http://127.8.9.10:4434",
    "http://localhost:4434",
    "http://LOCALHOST:4434",
    "http://[::1]:4434",
    "https://kratos.example.com",
  ])("to %s is allowed", (endpoint) => {
    expect(refusal(endpoint)).toBeUndefined();
  });

  it("is no question without a key", () => {
    delete process.env.ORY_API_KEY;
    expect(refusal("http://10.0.0.5:4434")).toBeUndefined();
  });
});

describe("isLoopback", () => {
  it.each([
    ["http://127.0.0.1", true],
    ["http://127.255.255.254", true],
    ["http://[::1]", true],
    ["http://localhost", true],
    ["http://128.0.0.1", false],
    ["http://[::2]", false],
    ["http://localhost.example.com", false],
  ])("%s: %s", (url, expected) => expect(isLoopback(new URL(url))).toBe(expected));
});

describe("an endpoint that is not a URL", () => {
  it.each(["http://user:pass@[bad", "http://admin:p@ss@[::1", "//user:pass@[bad"])(
    "%s is named without its credentials",
    (endpoint) => {
      const error = refusal(endpoint);
      expect(error?.message).toMatch(/is not a URL$/);
      expect(error?.message).toContain("(credentials hidden)@");
      expect(error?.message).not.toMatch(/pass|p@ss/);
    },
  );

  it.each(["http://u:pAss/w0rdX@[::1", "http://u:pAss?w0rdX@[::1", "http://u:pAss#w0rdX@[::1"])(
    "%s: nothing between :// and the last @ is echoed, whatever the password holds",
    (endpoint) => {
      process.env.ORY_ADMIN_URL = endpoint;
      const error = refusal(undefined as unknown as string);
      expect(error?.message).toBe('ORY_ADMIN_URL "http://(credentials hidden)@[::1" is not a URL');
      expect(`${error?.message} ${error?.hint}`).not.toMatch(/pA|w0|0#|rdX|u:/);
    },
  );

  it("nor is one whose scheme is refused", () => {
    expect(refusal("user:pass@[bad")?.message).toBe(
      "--endpoint: invalid endpoint: the scheme user: is not supported, use http or https",
    );
  });
});
