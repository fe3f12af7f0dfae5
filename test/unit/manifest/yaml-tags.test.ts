// YAML tags the library does not know, and aliases under credentials: errors at file:line:col that never repeat
// what may be an unquoted secret.
import { formatIssues, loadManifests } from "../../../src/manifest";
import { brief, issuesOf, removeTempTrees, setYaml, tempTree } from "./helpers";

afterAll(removeTempTrees);

const load = (...spec: string[]) => {
  const dir = tempTree({ "s.yaml": setYaml("s", ...spec) });
  return loadManifests([`${dir}/s.yaml`], { cwd: dir, env: {} });
};

describe("an unknown YAML tag", () => {
  it("as an unquoted password is an error that does not repeat it (it used to become an empty password)", () => {
    const issues = issuesOf(
      load(
        "  key: traits.email",
        "  identities:",
        "    - traits: { email: a@x }",
        "      credentials: { password: { password: !Hunter2 } }",
      ),
    );
    expect(brief(issues)).toEqual([
      '9:44 - unknown YAML tag (a word after "!"; not shown: it may be part of a secret)',
    ]);
    expect(issues[0].pos?.file).toMatch(/s\.yaml$/);
    expect(issues[0].hint).toBe('quote a value that starts with "!" (e.g. password: "!…"), or remove the tag');
    expect(JSON.stringify(issues) + formatIssues(issues)).not.toContain("Hunter2");
  });

  it("anywhere else is an error too", () => {
    const issues = issuesOf(load("  key: traits.email", "  identities:", "    - traits: { email: !custom a@x }"));
    expect(brief(issues)).toEqual([
      '8:24 - unknown YAML tag (a word after "!"; not shown: it may be part of a secret)',
    ]);
  });

  it("is not one of the tags YAML itself defines", () => {
    expect(load("  key: traits.email", "  identities:", "    - traits: { email: !!str a@x }").ok).toBe(true);
  });
});

describe("an alias without an anchor", () => {
  it("under credentials is an error that does not repeat its name", () => {
    const issues = issuesOf(
      load(
        "  key: traits.email",
        "  identities:",
        "    - traits: { email: a@x }",
        "      credentials: { password: { password: *Hunter2 } }",
      ),
    );
    expect(brief(issues)).toEqual([
      "9:44 spec.identities[0].credentials.password.password unknown alias (not shown: under credentials it may be a secret)",
    ]);
    expect(JSON.stringify(issues) + formatIssues(issues)).not.toContain("Hunter2");
  });

  it("elsewhere names the alias", () => {
    expect(brief(issuesOf(load("  key: traits.email", "  identities:", "    - traits: { email: *mail }")))).toEqual([
      '8:24 spec.identities[0].traits.email unknown alias "*mail"',
    ]);
  });
});
