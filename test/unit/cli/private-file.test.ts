// Files the CLI writes: 0600 even over an existing file, and names from the server that stay in their folder.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { safeFileNames, writePrivateFile } from "../../../src/cli/private-file";

describe("writePrivateFile", () => {
  it("leaves a file only its owner can read, even where a wider one was, and no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-private-"));
    const path = join(dir, "plan.json");
    writeFileSync(path, "old", { mode: 0o644 });
    writePrivateFile(path, "new");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["plan.json"]);
  });
});

describe("safeFileNames", () => {
  it("keeps names from the server inside the folder, distinct", () => {
    expect(
      safeFileNames(["staff", "../.github/workflows/ci", "..", "", "Staff", "a/b", "a-b", "x\r\u001b[2K"], ".yaml"),
    ).toEqual([
      "staff.yaml",
      "github-workflows-ci.yaml",
      "set.yaml",
      "set-2.yaml",
      "staff-2.yaml",
      "a-b.yaml",
      "a-b-2.yaml",
      "x-2k.yaml",
    ]);
  });
});

describe("writePrivateFile to what is no regular file", () => {
  it("writes to a device instead of replacing it", () => {
    expect(() => writePrivateFile("/dev/full", "x")).toThrow(/ENOSPC/);
    expect(statSync("/dev/full").isCharacterDevice()).toBe(true);
  });
});
