// credentials.totp / lookup_secret / webauthn / passkey / saml and recovery: in manifests: what the engine gets,
// that every value inside such a credential is a Secret (literal or not), and the issues for mistakes.
import { join } from "node:path";
import { loadManifests } from "../../../src/manifest";
import { Secret } from "../../../src/reconcile/core/types";
import { issuesOf, removeTempTrees, setsOf, setYaml, tempTree } from "./helpers";

afterAll(removeTempTrees);

const TOTP = "otpauth://totp/ory:tia?secret=JBSWY3DPEHPK3PXP&issuer=ory";

function load(identities: string[], env: Record<string, string> = {}) {
  const dir = tempTree({ "s.yaml": setYaml("s", "  key: traits.email", "  identities:", ...identities) });
  return { file: join(dir, "s.yaml"), result: loadManifests([dir], { env }) };
}

describe("credentials beyond passwords", () => {
  it("keeps each declared credential as one Secret holding the admin API's import config", () => {
    const { result } = load(
      [
        "    - traits: { email: tia@example.com }",
        "      credentials:",
        `        totp: { totp_url: "${TOTP}" }`,
        "        lookup_secret: { codes: [c0de-1, c0de-2] }",
        '        webauthn: { credentials: [{ id: "aWQ=", public_key: "cGs=", authenticator: { sign_count: 3 } }], user_handle: "dWg=" }',
        '        saml: { providers: [{ provider: corp, subject: "${env:SAML_SUBJECT}" }] }',
        "        passkey: absent",
      ],
      { SAML_SUBJECT: "subject-77" },
    );
    const imported = setsOf(result)[0].identities[0].credentials?.imported ?? {};
    expect(Object.keys(imported).sort()).toEqual(["lookup_secret", "passkey", "saml", "totp", "webauthn"]);
    expect(imported.passkey).toBe("absent");
    const config = (type: keyof typeof imported) => {
      const declared = imported[type];
      if (declared === undefined || declared === "absent") throw new Error(`no config for ${type}`);
      expect(declared.config).toBeInstanceOf(Secret);
      return JSON.parse(declared.config.reveal());
    };
    expect(config("totp")).toEqual({ totp_url: TOTP });
    expect(config("lookup_secret")).toEqual({ codes: [{ code: "c0de-1" }, { code: "c0de-2" }] });
    expect(config("webauthn")).toEqual({
      credentials: [{ id: "aWQ=", public_key: "cGs=", authenticator: { sign_count: 3 } }],
      user_handle: "dWg=",
    });
    expect(config("saml")).toEqual({ providers: [{ provider: "corp", subject: "subject-77" }] });
    // Nothing of them survives serialization.
    const shown = JSON.stringify(setsOf(result));
    for (const secret of [TOTP, "c0de-1", "cGs=", "dWg=", "subject-77", "corp"]) expect(shown).not.toContain(secret);
  });

  it("inherits from spec.defaults and from generate templates, {{i}} filled in", () => {
    const dir = tempTree({
      "s.yaml": setYaml(
        "s",
        "  key: traits.email",
        "  defaults:",
        "    credentials: { totp: absent }",
        "  generate:",
        "    - count: 2",
        "      template:",
        '        traits: { email: "g{{i}}@example.com" }',
        '        credentials: { lookup_secret: { codes: ["code-{{i}}"] } }',
      ),
    });
    const [set] = setsOf(loadManifests([dir]));
    expect(
      set.identities.map((i) => [
        i.credentials?.imported?.totp,
        JSON.parse((i.credentials?.imported?.lookup_secret as { config: Secret }).config.reveal()),
      ]),
    ).toEqual([
      ["absent", { codes: [{ code: "code-1" }] }],
      ["absent", { codes: [{ code: "code-2" }] }],
    ]);
  });

  it("names file:line:col, what is wrong and how to fix it, without the secret values", () => {
    const { file, result } = load([
      "    - traits: { email: a@example.com }",
      "      credentials: { totp: gone }",
      "    - traits: { email: b@example.com }",
      `      credentials: { totp: { url: "${TOTP}" } }`,
      "    - traits: { email: c@example.com }",
      "      credentials: { lookup_secret: { codes: [] } }",
    ]);
    const issues = issuesOf(result).map(
      (i) => `${i.pos?.file === file ? "" : "?"}${i.pos?.line}:${i.pos?.col} ${i.path}: ${i.message} (${i.hint})`,
    );
    expect(issues).toEqual([
      '9:28 spec.identities[0].credentials.totp: unexpected value "gone": expected one of absent (use one of absent)',
      '11:28 spec.identities[1].credentials.totp.totp_url: missing required field "totp_url" (add totp_url: to spec.identities[1].credentials.totp)',
      '11:30 spec.identities[1].credentials.totp.url: unknown field "url" (allowed fields here: totp_url)',
      "13:46 spec.identities[2].credentials.lookup_secret.codes: must not be empty (list at least one item, or remove the field)",
    ]);
    expect(JSON.stringify(issuesOf(result))).not.toContain("JBSWY3DPEHPK3PXP");
  });
});

describe("recovery:", () => {
  it("defaults to a link, and keeps expires_in", () => {
    const { result } = load([
      "    - traits: { email: a@example.com }",
      "      recovery: { expires_in: 48h }",
      "    - traits: { email: b@example.com }",
      "      recovery: { method: code, expires_in: 1h30m }",
    ]);
    expect(setsOf(result)[0].identities.map((i) => i.recovery)).toEqual([
      { method: "link", expires_in: "48h" },
      { method: "code", expires_in: "1h30m" },
    ]);
  });

  it("refuses a duration the server refuses: no unknown units; links take several units as codes do (v1.3.1, v26.2.0 and master answer 200)", () => {
    const units = load(["    - traits: { email: b@example.com }", "      recovery: { expires_in: 2d }"]);
    expect(
      issuesOf(units.result).map((i) => `${i.pos?.line}:${i.pos?.col} ${i.path}: ${i.message} (${i.hint})`),
    ).toEqual([
      '9:31 spec.identities[0].recovery.expires_in: invalid value "2d": expected a duration such as 48h or 30m (e.g. 48h or 30m)',
    ]);
    const link = load([
      "    - traits: { email: a@example.com }",
      "      recovery: { method: link, expires_in: 1h30m }",
    ]);
    expect(link.result.ok).toBe(true);
  });

  it("refuses a zero duration and one beyond the server's longest (2562047h47m16s), which it answers 400 only after the create", () => {
    const brief = (r: ReturnType<typeof load>) =>
      issuesOf(r.result).map((i) => `${i.pos?.line}:${i.pos?.col} ${i.path}: ${i.message}`);
    expect(
      brief(load(["    - traits: { email: a@example.com }", "      recovery: { method: link, expires_in: 0s }"])),
    ).toEqual(['9:45 spec.identities[0].recovery.expires_in: a recovery link must expire in the future, got "0s"']);
    expect(
      brief(load(["    - traits: { email: a@example.com }", "      recovery: { method: code, expires_in: 0h0m }"])),
    ).toEqual(['9:45 spec.identities[0].recovery.expires_in: a recovery code must expire in the future, got "0h0m"']);
    expect(
      brief(
        load([
          "    - traits: { email: a@example.com }",
          "      recovery: { method: code, expires_in: 2562047h47m17s }",
        ]),
      ),
    ).toEqual([
      '9:45 spec.identities[0].recovery.expires_in: the server takes durations up to 2562047h47m16s (about 292 years), got "2562047h47m17s"',
    ]);
    expect(
      brief(load(["    - traits: { email: a@example.com }", "      recovery: { expires_in: 9999999999h }"])),
    ).toHaveLength(1);
    const longest = load([
      "    - traits: { email: a@example.com }",
      "      recovery: { method: code, expires_in: 2562047h47m16s }",
      "    - traits: { email: b@example.com }",
      "      recovery: { expires_in: 1ns }",
    ]);
    expect(longest.result.ok).toBe(true);
  });
});
