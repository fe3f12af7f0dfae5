// The rules of `${file:…}`, `${env:…}` and `${var:…}`: what may be read, and each refusal placed at file:line:col.
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadManifests } from "../../../src/manifest";
import { parseVars } from "../../../src/cli/load";
import { setDigest } from "../../../src/resources/set-source";
import { brief, issuesOf, setsOf, setYaml, tempTree, removeTempTrees } from "./helpers";

afterAll(removeTempTrees);

/** `sets/staff.yaml` whose one identity has `note: <reference>` (at line 8, column 35), plus `files`. */
function tree(reference: string, files: Record<string, string> = {}): string {
  return tempTree({
    "sets/staff.yaml": setYaml(
      "staff",
      "  key: traits.email",
      "  identities:",
      `    - traits: { email: a@x, note: '${reference}' }`,
    ),
    ...files,
  });
}

function issues(root: string, env: Record<string, string> = {}, vars?: Record<string, string>) {
  return brief(issuesOf(loadManifests(["sets"], { cwd: root, env, vars })));
}

const at = "8:35 spec.identities[0].traits.note";

describe("${file:…}", () => {
  it("refuses an absolute path", () => {
    expect(issues(tree("${file:/etc/passwd}"))).toEqual([
      `${at} cannot read \${file:/etc/passwd}: absolute paths are not allowed`,
    ]);
  });

  it("refuses a path that leaves the manifest's directory through ..", () => {
    const root = tree("${file:../outside.txt}", { "outside.txt": "secret" });
    expect(issues(root)).toEqual([
      `${at} cannot read \${file:../outside.txt}: the path leaves the manifest's directory`,
    ]);
  });

  it("refuses a symlink that leads out of the manifest's directory", () => {
    const root = tree("${file:link.txt}", { "outside.txt": "secret" });
    symlinkSync(join(root, "outside.txt"), join(root, "sets", "link.txt"));
    expect(issues(root)).toEqual([
      `${at} cannot read \${file:link.txt}: a symlink leads out of the manifest's directory`,
    ]);
  });

  it("follows a symlink that stays below the manifest's directory", () => {
    const root = tree("${file:link.txt}", { "sets/inner/value.txt": "inside\n" });
    symlinkSync(join(root, "sets", "inner", "value.txt"), join(root, "sets", "link.txt"));
    expect(setsOf(loadManifests(["sets"], { cwd: root, env: {} }))[0].identities[0].body.traits.note).toBe("inside");
  });

  it("refuses a FIFO at once, without opening it (opening one for reading blocks)", () => {
    const root = tree("${file:pipe}");
    execFileSync("mkfifo", [join(root, "sets", "pipe")]);
    // Opening a FIFO for reading blocks the process: were it opened, this test would never end (jest times it out).
    expect(issues(root)).toEqual([`${at} cannot read \${file:pipe}: not a regular file (a FIFO)`]);
  });

  it("refuses a directory", () => {
    const root = tree("${file:dir}");
    mkdirSync(join(root, "sets", "dir"));
    expect(issues(root)).toEqual([`${at} cannot read \${file:dir}: not a regular file (a directory)`]);
  });

  it("reads 64 KiB, refuses 64 KiB + 1 byte", () => {
    const root = tree("${file:big.txt}");
    writeFileSync(join(root, "sets", "big.txt"), "x".repeat(64 * 1024));
    expect(setsOf(loadManifests(["sets"], { cwd: root, env: {} }))[0].identities[0].body.traits.note).toHaveLength(
      64 * 1024,
    );
    writeFileSync(join(root, "sets", "big.txt"), "x".repeat(64 * 1024 + 1));
    expect(issues(root)).toEqual([`${at} cannot read \${file:big.txt}: larger than 64 KiB`]);
  });
});

describe("${env:…}", () => {
  it.each(["ORY_API_KEY", "ORY_RECONCILE_FINGERPRINT_KEY"])("never reads %s, even when it is set", (name) => {
    const found = issuesOf(
      loadManifests(["sets"], { cwd: tree(`\${env:${name}}`), env: { [name]: "the-credential" } }),
    );
    expect(brief(found)).toEqual([
      `${at} \${env:${name}} is not allowed: ${name} is ory-reconcile's own credential and is never read into a manifest`,
    ]);
    expect(JSON.stringify(found)).not.toContain("the-credential");
  });
});

describe("${var:…}", () => {
  it("takes --var values first, then ORY_RECONCILE_VAR_NAME", () => {
    const root = tree("${var:domain}/${var:env}");
    const env = { ORY_RECONCILE_VAR_domain: "from-env.test", ORY_RECONCILE_VAR_env: "prod" };
    const [identity] = setsOf(loadManifests(["sets"], { cwd: root, env, vars: { domain: "from-flag.test" } }))[0]
      .identities;
    expect(identity.body.traits.note).toBe("from-flag.test/prod");
    expect(identity.sensitive).toBeUndefined(); // public: printed like literal text
  });

  it("reports a missing variable, naming both ways to set it", () => {
    expect(issuesOf(loadManifests(["sets"], { cwd: tree("${var:domain}"), env: {} }))).toEqual([
      {
        pos: { file: "sets/staff.yaml", line: 8, col: 35 },
        path: "spec.identities[0].traits.note",
        message: "variable domain is not set",
        hint: "pass --var domain=value, or set the environment variable ORY_RECONCILE_VAR_domain",
      },
    ]);
  });
});

describe("sensitive values", () => {
  it("marks every string that holds ${env:…} or ${file:…} as a whole, and labels a sensitive key", () => {
    const root = tempTree({
      "sets/staff.yaml": setYaml(
        "staff",
        "  key: traits.email",
        "  identities:",
        "    - traits: { email: plain@x, team: '${var:team}' }",
        "    - traits: { email: '${env:USER_NAME}@example.com', note: '${file:note.txt}' }",
        "      metadata_public: { list: ['${env:USER_NAME}'] }",
        "  generate:",
        "    - count: 2",
        "      template: { traits: { email: 'load-{{i}}-${env:USER_NAME}@x' } }",
      ),
      "sets/note.txt": "from a file",
    });
    const [set] = setsOf(loadManifests(["sets"], { cwd: root, env: { USER_NAME: "dana" }, vars: { team: "ops" } }));
    expect(
      set.identities.map((i) => [i.key, i.label, i.sensitive?.paths, i.sensitive?.values.map((v) => v.reveal())]),
    ).toEqual([
      ["plain@x", undefined, undefined, undefined],
      [
        "dana@example.com",
        "(sensitive #2)",
        ["/traits/email", "/traits/note", "/metadata_public/list/0"],
        ["dana@example.com", "from a file", "dana"],
      ],
      ["load-1-dana@x", "(sensitive #3)", ["/traits/email"], ["load-1-dana@x"]],
      ["load-2-dana@x", "(sensitive #4)", ["/traits/email"], ["load-2-dana@x"]],
    ]);
  });
});

describe("--var", () => {
  it("takes NAME=value (the value may hold '='), the last one for a name winning", () => {
    expect(parseVars(["domain=example.com", "q=a=b", "domain=example.org"])).toEqual({
      domain: "example.org",
      q: "a=b",
    });
  });

  it("refuses a value without '=' and a bad name, saying what is expected", () => {
    expect(() => parseVars(["domain"])).toThrow('--var "domain" has no "=": expected NAME=value');
    expect(() => parseVars(["my-domain=x"])).toThrow(
      '--var "my-domain": a variable name starts with a letter or "_" and holds only letters, digits and "_"',
    );
  });
});

describe("IdentitySet digest", () => {
  it("holds no sensitive value and no sensitive key", () => {
    const root = tree("${env:NOTE}", {});
    const [set] = setsOf(loadManifests(["sets"], { cwd: root, env: { NOTE: "note-secret-value" } }));
    expect(set.identities[0].sensitive?.paths).toEqual(["/traits/note"]);
    const changed = setsOf(loadManifests(["sets"], { cwd: root, env: { NOTE: "other-secret-value" } }))[0];
    expect(setDigest(set)).toBe(setDigest(changed)); // the digest cannot be used to confirm a guessed value
  });
});

// Break test 2: the target is checked and read through one descriptor, and a hard link (the same file as one outside
// the directory, which no path check can tell) is refused.
describe("${file:…} through one descriptor", () => {
  afterEach(() => jest.restoreAllMocks());

  it("refuses a file with more than one hard link, naming why and what to do", () => {
    const root = tree("${file:linked.txt}", { "outside.txt": "outside-secret" });
    linkSync(join(root, "outside.txt"), join(root, "sets", "linked.txt"));
    expect(issues(root)).toEqual([
      `${at} cannot read \${file:linked.txt}: the file has 2 hard links (one may be outside the manifest's directory)`,
    ]);
  });

  it("reads nothing outside when the checked file is swapped for a symlink out before it is opened", () => {
    const root = tree("${file:value.txt}", { "sets/value.txt": "inside", "outside.txt": "outside-secret" });
    const target = join(root, "sets", "value.txt");
    const real = jest.requireActual<typeof import("node:fs")>("node:fs");
    const open = real.openSync;
    jest.spyOn(real, "openSync").mockImplementation(((path: string, ...rest: unknown[]) => {
      if (path === realpathSync(target)) {
        unlinkSync(target);
        symlinkSync(join(root, "outside.txt"), target);
      }
      return (open as (...args: unknown[]) => number)(path, ...rest);
    }) as typeof real.openSync);
    const result = loadManifests(["sets"], { cwd: root, env: {} });
    expect(brief(issuesOf(result))).toEqual([
      `${at} cannot read \${file:value.txt}: the file was replaced by a symlink while it was read`,
    ]);
    expect(JSON.stringify(result)).not.toContain("outside-secret");
  });

  it("still reads a regular file with one link", () => {
    const root = tree("${file:value.txt}", { "sets/value.txt": "inside" });
    expect(setsOf(loadManifests(["sets"], { cwd: root, env: {} }))[0].identities[0].body.traits).toEqual({
      email: "a@x",
      note: "inside",
    });
  });
});
