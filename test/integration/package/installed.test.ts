// The package outside this repository: `npm pack`, `npm install <tarball>` into an empty folder, then the CLI
// through npx and a Pulumi program that imports IdentitySet and Identity from `ory-reconcile`, against a real Kratos.
// And `prepare` on a fresh clone (what `npm install <git URL>` runs) builds the package.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cacheDir, Kratos, startKratos } from "../../../src/dev/kratos";
import { liveByEmail } from "../../support/kratos-api";
import { cleanEnv, installInto, packTarball, REPO } from "../../support/package";

const PASSWORD = "installed-Secret-7314";
const outputs: string[] = [];

/** Runs `command` in `cwd` as a user's shell would, and keeps its output for the secret scan. */
function sh(cwd: string, command: string, env: Record<string, string> = {}) {
  const result = spawnSync("bash", ["-c", command], { cwd, env: cleanEnv(env), encoding: "utf8", timeout: 180000 });
  outputs.push(result.stdout, result.stderr);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const manifest = `apiVersion: ory-reconcile/v1
kind: IdentitySet
metadata:
  name: staff
spec:
  key: traits.email
  identities:
    - traits: { email: ann@example.com }
      credentials: { password: { password: "\${env:ANN_PASSWORD}" } }
`;

let tarball: string;
let kratos: Kratos;
/** Temp folders to remove at the end (a project with @pulumi/pulumi holds ~120 MB). */
const made: string[] = [];

beforeAll(async () => {
  tarball = packTarball();
  made.push(dirname(tarball));
  kratos = await startKratos();
});
afterAll(async () => {
  await kratos?.stop();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  for (const output of outputs) expect(output).not.toContain(PASSWORD);
});

it("ships the CLI (both bins), the library and the schema, and nothing of src/dev or the tests", () => {
  const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
  expect(files).toEqual(
    expect.arrayContaining([
      "package/dist/cli/main.js",
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/resources/runtime.js",
      "package/schema/identity-set.schema.json",
      "package/README.md",
    ]),
  );
  expect(files.filter((f) => /^package\/(dist\/dev|src|test|scripts\/(?!prepare\.js))/.test(f))).toEqual([]);
  const pkg = JSON.parse(execFileSync("tar", ["xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
  expect(pkg.bin).toEqual({ "ory-reconcile": "dist/cli/main.js", reconcile: "dist/cli/main.js" });
  expect(pkg.dependencies["@pulumi/pulumi"]).toBeUndefined();
  expect(pkg.peerDependenciesMeta).toEqual({ "@pulumi/pulumi": { optional: true } });
});

it("installs for the CLI alone (no Pulumi), and `npx ory-reconcile` / `npx reconcile` plan and apply", () => {
  const dir = installInto([tarball]);
  made.push(dir);
  // The optional peer is not installed: the bundled CLI needs nothing at run time.
  expect(existsSync(join(dir, "node_modules", "@pulumi"))).toBe(false);
  mkdirSync(join(dir, "manifests"));
  writeFileSync(join(dir, "manifests", "staff.yaml"), manifest);
  const env = { ORY_ADMIN_URL: kratos.adminUrl, ANN_PASSWORD: PASSWORD };

  const help = sh(dir, "npx --no-install ory-reconcile --help");
  expect(help).toMatchObject({ code: 0, stderr: "" });
  expect(help.stdout).toMatch(/^ory-reconcile <command> \[options\]/);
  const plan = sh(dir, "npx --no-install ory-reconcile plan manifests/ --detailed-exitcode", env);
  expect(plan).toMatchObject({ code: 2, stderr: "" });
  expect(plan.stdout).toContain("+ create staff/ann@example.com\n");
  expect(plan.stdout).toContain('    + /credentials/password: "(sensitive)"\n');
  expect(plan.stdout).toContain("Plan: 1 to create, 0 to update, 0 to delete, 0 to adopt.\n");
  const apply = sh(dir, "npx --no-install reconcile manifests/ --quiet", env);
  expect(apply).toMatchObject({
    code: 0,
    stdout: "Apply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.\n",
    stderr: "",
  });
  expect(sh(dir, "npx --no-install ory-reconcile plan manifests/ --detailed-exitcode", env).code).toBe(0);
});

const PROGRAM = `// A Pulumi program of a project that installed ory-reconcile from npm, run through the Automation API.
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
const { Identity, IdentitySet } = require("ory-reconcile");

async function main(command) {
  const program = async () => {
    const staff = new IdentitySet("staff", { manifest: "manifests", setName: "staff" });
    const solo = new Identity("solo", { schemaId: "default", traits: { email: "solo@example.com" } });
    return { staff: staff.ids, solo: solo.id };
  };
  const pulumiCommand = await PulumiCommand.get({ skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "dev", projectName: "consumer", program },
    { workDir: __dirname, pulumiCommand, envVars: { PULUMI_BACKEND_URL: "file://" + __dirname + "/.state", PULUMI_HOME: __dirname + "/.pulumi-home" } },
  );
  if (command === "preview") console.log(JSON.stringify((await stack.preview()).changeSummary));
  if (command === "up") console.log(JSON.stringify((await stack.up()).summary.resourceChanges));
}
main(process.argv[2]).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
`;

it("installs with @pulumi/pulumi, and a Pulumi program importing IdentitySet and Identity from it previews and deploys", async () => {
  const dir = installInto([tarball, "@pulumi/pulumi@3.248.0"]);
  made.push(dir);
  mkdirSync(join(dir, "manifests"));
  mkdirSync(join(dir, ".state"));
  writeFileSync(join(dir, "manifests", "staff.yaml"), manifest.replace("ann@example.com", "pam@example.com"));
  writeFileSync(join(dir, "index.js"), PROGRAM);
  // The Pulumi CLI (built into the tool cache) and the dynamic-provider plugin of the installed @pulumi/pulumi.
  const path = [
    dirname(join(dir, "node_modules", "@pulumi", "pulumi", "package.json")),
    join(cacheDir(), "bin"),
    process.env.PATH,
  ].join(":");
  const env = {
    PATH: path,
    ORY_ADMIN_URL: kratos.adminUrl,
    ANN_PASSWORD: PASSWORD,
    PULUMI_CONFIG_PASSPHRASE: "consumer-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };

  const preview = sh(dir, "node index.js preview", env);
  expect(preview).toMatchObject({ code: 0, stderr: "" });
  expect(JSON.parse(preview.stdout)).toEqual({ create: 3 });
  const up = sh(dir, "node index.js up", env);
  expect(up).toMatchObject({ code: 0, stderr: "" });
  expect(JSON.parse(up.stdout)).toEqual({ create: 3 });
  const live = await liveByEmail(kratos.adminUrl);
  expect([live.has("pam@example.com"), live.has("solo@example.com")]).toEqual([true, true]);
  // The stack's state keeps the password only encrypted.
  const state = execFileSync(
    "bash",
    ["-c", `cat ${JSON.stringify(join(dir, ".state"))}/.pulumi/stacks/consumer/dev.json`],
    { encoding: "utf8" },
  );
  expect(state).toContain("pam@example.com");
  outputs.push(state);
});

it("`prepare` builds the package in a fresh clone (what `npm install <git URL>` runs)", () => {
  // The files a clone of this commit would hold: tracked and new, not ignored (no dist/, no node_modules).
  const clone = mkdtempSync(join(tmpdir(), "ory-reconcile-clone-"));
  made.push(clone);
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean);
  for (const file of files)
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(clone, file), { recursive: true });
  expect(existsSync(join(clone, "dist"))).toBe(false);
  symlinkSync(join(REPO, "node_modules"), join(clone, "node_modules"));
  const prepare = sh(clone, "npm run -s prepare");
  expect(prepare).toMatchObject({ code: 0, stderr: "" });
  expect(
    JSON.parse(readFileSync(join(clone, "dist", "schema", "identity-set.schema.json"), "utf8")).title,
  ).toBeDefined();
  expect(sh(clone, "node dist/cli/main.js validate manifests/").stdout).toMatch(/^Valid: \d+ sets?, \d+ identit/);
  expect(
    sh(clone, "node -e 'const m = require(\"./dist/index.js\"); console.log(typeof m.IdentitySet, typeof m.Identity)'")
      .stdout,
  ).toBe("function function\n");
});
