// spec.sessions.revoke_on and spec.ignore: parsed into the set, bad values named with file:line:col.
import { parseManifests } from "../../../src/manifest";
import { brief, issuesOf, setsOf, setYaml } from "./helpers";

const noFiles = { env: {}, readFile: () => undefined };
const parse = (...spec: string[]) =>
  parseManifests([{ file: "staff.yaml", text: setYaml("staff", "  key: traits.email", ...spec) }], noFiles);

describe("spec.sessions.revoke_on", () => {
  it("is absent unless written (the planner then uses the default), [] is kept as off, duplicates are dropped", () => {
    expect(setsOf(parse())[0].revokeOn).toBeUndefined();
    expect(setsOf(parse("  sessions: { revoke_on: [] }"))[0].revokeOn).toEqual([]);
    expect(setsOf(parse("  sessions: { revoke_on: [password_change, adopt, adopt] }"))[0].revokeOn).toEqual([
      "password_change",
      "adopt",
    ]);
  });

  it("names an unknown event and an unknown field with their line and column", () => {
    const issues = issuesOf(parse("  sessions:", "    revoke_on: [deactivate, adpot]"));
    expect(issues).toEqual([
      expect.objectContaining({
        pos: { file: "staff.yaml", line: 8, col: 29 },
        message: 'unexpected value "adpot": expected one of deactivate, adopt, password_change',
        hint: 'did you mean "adopt"?',
      }),
    ]);
    expect(brief(issuesOf(parse("  sessions: { revoke: [adopt] }")))).toEqual([
      '7:15 spec.sessions.revoke unknown field "revoke"',
    ]);
  });
});

describe("spec.ignore", () => {
  it("is split into path segments", () => {
    expect(setsOf(parse("  ignore: [traits.name, metadata_public.prefs.theme]"))[0].ignore).toEqual([
      ["traits", "name"],
      ["metadata_public", "prefs", "theme"],
    ]);
    expect(setsOf(parse())[0].ignore).toBeUndefined();
  });

  it("refuses paths outside traits and metadata, whole fields and the ownership marker", () => {
    expect(
      brief(issuesOf(parse("  ignore:", "    - state", "    - traits", "    - metadata_admin.ory_reconcile"))),
    ).toEqual([
      '8:7 spec.ignore[0] invalid value "state": expected a dotted path under traits, metadata_public or metadata_admin',
      '9:7 spec.ignore[1] invalid value "traits": expected a dotted path under traits, metadata_public or metadata_admin',
    ]);
    expect(brief(issuesOf(parse("  ignore: [metadata_admin.ory_reconcile.set]")))).toEqual([
      '7:12 spec.ignore[0] "metadata_admin.ory_reconcile.set" is the ownership marker, which ory-reconcile always manages',
    ]);
  });
});
