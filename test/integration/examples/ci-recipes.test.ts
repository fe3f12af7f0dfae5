// The CI recipes in examples/ run as written: every command of the plan job and then of the apply job, parsed from
// the workflow file, in order, with the workflow's own variables, against a real Kratos and the packed package.
// What only talks to the CI platform (GitHub `uses:` steps; GitLab before_script/after_script) is emulated: each job
// starts in a fresh checkout, and the artifact the plan job keeps is what the apply job gets.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { MARKER_KEY } from "../../../src/reconcile/core/marker";
import { admin, liveByEmail } from "../../support/kratos-api";
import { cleanEnv, packTarball, REPO } from "../../support/package";

const PASSWORD = "recipe-Secret-5093";
const API_KEY = "ory_pat_recipe-key-never-printed-3381";
const outputs: string[] = [];

/** One command of a job: a shell script with the variables it sees. */
interface Command {
  script: string;
  env: Record<string, string>;
}
/** A job as the test runs it: its commands, and whether it keeps (`upload`) or gets (`download`) the plan artifact. */
interface Job {
  commands: Command[];
  keeps: string[];
  getsArtifact: boolean;
  shell: string[];
}
type Recipe = { name: string; file: string; jobs: (platform: Record<string, string>) => { plan: Job; apply: Job } };

/** Strings only: workflow variables hold text (`node-version: 20` aside, never needed here). */
const strings = (vars: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));

/** GitHub: `${{ … }}` in the workflow's env is replaced from `expressions`; an expression the test does not know fails it. */
function githubJobs(file: string, expressions: Record<string, string>): { plan: Job; apply: Job } {
  const workflow = parse(readFileSync(file, "utf8"));
  const resolve = (vars: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [
        k,
        v.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expression: string) => {
          if (!(expression in expressions))
            throw new Error(`the test does not know the expression \${{ ${expression} }} of ${k}`);
          return expressions[expression];
        }),
      ]),
    );
  const shell =
    workflow.defaults?.run?.shell === "bash"
      ? ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
      : ["bash", "-e", "-c"];
  const job = (name: string): Job => {
    const spec = workflow.jobs[name];
    const env = resolve({ ...strings(workflow.env), ...strings(spec.env) });
    const result: Job = { commands: [], keeps: [], getsArtifact: false, shell };
    for (const step of spec.steps as Array<{
      run?: string;
      uses?: string;
      env?: Record<string, unknown>;
      with?: { path?: string; script?: string };
    }>) {
      if (step.run !== undefined) {
        expect(step.run).not.toContain("${{"); // expressions in scripts are an injection risk: pass them through env
        result.commands.push({ script: step.run, env: { ...env, ...resolve(strings(step.env)) } });
      } else if (step.uses?.startsWith("actions/upload-artifact@")) result.keeps.push(String(step.with?.path));
      else if (step.uses?.startsWith("actions/download-artifact@")) result.getsArtifact = true;
    }
    return result;
  };
  return { plan: job("plan"), apply: job("apply") };
}

/** GitLab: `script:` lines run in one shell, with the file's variables and the project's CI/CD variables. */
function gitlabJobs(file: string, platform: Record<string, string>): { plan: Job; apply: Job } {
  const pipeline = parse(readFileSync(file, "utf8"));
  const job = (name: string): Job => {
    const spec = pipeline[name];
    // GitLab takes only strings there (an unquoted `key: value` in a line would be a mapping, and the job invalid).
    for (const part of ["before_script", "script", "after_script"])
      for (const line of spec[part] ?? []) expect(typeof line).toBe("string");
    // before_script/after_script are not run here (they talk to GitLab), but they must be valid shell.
    for (const line of [...(spec.before_script ?? []), ...(spec.after_script ?? [])])
      expect(spawnSync("bash", ["-n", "-c", line]).status).toBe(0);
    const env = { ...platform, ...strings(pipeline.variables), ...strings(spec.variables) };
    return {
      commands: [{ script: (spec.script as string[]).join("\n"), env }],
      keeps: spec.artifacts?.paths ?? [],
      // Its before_script fetches the reviewed plan.json from the merge request's plan job.
      getsArtifact: (spec.before_script ?? []).some((line: string) => line.includes("> plan.json")),
      shell: ["bash", "-e", "-c"],
    };
  };
  return { plan: job("plan"), apply: job("apply") };
}

/** Runs a job's commands in `dir` until one fails; returns the last command's result. */
function runJob(job: Job, dir: string) {
  let last = { code: 0 as number | null, stdout: "", stderr: "" };
  for (const command of job.commands) {
    const result = spawnSync(job.shell[0], [...job.shell.slice(1), command.script], {
      cwd: dir,
      env: cleanEnv(command.env),
      encoding: "utf8",
      timeout: 180000,
    });
    outputs.push(result.stdout, result.stderr);
    last = { code: result.status, stdout: result.stdout, stderr: result.stderr };
    if (result.status !== 0) break;
  }
  return last;
}

let kratos: Kratos;
let root: string;
let markdown: boolean;
let tarballDir: string;

beforeAll(async () => {
  const tarball = packTarball();
  tarballDir = dirname(tarball);
  kratos = await startKratos();
  // The user's repository: package.json and package-lock.json pinning ory-reconcile (here: the packed tarball).
  root = mkdtempSync(join(tmpdir(), "ory-reconcile-recipes-"));
  mkdirSync(join(root, "repo"));
  writeFileSync(
    join(root, "repo", "package.json"),
    JSON.stringify(
      { name: "identities", private: true, devDependencies: { "ory-reconcile": `file:${tarball}` } },
      null,
      2,
    ),
  );
  const lock = spawnSync("npm", ["install", "--package-lock-only", "--prefer-offline"], {
    cwd: join(root, "repo"),
    env: cleanEnv(),
    encoding: "utf8",
  });
  if (lock.status !== 0) throw new Error(lock.stderr);
  // `plan --output markdown` is made in parallel with these recipes: until it exists, they are run with text.
  const help = spawnSync(process.execPath, [join(REPO, "dist", "cli", "main.js"), "plan", "--help"], {
    encoding: "utf8",
  });
  markdown = help.stdout.includes('"markdown"');
});
afterAll(async () => {
  await kratos?.stop();
  for (const dir of [root, tarballDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  for (const output of outputs) {
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(API_KEY);
  }
});

const manifest = (set: string, emails: string[]) => `apiVersion: ory-reconcile/v1
kind: IdentitySet
metadata:
  name: ${set}
spec:
  key: traits.email
  identities:
${emails.map((e) => `    - traits: { email: ${e} }\n      credentials: { password: { password: "\${env:STAFF_PASSWORD}" } }`).join("\n")}
`;

const recipes: Recipe[] = [
  {
    name: "GitHub Actions",
    file: join(REPO, "examples", "github-actions", "ory-reconcile.yml"),
    jobs: (platform) =>
      githubJobs(join(REPO, "examples", "github-actions", "ory-reconcile.yml"), {
        "vars.ORY_ADMIN_URL": platform.ORY_ADMIN_URL,
        "secrets.ORY_API_KEY": platform.ORY_API_KEY,
      }),
  },
  {
    name: "GitLab CI",
    file: join(REPO, "examples", "gitlab-ci", ".gitlab-ci.yml"),
    jobs: (platform) => gitlabJobs(join(REPO, "examples", "gitlab-ci", ".gitlab-ci.yml"), platform),
  },
];

describe.each(recipes)("$name recipe", ({ name, jobs }) => {
  const set = name.startsWith("GitHub") ? "gh-staff" : "gl-staff";
  let round = 0;

  /** A fresh checkout of the user's repository with `emails` declared in identities/. */
  const checkout = (emails: string[]) => {
    const dir = join(root, `${set}-${++round}`);
    cpSync(join(root, "repo"), dir, { recursive: true });
    mkdirSync(join(dir, "identities"));
    writeFileSync(join(dir, "identities", "staff.yaml"), manifest(set, emails));
    return dir;
  };
  const platform = () => ({
    ORY_ADMIN_URL: kratos.adminUrl,
    ORY_API_KEY: API_KEY,
    STAFF_PASSWORD: PASSWORD,
    GITLAB_API_TOKEN: "unused-here",
  });
  const jobsOf = () => {
    const { plan, apply } = jobs(platform());
    // The recipes ask for markdown; until the CLI has it they are run with text (PLAN_FORMAT is theirs to set).
    for (const c of [...plan.commands, ...apply.commands]) {
      expect(c.env.PLAN_FORMAT).toBe("markdown");
      if (!markdown) c.env.PLAN_FORMAT = "text";
      Object.assign(c.env, { STAFF_PASSWORD: PASSWORD });
    }
    return { plan, apply };
  };
  /** The plan job in one checkout; the apply job in another, with the artifact the plan job kept. */
  const planThenApply = async (emails: string[], between: () => Promise<void> = async () => undefined) => {
    const { plan, apply } = jobsOf();
    const planDir = checkout(emails);
    const planned = runJob(plan, planDir);
    expect(plan.keeps).toContain("plan.json");
    await between();
    const applyDir = checkout(emails);
    expect(apply.getsArtifact).toBe(true);
    cpSync(join(planDir, "plan.json"), join(applyDir, "plan.json"));
    return { planned, planDir, applied: runJob(apply, applyDir) };
  };

  it("plans in the pull/merge request (readable plan, JSON artifact) and applies that plan on main", async () => {
    const { planned, planDir, applied } = await planThenApply([`ann@${set}.example`]);
    expect(planned).toMatchObject({ code: 0 });
    const readable = readFileSync(join(planDir, "plan.md"), "utf8");
    expect(readable).toContain(`ann@${set}.example`);
    expect(readable).toMatch(markdown ? /create/ : /Plan: 1 to create, 0 to update, 0 to delete, 0 to adopt\./);
    expect(statSync(join(planDir, "plan.json")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(planDir, "plan.json"), "utf8")).summary).toMatchObject({
      create: 1,
      update: 0,
      delete: 0,
    });
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stdout).toContain("Apply complete: 1 created, 0 updated, 0 adopted, 0 deleted, 0 failed.");
    expect((await liveByEmail(kratos.adminUrl)).has(`ann@${set}.example`)).toBe(true);
  });

  it("refuses the reviewed plan on main when the live identities changed since, writing nothing", async () => {
    const emails = [`dan@${set}.example`, `eve@${set}.example`];
    // dan is already managed by the set; the reviewed plan creates eve.
    const dan = await admin(kratos.adminUrl).createIdentity({
      schema_id: "default",
      traits: { email: emails[0] },
      metadata_admin: { [MARKER_KEY]: { set } },
    });
    const { planned, applied } = await planThenApply(emails, async () => {
      // Someone changes dan by hand between the review and the merge.
      await admin(kratos.adminUrl).patchIdentity(dan.id, [
        { op: "add", path: "/metadata_public", value: { changed: "by hand" } },
      ]);
    });
    expect(planned).toMatchObject({ code: 0 });
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain("Error: the saved plan plan.json is stale; nothing was written");
    expect((await liveByEmail(kratos.adminUrl)).has(emails[1])).toBe(false);
  });
});

it("the recipes exist where the README points", () => {
  for (const recipe of recipes) expect(existsSync(recipe.file)).toBe(true);
});
