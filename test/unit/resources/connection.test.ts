// The provider's connection: stack config first, then the environment; nothing when neither says.
import { admin, configure, connection } from "../../../src/resources/connection";
import { plainHttpRefusal } from "../../../src/ory/plain-http";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

afterEach(() => configure(config({})));

describe("connection", () => {
  it("reads ORY_ADMIN_URL and ORY_API_KEY", () => {
    expect(connection({ ORY_ADMIN_URL: "https://e", ORY_API_KEY: "k" })).toEqual({
      endpoint: "https://e",
      apiKey: "k",
    });
    expect(connection({ ORY_ADMIN_URL: "https://e", ORY_API_KEY: "" })).toEqual({ endpoint: "https://e" });
  });

  it("prefers the stack config ory-reconcile:adminUrl / ory-reconcile:apiKey", async () => {
    await configure(config({ "ory-reconcile:adminUrl": "https://config", "ory-reconcile:apiKey": "config-key" }));
    expect(connection({ ORY_ADMIN_URL: "https://env", ORY_API_KEY: "env-key" })).toEqual({
      endpoint: "https://config",
      apiKey: "config-key",
    });
  });

  it("says how to name a server when there is none", () => {
    expect(() => connection({})).toThrow(
      "no Ory server: set ORY_ADMIN_URL (e.g. http://127.0.0.1:4434) or `pulumi config set ory-reconcile:adminUrl <url>`",
    );
  });
});

describe("plain HTTP to a host that is not this machine (the rule the CLI shares)", () => {
  const env = { ORY_ADMIN_URL: "http://kratos.internal:4434", ORY_API_KEY: "ApiKey-Secret-42" };
  let fetchSpy: jest.SpyInstance;
  beforeEach(() => (fetchSpy = jest.spyOn(globalThis, "fetch").mockRejectedValue(new Error("no request may be made"))));
  afterEach(() => fetchSpy.mockRestore());

  it("is refused before any client or request exists, naming both opt-ins and never the key", () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(() => connection(env)).toThrow(
        "ORY_API_KEY would be sent over plain HTTP to kratos.internal:4434, where anyone on the way can read it; nothing was sent",
      );
      expect(() => admin()).toThrow(
        /ORY_RECONCILE_INSECURE_HTTP=1 or `pulumi config set ory-reconcile:insecureHttp true`/,
      );
      expect(() => admin()).not.toThrow(/ApiKey-Secret-42/);
    } finally {
      process.env = saved;
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("is allowed by ORY_RECONCILE_INSECURE_HTTP=1 or the stack config ory-reconcile:insecureHttp", async () => {
    expect(connection({ ...env, ORY_RECONCILE_INSECURE_HTTP: "1" })).toEqual({
      endpoint: env.ORY_ADMIN_URL,
      apiKey: env.ORY_API_KEY,
    });
    expect(() => connection({ ...env, ORY_RECONCILE_INSECURE_HTTP: "0" })).toThrow("plain HTTP");
    await configure(config({ "ory-reconcile:insecureHttp": "true" }));
    expect(connection(env)).toEqual({ endpoint: env.ORY_ADMIN_URL, apiKey: env.ORY_API_KEY });
  });

  it("is allowed to this machine, over https, and without a key", () => {
    for (const endpoint of [
      "http://127.0.0.1:4434",
      "http://localhost:4434",
      "http://[::1]:4434",
      "https://kratos.internal",
    ]) {
      expect(connection({ ...env, ORY_ADMIN_URL: endpoint })).toEqual({ endpoint, apiKey: env.ORY_API_KEY });
    }
    expect(connection({ ORY_ADMIN_URL: env.ORY_ADMIN_URL })).toEqual({ endpoint: env.ORY_ADMIN_URL });
  });

  it("is the same rule for both callers: plainHttpRefusal", () => {
    expect(plainHttpRefusal("http://10.0.0.5:4434", "k", false)).toContain("plain HTTP to 10.0.0.5:4434");
    expect(plainHttpRefusal("http://10.0.0.5:4434", "k", true)).toBeUndefined();
    expect(plainHttpRefusal("http://10.0.0.5:4434", undefined, false)).toBeUndefined();
    expect(plainHttpRefusal("https://10.0.0.5:4434", "k", false)).toBeUndefined();
    expect(plainHttpRefusal("http://127.0.0.2:4434", "k", false)).toBeUndefined();
  });
});
