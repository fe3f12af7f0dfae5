// npm's `prepare`: builds dist/ in a clone (npm runs it after `npm install`/`npm ci` here, before `npm pack`, and
// when a project installs this package from a git URL). dist/ is emptied first, so that no output of a source file
// since moved or removed is packed. In an installed package (no src/) there is nothing to build.
const { execFileSync } = require("node:child_process");
const { existsSync, rmSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
if (existsSync(join(root, "src"))) {
  rmSync(join(root, "dist"), { recursive: true, force: true });
  const npm = process.env.npm_execpath;
  // Under npm, its own CLI (the same version); run by hand, the npm on PATH.
  if (npm) execFileSync(process.execPath, [npm, "run", "-s", "build"], { cwd: root, stdio: "inherit" });
  else execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" });
}
