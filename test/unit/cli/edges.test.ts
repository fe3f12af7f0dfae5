// The CLI as `npm run build` bundles it, on edges that need no server: help text in a pipe, saved plans that are
// no plans, and files the system refuses.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onDisk, reportError, UserError } from "../../../src/cli/errors";
import { manifestDir, setYaml } from "../../support/cli";
import { bundleCli, BundledCli } from "./bundled-cli";

let bundled: BundledCli;
let dir: string;
let manifests: string;
let files = 0;

beforeAll(() => {
  bundled = bundleCli();
  dir = bundled.dir;
  manifests = manifestDir({
    "s.yaml": setYaml("staff", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }"),
  });
});
afterAll(() => bundled.remove());

const run = (args: string[], env?: Record<string, string>) => bundled.run(args, env);
const flat = (text: string) => text.replace(/\s+/g, " ").trim();

describe("--help in a pipe", () => {
  it.each([[[]], [["validate"]], [["plan"]], [["apply"]], [["export"]]])(
    "wraps %j at word boundaries within 80 columns",
    (command) => {
      const help = run([...command, "--help"]);
      expect(help.code).toBe(0);
      for (const line of help.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
      // The same words as the help text unwrapped: no word broken in the middle ("Krato\ns").
      expect(flat(help.stdout)).toBe(flat(run([...command, "--help"], { YARGS_DISABLE_WRAP: "1" }).stdout));
    },
  );
});

describe("apply --plan with a file that holds no plan to apply", () => {
  const plan = {
    format_version: 1,
    sets: [
      { name: "staff", state_digest: "sha256:0", actions: [{ action: "create", key: "a@example.com", changes: [] }] },
    ],
    summary: { create: 1, update: 0, delete: 0, adopt: 0, noop: 0 },
  };
  const text = JSON.stringify(plan, null, 2);
  const { state_digest: _digest, ...withoutDigest } = plan.sets[0];

  it.each([
    ["null", "null", "is not a plan to apply: expected the JSON object `plan --out` writes, got null"],
    ["an array", "[]", "is not a plan to apply: expected the JSON object `plan --out` writes, got an array"],
    ["an empty object", "{}", "is not a plan to apply: format_version missing, expected 1"],
    [
      "another format_version",
      JSON.stringify({ ...plan, format_version: 2 }),
      "is not a plan to apply: format_version 2, expected 1",
    ],
    [
      "a set without its digest",
      JSON.stringify({ ...plan, sets: [withoutDigest] }),
      "is not a plan to apply: sets[0] lacks its name, state_digest or actions",
    ],
    [
      "an action of no known kind",
      JSON.stringify({ ...plan, sets: [{ ...plan.sets[0], actions: [{ action: "nuke", key: "x" }] }] }),
      "is not a plan to apply: sets[0] lacks its name, state_digest or actions",
    ],
    [
      "a plan saved with errors",
      JSON.stringify({ ...plan, issues: [{ message: "bad" }] }),
      "is not a plan to apply: it was saved with 1 error(s)",
    ],
    [
      "a delete without its reason",
      JSON.stringify({
        ...plan,
        sets: [
          {
            ...plan.sets[0],
            actions: [{ action: "delete", key: "a@example.com", id: "id-a", live_digest: "sha256:0" }],
          },
        ],
        summary: { ...plan.summary, create: 0, delete: 1 },
      }),
      "is not a plan to apply: sets[0].actions[0].reason is missing",
    ],
    [
      "a create turned into a delete",
      JSON.stringify({
        ...plan,
        sets: [
          {
            ...plan.sets[0],
            actions: [
              {
                action: "delete",
                key: "a@example.com",
                id: "id-a",
                reason: "not_in_configuration",
                live_digest: "sha256:0",
              },
            ],
          },
        ],
      }),
      "is not a plan to apply: summary.create is 1, but the sets list 0 create actions",
    ],
    [
      "a plan edited after plan --out wrote it",
      JSON.stringify({ ...plan, plan_digest: "sha256:AAAAAAAAAAAAAAAAAAAAAA" }),
      "is not a plan to apply: plan_digest does not match its sets and summary: the file was edited after `plan --out` wrote it",
    ],
    ["truncated JSON", text.slice(0, 40), "is not JSON (Unexpected end of JSON input)"],
    ["nothing", "", "is not JSON (Unexpected end of JSON input)"],
  ])("refuses %s, naming the file, and sends nothing", (_what, content, message) => {
    const file = join(dir, `plan-${++files}.json`);
    writeFileSync(file, content);
    const result = run(["apply", manifests, "--plan", file, "--endpoint", "http://127.0.0.1:4434"]);
    expect(result).toMatchObject({ code: 1, stdout: "", fetches: 0 });
    expect(result.stderr).toBe(
      `Error: the saved plan ${file} ${message}; nothing was sent to the server\n  hint: create it with \`ory-reconcile plan <paths> --out plan.json\`\n`,
    );
  });

  it("refuses a file it cannot read with the path and the reason, and sends nothing", () => {
    const missing = run(["apply", manifests, "--plan", join(dir, "nope.json"), "--endpoint", "http://127.0.0.1:4434"]);
    expect(missing).toMatchObject({ code: 1, fetches: 0 });
    expect(missing.stderr).toBe(
      `Error: cannot read the saved plan ${join(dir, "nope.json")}: no such file or directory (ENOENT)\n  hint: check the path, or create it with \`ory-reconcile plan <paths> --out plan.json\`\n`,
    );
    const directory = run(["apply", manifests, "--plan", dir, "--endpoint", "http://127.0.0.1:4434"]);
    expect(directory).toMatchObject({ code: 1, fetches: 0 });
    expect(directory.stderr).toBe(
      `Error: cannot read the saved plan ${dir}: illegal operation on a directory (EISDIR)\n  hint: name a file, not a directory\n`,
    );
  });
});

describe("file-system errors are the user's to fix", () => {
  const failure = (operation: () => unknown) => {
    try {
      onDisk("write the plan to the file", operation);
    } catch (error) {
      return error;
    }
    throw new Error("expected a failure");
  };

  it.each([
    [
      "a missing directory",
      () => writeFileSync(join(dir, "no-such-dir", "plan.json"), "{}"),
      "no such file or directory (ENOENT)",
      "create the directory first, or choose another path",
    ],
    [
      "a file where a directory should be",
      () => writeFileSync(join(manifests, "s.yaml", "plan.json"), "{}"),
      "not a directory (ENOTDIR)",
      "a part of the path is a file, not a directory",
    ],
    [
      "a directory where the file should be",
      () => writeFileSync(dir, "{}"),
      "illegal operation on a directory (EISDIR)",
      "name a file, not a directory",
    ],
    [
      "a full disk",
      () => writeFileSync("/dev/full", "{}"),
      "no space left on device (ENOSPC)",
      "free some disk space, or choose another path",
    ],
    [
      "a directory that cannot be made",
      () => mkdirSync(join(manifests, "s.yaml", "out"), { recursive: true }),
      "not a directory (ENOTDIR)",
      "a part of the path is a file, not a directory",
    ],
  ])("%s: what, why and what to do", (_what, operation, reason, hint) => {
    expect(failure(operation)).toEqual(new UserError(`cannot write the plan to the file: ${reason}`, [], hint));
  });

  it("reports one that escapes as the user's, never as an internal error", () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/etc/plan.json'"), {
      code: "EACCES",
      syscall: "open",
      path: "/etc/plan.json",
    });
    let printed = "";
    expect(reportError(error, (text) => (printed += text))).toBe(1);
    expect(printed).toBe("Error: EACCES: permission denied, open '/etc/plan.json'\n");
  });
});
