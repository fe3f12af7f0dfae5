// The packed package of a test run (test/support/package.ts): global-setup.ts packs once, and every suite that
// installs the package gets its own copy of that tarball instead of running `npm pack` again (which empties dist/
// while other test files may be running the CLI from it).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { PACKED_ENV, packTarball } from "../../support/package";

describe("packTarball within a test run", () => {
  const saved = process.env[PACKED_ENV];
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-packed-test-"));
  const packed = join(dir, "ory-reconcile-0.1.0.tgz");
  afterAll(() => {
    if (saved === undefined) delete process.env[PACKED_ENV];
    else process.env[PACKED_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands out a copy of the run's tarball in a folder of its own, which the caller may remove", () => {
    writeFileSync(packed, "the run's tarball");
    process.env[PACKED_ENV] = packed;
    const copies = [packTarball(), packTarball()];
    try {
      for (const copy of copies) {
        expect({ name: basename(copy), content: readFileSync(copy, "utf8") }).toEqual({
          name: basename(packed),
          content: "the run's tarball",
        });
        expect(dirname(copy)).not.toBe(dir);
      }
      expect(dirname(copies[0])).not.toBe(dirname(copies[1]));
    } finally {
      for (const copy of copies) rmSync(dirname(copy), { recursive: true, force: true });
    }
    expect(readFileSync(packed, "utf8")).toBe("the run's tarball");
  });
});
