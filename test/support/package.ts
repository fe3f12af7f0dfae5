// The package as a user gets it: `npm pack` of this clone, installed with npm into an empty folder.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

export const REPO = resolve(__dirname, "../..");

/** The environment of npm and of the installed CLI: nothing of the npm or jest running this test leaks in. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    ...extra,
  };
}

/** The environment variable through which global-setup.ts hands the tarball it packed to the test files. */
export const PACKED_ENV = "ORY_RECONCILE_TEST_TARBALL";

/**
 * Packs this clone with `npm pack` (whose `prepare` empties dist/ and builds it) into a new temp folder; returns the
 * tarball's path. Run once per test run, by global-setup.ts: emptying dist/ under a running test would break it.
 */
export function npmPack(): string {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-pack-"));
  execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: REPO,
    env: cleanEnv(),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [tarball] = readdirSync(dir).filter((name) => name.endsWith(".tgz"));
  return join(dir, tarball);
}

/**
 * The package of this clone as `npm pack` makes it, in a temp folder of its own (the caller removes it): a copy of
 * the tarball global-setup.ts packed for this run, or, outside a jest run with that setup, a fresh `npm pack`.
 */
export function packTarball(): string {
  const packed = process.env[PACKED_ENV];
  if (!packed || !existsSync(packed)) return npmPack();
  const copy = join(mkdtempSync(join(tmpdir(), "ory-reconcile-pack-")), basename(packed));
  copyFileSync(packed, copy);
  return copy;
}

/**
 * An empty project folder (a package.json and nothing else) with `packages` installed by `npm install`
 * (`--prefer-offline`: from npm's cache when it holds them). Returns the folder.
 */
export function installInto(packages: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "ory-reconcile-consumer-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }, null, 2));
  const result = spawnSync("npm", ["install", "--prefer-offline", ...packages], {
    cwd: dir,
    env: cleanEnv(),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`npm install ${packages.join(" ")} failed:\n${result.stderr}`);
  return dir;
}
