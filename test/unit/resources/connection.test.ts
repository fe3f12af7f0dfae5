// The provider's connection: stack config first, then the environment; nothing when neither says.
import { configure, connection } from "../../../src/resources/connection";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

afterEach(() => configure(config({})));

describe("connection", () => {
  it("reads ORY_ADMIN_URL and ORY_API_KEY", () => {
    expect(connection({ ORY_ADMIN_URL: "http://e", ORY_API_KEY: "k" })).toEqual({ endpoint: "http://e", apiKey: "k" });
    expect(connection({ ORY_ADMIN_URL: "http://e", ORY_API_KEY: "" })).toEqual({ endpoint: "http://e" });
  });

  it("prefers the stack config ory-reconcile:adminUrl / ory-reconcile:apiKey", async () => {
    await configure(config({ "ory-reconcile:adminUrl": "http://config", "ory-reconcile:apiKey": "config-key" }));
    expect(connection({ ORY_ADMIN_URL: "http://env", ORY_API_KEY: "env-key" })).toEqual({ endpoint: "http://config", apiKey: "config-key" });
  });

  it("says how to name a server when there is none", () => {
    expect(() => connection({})).toThrow("no Ory server: set ORY_ADMIN_URL (e.g. http://127.0.0.1:4434) or `pulumi config set ory-reconcile:adminUrl <url>`");
  });
});
