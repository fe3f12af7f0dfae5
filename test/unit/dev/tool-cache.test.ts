// The tool cache (scripts/install-tools.sh) is shared by every clone on a machine: nothing in it may point into a
// clone, and a clone finds the Pulumi plugin in its own node_modules. Runs the script on a scratch cache whose
// binaries are stand-ins that only answer `version` (no build, no network).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cacheDir } from "../../../src/dev/kratos";
import { pulumiPath } from "../../../src/dev/pulumi-env";

const SCRIPT = resolve(__dirname, "../../../scripts/install-tools.sh");
const REPO = resolve(__dirname, "../../..");

function scratchCache(): string {
  const cache = mkdtempSync(join(tmpdir(), "ory-reconcile-cache-"));
  mkdirSync(join(cache, "bin"));
  const standIn = join(cache, "bin", "pulumi");
  writeFileSync(standIn, "#!/bin/sh\necho v3.248.0\n");
  chmodSync(standIn, 0o755);
  return cache;
}

const run = (cache: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync("bash", [SCRIPT, ...args], {
    encoding: "utf8",
    env: { ...process.env, ORY_RECONCILE_CACHE: cache, ...env },
  });

describe("the shared tool cache", () => {
  it("holds no link into a clone: the plugin link an older install made is removed", () => {
    const cache = scratchCache();
    try {
      symlinkSync(
        "/gone/clone/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs",
        join(cache, "bin", "pulumi-resource-pulumi-nodejs"),
      );
      const result = run(cache, ["pulumi"]);
      expect(result.status).toBe(0);
      const links = readdirSync(join(cache, "bin"))
        .map((name) => join(cache, "bin", name))
        .filter((path) => lstatSync(path).isSymbolicLink())
        .map((path) => readlinkSync(path));
      expect(links).toEqual([]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("a clone puts its own plugin launcher first on Pulumi's PATH, then the cached CLI", () => {
    const [plugin, bin, rest] = pulumiPath("/usr/bin").split(":");
    expect(plugin).toBe(join(REPO, "node_modules", "@pulumi", "pulumi"));
    expect(existsSync(join(plugin, "pulumi-resource-pulumi-nodejs"))).toBe(true);
    expect(bin).toBe(join(cacheDir(), "bin"));
    expect(rest).toBe("/usr/bin");
  });

  it("without Kratos source tarballs, one line says v26.2.0 and master are skipped, and the run succeeds", () => {
    const cache = scratchCache();
    try {
      const result = run(cache, ["kratos-sources"], { KRATOS_SOURCES: join(cache, "no-such-folder") });
      expect(result.status).toBe(0);
      expect(result.stderr.trim().split("\n")).toEqual([
        `[install-tools] no Kratos source tarballs in ${join(cache, "no-such-folder")}: Kratos v26.2.0 and master are not built (tests skip the servers missing from ${join(cache, "bin")})`,
      ]);
      expect(existsSync(join(cache, "bin", "kratos-master"))).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("a source build is keyed by the tarball's checksum: the same tarball is kept, a new one is rebuilt", () => {
    const cache = scratchCache();
    const sources = join(cache, "sources");
    try {
      mkdirSync(join(sources, "tree"), { recursive: true });
      writeFileSync(join(sources, "tree", "README"), "not a Kratos tree\n");
      const tarball = join(sources, "kratos-v26.9.0-7-gabcdef1.tar.gz");
      expect(spawnSync("tar", ["-czf", tarball, "-C", join(sources, "tree"), "README"]).status).toBe(0);
      const standIn = join(cache, "bin", "kratos-v26.9.0-7-gabcdef1");
      writeFileSync(standIn, "#!/bin/sh\necho Version: v26.9.0-7-gabcdef1\n");
      chmodSync(standIn, 0o755);
      const sum = spawnSync("sha256sum", [tarball], { encoding: "utf8" }).stdout.split(" ")[0];
      writeFileSync(`${standIn}.sha256`, `${sum}\n`);

      const kept = run(cache, ["kratos-sources"], { KRATOS_SOURCES: sources });
      expect(kept.status).toBe(0);
      expect(kept.stderr).toContain(`kratos v26.9.0-7-gabcdef1 present: ${standIn} (source ${sum.slice(0, 12)})`);
      expect(readlinkSync(join(cache, "bin", "kratos-master"))).toBe("kratos-v26.9.0-7-gabcdef1");

      writeFileSync(join(sources, "tree", "README"), "a new snapshot\n");
      expect(spawnSync("tar", ["-czf", tarball, "-C", join(sources, "tree"), "README"]).status).toBe(0);
      const rebuilt = run(cache, ["kratos-sources"], { KRATOS_SOURCES: sources });
      // The new tarball is extracted for a rebuild (this stand-in has no go.mod, so the build stops there, loudly).
      expect(rebuilt.status).toBe(1);
      expect(rebuilt.stderr).toContain("FAILED at step 'kratos-v26.9.0-7-gabcdef1-extract'");
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("a build that is not the Kratos it claims to be never replaces the cached binary", () => {
    const cache = scratchCache();
    const sources = join(cache, "sources");
    try {
      mkdirSync(join(sources, "tree"), { recursive: true });
      writeFileSync(join(sources, "tree", "go.mod"), "module example.com/hello\n\ngo 1.21\n");
      writeFileSync(
        join(sources, "tree", "main.go"),
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("Version: v26.9.0 hello") }\n',
      );
      const tarball = join(sources, "kratos-v26.9.0.tar.gz");
      expect(spawnSync("tar", ["-czf", tarball, "-C", join(sources, "tree"), "go.mod", "main.go"]).status).toBe(0);
      const cached = join(cache, "bin", "kratos-v26.9.0");
      writeFileSync(cached, "#!/bin/sh\necho the good one\n");
      chmodSync(cached, 0o755);
      const result = run(cache, ["kratos-sources"], { KRATOS_SOURCES: sources, GOFLAGS: "-mod=mod", GOPROXY: "off" });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "FAILED at step 'kratos-v26.9.0-verify': the binary built from kratos-v26.9.0.tar.gz is not Kratos",
      );
      expect(spawnSync(cached, [], { encoding: "utf8" }).stdout).toBe("the good one\n");
      expect(existsSync(`${cached}.sha256`)).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
