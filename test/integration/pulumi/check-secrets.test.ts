// A check failure of an inline IdentitySet, under the real Pulumi CLI: the preview names the problem, but never prints
// the input's value, so neither a Pulumi secret nor a literal password in the set appears in its output.
import * as pulumi from "@pulumi/pulumi";
import { IdentitySet } from "../../../src/resources";
import { ensureBuilt, projectStack, ProjectStack } from "./project";

const SECRET = "ConfigSecretPw-S8";
const LITERAL = "LiteralPw-L9";

describe("Pulumi IdentitySet check failures", () => {
  let t: ProjectStack;

  beforeAll(async () => {
    await ensureBuilt();
    t = await projectStack(
      "check",
      async () => {
        const identity = (email: string, password: pulumi.Input<string>) => ({
          traits: { email },
          state: "bogus",
          credentials: { password: { password } },
        });
        new IdentitySet("eight", {
          set: {
            apiVersion: "ory-reconcile/v1",
            kind: "IdentitySet",
            metadata: { name: "eight" },
            spec: {
              key: "traits.email",
              identities: [identity("a@eight.test", pulumi.secret(SECRET)), identity("b@eight.test", LITERAL)],
            },
          },
        } as never);
      },
      { ORY_ADMIN_URL: "http://127.0.0.1:9" },
    ); // check sends nothing
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it("preview fails naming the problem, without the secret or the literal password", async () => {
    let output = "";
    const error = await t.stack.preview({ onOutput: (text) => (output += text) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const all = `${output}\n${error?.message ?? ""}`;
    expect(error).toBeDefined();
    expect(all).toMatch(/has a problem: .*spec\.identities\[0\]\.state/);
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(LITERAL);
    expect(all).not.toMatch(/property set value/);
  });
});
