// The providers as Pulumi serializes them into the state (`__provider`): small, no engine, no credentials.
import * as pulumi from "@pulumi/pulumi";
import { identityProvider, identitySetProvider } from "../../../src/resources/provider";
import { ENGINE_NAMES, MAX_PROVIDER_BYTES, RUNTIME_SPECIFIER } from "./provider-limits";

describe("serialized providers", () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it.each([
    ["IdentitySet", identitySetProvider],
    ["Identity", identityProvider],
  ])(
    "%s: small, loads the runtime by package name, captures no engine code and no credentials",
    async (_name, provider) => {
      process.env.ORY_ADMIN_URL = "http://unit-admin.example:4434";
      process.env.ORY_API_KEY = "ory_pat_UNIT_SECRET_KEY";
      const { text, containsSecrets } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      expect(containsSecrets).toBe(false);
      expect(Buffer.byteLength(text)).toBeLessThan(MAX_PROVIDER_BYTES);
      expect(text).toContain(RUNTIME_SPECIFIER);
      for (const name of ENGINE_NAMES) expect(text).not.toContain(name);
      expect(text).not.toContain("unit-admin.example");
      expect(text).not.toContain("ory_pat_UNIT_SECRET_KEY");
    },
  );
});
