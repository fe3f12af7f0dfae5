// One throwaway Kratos with the recording proxy in front of it, for the tests of one describe block.
import { Kratos, KratosOptions, startKratos } from "../../src/dev/kratos";
import { Proxy, ProxyOptions, startProxy } from "./proxy";

export interface KratosBehindProxy {
  kratos: Kratos;
  proxy: Proxy;
  /** The CLI's environment for these tests (from `env` of kratosBehindProxy; default: the admin URL of the proxy). */
  env: Record<string, string>;
}

/** How the Kratos and the proxy of a fixture start: Kratos' extra configuration, the proxy's faults, seed, tokens. */
export interface FixtureOptions {
  kratos?: Omit<KratosOptions, "server">;
  proxy?: Omit<ProxyOptions, "target">;
}

/**
 * Starts a Kratos of `server` (v1.3.1 | v26.2.0 | master) and a recording proxy in front of its admin port before
 * the tests of the enclosing describe (`beforeAll`), and stops both after them (`afterAll`). The fields of the
 * returned object are set once its `beforeAll` has run (hooks defined after this call see them). `options` are
 * passed on to startKratos and startProxy.
 */
export function kratosBehindProxy(
  server: string,
  env = (f: Omit<KratosBehindProxy, "env">): Record<string, string> => ({ ORY_ADMIN_URL: f.proxy.url }),
  options: FixtureOptions = {},
): KratosBehindProxy {
  const fixture = {} as KratosBehindProxy;
  beforeAll(async () => {
    fixture.kratos = await startKratos({ ...options.kratos, server });
    fixture.proxy = await startProxy({ ...options.proxy, target: fixture.kratos.adminUrl });
    fixture.env = env(fixture);
  });
  afterAll(async () => {
    await fixture.proxy?.stop();
    await fixture.kratos?.stop();
  });
  return fixture;
}
