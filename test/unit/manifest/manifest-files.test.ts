// Which manifest files are read: symlinks may lead anywhere, but only to a regular file of bounded size, and a
// directory scan never loops on a symlink cycle.
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadManifests } from "../../../src/manifest";
import { readManifestFiles } from "../../../src/manifest/files";
import { brief, issuesOf, setsOf, setYaml, tempTree, removeTempTrees } from "./helpers";

afterAll(removeTempTrees);

const staff = setYaml("staff", "  key: traits.email", "  identities:", "    - traits: { email: a@x }");

describe("manifest files", () => {
  it("refuses a FIFO, given or found in a directory, at once instead of waiting for a writer", () => {
    const root = tempTree({ "manifests/a.yaml": staff });
    execFileSync("mkfifo", [join(root, "manifests", "z.yaml"), join(root, "pipe.yaml")]);
    // Opening a FIFO for reading blocks the process: were it opened, this test would never end (jest times it out).
    expect(brief(issuesOf(loadManifests(["manifests", "pipe.yaml"], { cwd: root, env: {} })))).toEqual([
      '- - cannot read "manifests/z.yaml": not a regular file (a FIFO)',
      '- - cannot read "pipe.yaml": not a regular file (a FIFO)',
    ]);
  });

  it("refuses a symlink to /dev/zero (a device) without reading it", () => {
    const root = tempTree({ "manifests/a.yaml": staff });
    symlinkSync("/dev/zero", join(root, "manifests", "z.yaml"));
    const result = readManifestFiles(["manifests"], root);
    expect(result.files.map((f) => f.file)).toEqual(["manifests/a.yaml"]);
    expect(result.issues.map((i) => [i.message, i.hint])).toEqual([
      ['cannot read "manifests/z.yaml": not a regular file (a device)', "a manifest must be a regular file"],
    ]);
  });

  it("follows a symlink to a regular file elsewhere, and refuses one larger than 8 MiB naming its path", () => {
    const root = tempTree({ "elsewhere/staff.yaml": staff, "elsewhere/huge.yaml": "" });
    writeFileSync(join(root, "elsewhere/huge.yaml"), Buffer.alloc(8 * 1024 * 1024 + 1, "#"));
    mkdirSync(join(root, "manifests"));
    symlinkSync(join(root, "elsewhere/staff.yaml"), join(root, "manifests", "staff.yaml"));
    symlinkSync(join(root, "elsewhere/huge.yaml"), join(root, "manifests", "huge.yaml"));
    const result = readManifestFiles(["manifests"], root);
    expect(result.files).toEqual([{ file: "manifests/staff.yaml", text: staff }]);
    expect(result.issues.map((i) => i.message)).toEqual(['cannot read "manifests/huge.yaml": larger than 8 MiB']);
    expect(setsOf(loadManifests(["manifests/staff.yaml"], { cwd: root, env: {} })).map((s) => s.name)).toEqual([
      "staff",
    ]);
  });

  it("scans a directory with a symlink loop once, without looping", () => {
    const root = tempTree({ "manifests/a.yaml": staff, "manifests/sub/b.yaml": staff.replace(/staff/g, "other") });
    symlinkSync("..", join(root, "manifests", "sub", "up"));
    symlinkSync(join(root, "manifests"), join(root, "manifests", "sub", "again"));
    symlinkSync("loop2", join(root, "manifests", "loop1"));
    symlinkSync("loop1", join(root, "manifests", "loop2"));
    const result = readManifestFiles(["manifests"], root);
    expect(result.files.map((f) => f.file)).toEqual(["manifests/a.yaml", "manifests/sub/b.yaml"]);
    expect(result.issues).toEqual([]);
  });
});
