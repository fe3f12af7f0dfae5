// What the state holds: no password and no API key in clear text (exported stack AND every file of the backend),
// the connection read at run time (the key does reach the server), and small, credential-free providers.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { defaultServer, Kratos } from "../../../src/dev/kratos";
import { passwordFingerprint } from "../../../src/reconcile/core/fingerprint";
import { keyDigest } from "../../../src/reconcile/core/key-digest";
import { Identity, IdentitySet } from "../../../src/resources";
import { kratosBehindProxy } from "../../support/fixture";
import type { Proxy } from "../../support/proxy";
import { ENGINE_NAMES, MAX_PROVIDER_BYTES, RUNTIME_SPECIFIER } from "../../unit/resources/provider-limits";
import { login, ensureBuilt, projectStack, ProjectStack } from "./project";

const PASSWORD = "Plain-Text-Password-Sam-7";
const INLINE_PASSWORD = "Plain-Text-Password-Inline-8";
const ENV_KEY = "ory_pat_DUMMY_ENV_KEY_123456";
const CONFIG_KEY = "ory_pat_DUMMY_CONFIG_KEY_654321";
const EMAIL_KEY = { kind: "trait" as const, path: ["email"] };
/** What the ownership markers on the server hold: never in the state either (a fingerprint is a guessing oracle). */
const MARKER_VALUES = [
  passwordFingerprint("sam@state.test", PASSWORD, ""),
  ...["sam", "kim", "ina"].map((name) => keyDigest(`${name}@state.test`, EMAIL_KEY)),
];

const fixture = kratosBehindProxy(defaultServer());
let kratos: Kratos;
let proxy: Proxy;
let t: ProjectStack;

beforeAll(async () => {
  await ensureBuilt();
  ({ kratos, proxy } = fixture);
  t = await projectStack(
    "state",
    async () => {
      new Identity("sam", { traits: { email: "sam@state.test" }, password: PASSWORD, passwordPolicy: "enforce" });
      new Identity("kim", { traits: { email: "kim@state.test" } });
      new IdentitySet("inline", {
        set: {
          apiVersion: "ory-reconcile/v1",
          kind: "IdentitySet",
          metadata: { name: "inline" },
          spec: {
            key: "traits.email",
            identities: [
              { traits: { email: "ina@state.test" }, credentials: { password: { password: INLINE_PASSWORD } } },
            ],
          },
        },
      });
    },
    { ORY_ADMIN_URL: proxy.url, ORY_API_KEY: ENV_KEY },
  );
});

afterAll(async () => {
  await t?.dispose();
});

/** Every file the backend wrote: the state file, its backups and history, the stack config. */
function stateFiles(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === ".pulumi-home") return []; // the CLI's plugin cache, not state
    return statSync(path).isDirectory() ? stateFiles(path) : [{ path, text: readFileSync(path, "latin1") }];
  });
}

/** Pulumi's secret envelope: `{ "<sig>": "<value>", "ciphertext" | "plaintext": … }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** The deployment with every secret envelope replaced by "[secret]". */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== "object" || value === null) return value;
  if ((value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE) return "[secret]";
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
}

/** The Authorization headers of the requests that need one (the identity API; schemas are public). */
function keysSent(): Array<string | undefined> {
  return [...new Set(proxy.requests.filter((r) => r.path.startsWith("/admin/identities")).map((r) => r.authorization))];
}

type StateResource = { type: string; urn: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
const resources = async () => (await t.stack.exportStack()).deployment.resources as StateResource[];
const named = (all: StateResource[], name: string) => all.find((r) => r.urn.endsWith(`::${name}`)) as StateResource;

describe("state", () => {
  it("keeps passwords and the API key out of the state, while the key from the environment reaches the server", async () => {
    await t.stack.up();
    expect(keysSent()).toEqual([`Bearer ${ENV_KEY}`]);
    expect((await login(kratos.publicUrl, "sam@state.test", PASSWORD)).status).toBe(200);
    expect((await login(kratos.publicUrl, "ina@state.test", INLINE_PASSWORD)).status).toBe(200);

    // The state file itself (and its backups and history) holds them only as ciphertext.
    const files = stateFiles(t.dir);
    expect(files.map((f) => f.path)).toContainEqual(
      expect.stringMatching(/\/stacks\/ory-reconcile-test\/state\.json$/),
    );
    for (const file of files)
      expect({
        file: file.path,
        found: [PASSWORD, INLINE_PASSWORD, ENV_KEY, ...MARKER_VALUES].filter((s) => file.text.includes(s)),
      }).toEqual({ file: file.path, found: [] });
    // The Automation API's exportStack() decrypts (`pulumi stack export --show-secrets`): there, each value may
    // appear only inside a Pulumi secret envelope.
    const exported = JSON.stringify(withoutSecrets(await t.stack.exportStack()));
    for (const secret of [PASSWORD, INLINE_PASSWORD, ENV_KEY, ...MARKER_VALUES]) expect(exported).not.toContain(secret);
    // Even decrypted: the markers' fingerprint and key digests are in no secret either.
    const decrypted = JSON.stringify(await t.stack.exportStack());
    for (const value of MARKER_VALUES) expect(decrypted).not.toContain(value);

    // ... and the envelopes are where they belong.
    const all = await resources();
    const secret = expect.objectContaining({ [SECRET_SIG]: SECRET_VALUE });
    expect(named(all, "sam").inputs?.password).toEqual(secret);
    expect(named(all, "sam").outputs?.password).toEqual(secret);
    expect(named(all, "inline").inputs?.set).toEqual(secret);
    expect(named(all, "kim").inputs?.password).toBeUndefined();
  });

  it("prefers the secret config ory-reconcile:apiKey, read at run time and stored only encrypted", async () => {
    await t.stack.setConfig("ory-reconcile:apiKey", { value: CONFIG_KEY, secret: true });
    proxy.clear();
    expect((await t.stack.up()).summary.resourceChanges).toEqual({ same: 4 });
    expect(keysSent()).toEqual([`Bearer ${CONFIG_KEY}`]);
    proxy.clear();
    expect((await t.stack.refresh()).summary.result).toBe("succeeded");
    expect(keysSent()).toEqual([`Bearer ${CONFIG_KEY}`]);
    expect(JSON.stringify(withoutSecrets(await t.stack.exportStack()))).not.toContain(CONFIG_KEY);
    for (const file of stateFiles(t.dir))
      expect({ file: file.path, found: file.text.includes(CONFIG_KEY) }).toEqual({ file: file.path, found: false });
    const config = readFileSync(join(t.dir, "Pulumi.state.yaml"), "utf8");
    expect(config).toMatch(/ory-reconcile:apiKey:\s+secure: v1:/);
  });

  it("stores one small, credential-free provider per resource type", async () => {
    const all = await resources();
    const providerOf = (type: string) =>
      new Set(all.filter((r) => r.type.endsWith(`:${type}`)).map((r) => r.inputs?.__provider as string));
    const identity = providerOf("Identity");
    const identitySet = providerOf("IdentitySet");
    expect(identity.size).toBe(1); // sam and kim share the one Identity provider
    expect(identitySet.size).toBe(1);
    for (const text of [...identity, ...identitySet]) {
      expect(Buffer.byteLength(text)).toBeLessThan(MAX_PROVIDER_BYTES);
      expect(text).toContain(RUNTIME_SPECIFIER);
      for (const name of [...ENGINE_NAMES, proxy.url, kratos.adminUrl, ENV_KEY, CONFIG_KEY, PASSWORD])
        expect(text).not.toContain(name);
    }
    console.log(
      `serialized providers: Identity ${Buffer.byteLength([...identity][0])} bytes, IdentitySet ${Buffer.byteLength([...identitySet][0])} bytes`,
    );
  });
});
