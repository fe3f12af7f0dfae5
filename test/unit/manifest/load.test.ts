// Loading paths: files, directories (recursive, sorted), multi-document YAML, duplicate names across files, the
// example manifests, and what a whole loaded set looks like.
import { join } from "node:path";
import { loadManifests, parseManifests } from "../../../src/manifest";
import { Secret } from "../../../src/reconcile/core/types";
import { brief, issuesOf, setsOf, setYaml, tempTree, removeTempTrees } from "./helpers";

afterAll(removeTempTrees);

const noFiles = { env: {}, readFile: () => undefined };

describe("loadManifests", () => {
  it("turns a document into a whole DesiredSet", () => {
    const text = [
      "apiVersion: ory-reconcile/v1",
      "kind: IdentitySet",
      "metadata:",
      "  name: staff",
      "spec:",
      "  key: traits.email",
      "  identities:",
      "    - traits: { email: alice@example.com, name: { first: Alice } }",
      "      metadata_public: { role: admin }",
      "      metadata_admin: { team: platform }",
      "      state: active",
      "      external_id: alice",
      "      organization_id: null",
      "      credentials:",
      "        password: { hashed_password: '$2a$10$hash' }",
      "        oidc: { providers: [{ provider: google, subject: '10987654321', use_auto_link: true }] }",
      "      verifiable_addresses: [{ value: alice@example.com, via: email, verified: true, status: completed }]",
      "      recovery_addresses: [{ value: alice@example.com, via: email }]",
      "",
    ].join("\n");
    const [set] = setsOf(parseManifests([{ file: "staff.yaml", text }], noFiles));
    expect(set).toEqual({
      name: "staff",
      key: { kind: "trait", path: ["email"] },
      prune: false,
      source: { file: "staff.yaml", line: 1, col: 1 },
      identities: [
        {
          key: "alice@example.com",
          body: {
            traits: { email: "alice@example.com", name: { first: "Alice" } },
            metadata_public: { role: "admin" },
            metadata_admin: { team: "platform" },
            state: "active",
            external_id: "alice",
            organization_id: null,
            verifiable_addresses: [{ value: "alice@example.com", via: "email", verified: true, status: "completed" }],
            recovery_addresses: [{ value: "alice@example.com", via: "email" }],
          },
          credentials: {
            password: { kind: "hashed_password", value: expect.any(Secret), policy: "initial" },
            oidc: { providers: [{ provider: "google", subject: "10987654321", use_auto_link: true }] },
          },
          source: { file: "staff.yaml", line: 8, col: 7 },
        },
      ],
    });
    expect(set.identities[0].credentials?.password).toMatchObject({ value: { reveal: expect.any(Function) } });
    const password = set.identities[0].credentials?.password;
    expect(password && password.kind === "hashed_password" && password.value.reveal()).toBe("$2a$10$hash");
  });

  it("defaults the key to external_id and prune to false, and accepts a set without identities", () => {
    const sets = setsOf(parseManifests([{ file: "a.yaml", text: setYaml("empty", "  prune: true") }], noFiles));
    expect(sets).toEqual([
      {
        name: "empty",
        key: { kind: "external_id" },
        prune: true,
        identities: [],
        source: { file: "a.yaml", line: 1, col: 1 },
      },
    ]);
    const external = setsOf(
      parseManifests(
        [
          {
            file: "b.yaml",
            text: setYaml("ext", "  identities:", "    - { traits: { email: a@x }, external_id: ext-1 }"),
          },
        ],
        noFiles,
      ),
    );
    expect(external[0].identities.map((i) => i.key)).toEqual(["ext-1"]);
  });

  it("reads spec.adopt (absent unless true) and refuses a value that is not a boolean, naming where", () => {
    const sets = setsOf(
      parseManifests(
        [{ file: "a.yaml", text: `${setYaml("yes", "  adopt: true")}---\n${setYaml("no", "  adopt: false")}` }],
        noFiles,
      ),
    );
    expect(sets.map((set) => [set.name, set.adopt])).toEqual([
      ["yes", true],
      ["no", undefined],
    ]);
    expect(
      brief(issuesOf(parseManifests([{ file: "b.yaml", text: setYaml("bad", "  adopt: yes") }], noFiles))),
    ).toEqual(["6:10 spec.adopt expected boolean, got string"]);
    expect(issuesOf(parseManifests([{ file: "b.yaml", text: setYaml("bad", "  adopt: yes") }], noFiles))[0].hint).toBe(
      "write true or false (YAML 1.2 reads yes, no, on and off as strings)",
    );
  });

  it("reads every document of a multi-document file and skips empty ones", () => {
    const text = `${setYaml("one")}---\n${setYaml("two")}---\n# only a comment\n---\n`;
    const sets = setsOf(parseManifests([{ file: "multi.yaml", text }], noFiles));
    expect(sets.map((s) => [s.name, s.source])).toEqual([
      ["one", { file: "multi.yaml", line: 1, col: 1 }],
      ["two", { file: "multi.yaml", line: 7, col: 1 }],
    ]);
  });

  it("keeps validating the other documents of a file after a broken one", () => {
    const text = `${setYaml("one", "  prune: maybe")}---\nkey: [unclosed\n---\n${setYaml("Two")}`;
    expect(brief(issuesOf(parseManifests([{ file: "m.yaml", text }], noFiles)))).toEqual([
      "6:10 spec.prune expected boolean, got string",
      "9:1 - YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      '13:9 metadata.name invalid value "Two": expected lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    ]);
  });

  it("loads a directory recursively, *.yaml and *.yml only, sorted by path", () => {
    const root = tempTree({
      "sets/b.yaml": setYaml("b"),
      "sets/a.yml": setYaml("a"),
      "sets/a/z.yaml": setYaml("a-z"),
      "sets/c/d/e.yaml": setYaml("c-d-e"),
      "sets/README.md": "# not a manifest",
      "sets/notes.txt": "apiVersion: nonsense",
    });
    const sets = setsOf(loadManifests(["sets"], { cwd: root, env: {} }));
    expect(sets.map((s) => [s.name, s.source?.file])).toEqual([
      ["a-z", join("sets", "a", "z.yaml")],
      ["a", join("sets", "a.yml")],
      ["b", join("sets", "b.yaml")],
      ["c-d-e", join("sets", "c", "d", "e.yaml")],
    ]);
  });

  it("loads files and directories together, each file once", () => {
    const root = tempTree({ "m/one.yaml": setYaml("one"), "two.yaml": setYaml("two") });
    const sets = setsOf(
      loadManifests(["two.yaml", "m", "m/one.yaml", join(root, "m", "one.yaml")], { cwd: root, env: {} }),
    );
    expect(sets.map((s) => s.name)).toEqual(["two", "one"]);
  });

  it("reports a missing path and still checks the others", () => {
    const root = tempTree({ "ok.yaml": setYaml("Bad") });
    const issues = issuesOf(loadManifests(["nope.yaml", "ok.yaml"], { cwd: root, env: {} }));
    expect(issues[0]).toEqual({
      message: 'no such file or directory: "nope.yaml"',
      hint: `check the path (relative paths start at ${root})`,
    });
    expect(brief(issues.slice(1))).toEqual([
      '4:9 metadata.name invalid value "Bad": expected lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    ]);
  });

  it("reports a set name declared in two files at both places", () => {
    const root = tempTree({ "a.yaml": setYaml("staff"), "b.yaml": `# the same set again\n${setYaml("staff")}` });
    expect(issuesOf(loadManifests(["a.yaml", "b.yaml"], { cwd: root, env: {} }))).toEqual([
      {
        pos: { file: "b.yaml", line: 5, col: 9 },
        path: "metadata.name",
        message: 'duplicate set name "staff": also declared at a.yaml:4:9',
        hint: "set names must be unique across all manifests: rename one of them",
      },
    ]);
  });

  it("reports two identities with the same key at both places", () => {
    const text = setYaml(
      "staff",
      "  identities:",
      "    - external_id: alice",
      "      traits: { email: alice@example.com }",
      "    - external_id: alice",
      "      traits: { email: alice@corp.example.com }",
    );
    expect(issuesOf(parseManifests([{ file: "staff.yaml", text }], noFiles))).toEqual([
      {
        pos: { file: "staff.yaml", line: 9, col: 20 },
        path: "spec.identities[1].external_id",
        message: 'duplicate key "alice": also declared at staff.yaml:7:20 (spec.identities[0])',
        hint: "keys (external_id) must be unique within a set: change or remove one of them",
      },
    ]);
  });

  it("supports anchors, aliases and merge keys", () => {
    const text = setYaml(
      "staff",
      "  key: traits.email",
      "  identities:",
      "    - &alice",
      "      traits: { email: alice@example.com, groups: &groups [staff, admins] }",
      "      metadata_public: { role: admin }",
      "    - <<: *alice",
      "      traits: { email: bob@example.com, groups: *groups }",
    );
    const [set] = setsOf(parseManifests([{ file: "a.yaml", text }], noFiles));
    expect(set.identities.map((i) => i.body)).toEqual([
      { traits: { email: "alice@example.com", groups: ["staff", "admins"] }, metadata_public: { role: "admin" } },
      { traits: { email: "bob@example.com", groups: ["staff", "admins"] }, metadata_public: { role: "admin" } },
    ]);
  });

  it("does not take a foreign document's name for a set name", () => {
    const k8s = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: staff", ""].join("\n");
    const issues = issuesOf(
      parseManifests(
        [
          { file: "a.yaml", text: setYaml("staff") },
          { file: "cm.yaml", text: k8s },
        ],
        noFiles,
      ),
    );
    expect(brief(issues)).toEqual([
      '1:13 apiVersion unsupported apiVersion "v1": expected "ory-reconcile/v1"',
      '2:7 kind unsupported kind "ConfigMap": expected "IdentitySet"',
    ]);
  });

  it("collects the issues of all files instead of stopping at the first", () => {
    const root = tempTree({ "a.yaml": setYaml("a", "  prune: 1"), "b.yaml": setYaml("b", "  key: mail") });
    expect(brief(issuesOf(loadManifests(["."], { cwd: root, env: {} })))).toEqual([
      "6:10 spec.prune expected boolean, got integer",
      '6:8 spec.key invalid value "mail": expected external_id or traits.<dotted.path>',
    ]);
  });
});

describe("the example manifests", () => {
  const root = join(__dirname, "..", "..", "..");

  it("load with zero issues and without any environment", () => {
    const sets = setsOf(loadManifests(["manifests"], { cwd: root, env: {} }));
    expect(sets.map((s) => [s.name, s.key, s.prune, s.identities.length])).toEqual([
      ["staff", { kind: "trait", path: ["email"] }, false, 3],
      ["test-users", { kind: "trait", path: ["email"] }, true, 25],
    ]);
  });

  it("declare what the demo relies on", () => {
    const [staff, testUsers] = setsOf(loadManifests(["manifests"], { cwd: root, env: {} }));
    expect(staff.identities.map((i) => [i.key, i.body.metadata_public, i.body.metadata_admin])).toEqual([
      ["alice@example.com", { role: "admin" }, { team: "platform" }],
      ["bob@example.com", { role: "admin" }, { team: "security" }],
      ["carol@example.com", { role: "admin" }, { team: "support" }],
    ]);
    expect(staff.identities[0].body.verifiable_addresses).toEqual([
      { value: "alice@example.com", via: "email", verified: true, status: "completed" },
    ]);
    expect(testUsers.identities[24].key).toBe("user-25@example.test");
    const password = testUsers.identities[0].credentials?.password;
    expect(password?.kind).toBe("hashed_password");
    expect(password && "value" in password && password.value.reveal()).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
  });
});
