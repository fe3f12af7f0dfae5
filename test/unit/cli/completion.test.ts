// `ory-reconcile completion`: the script yargs writes for bash and zsh, loaded into a real bash; and the help of
// the newer commands wraps at word boundaries in a pipe.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleCli, BundledCli } from "./bundled-cli";

let bundled: BundledCli;
beforeAll(() => {
  bundled = bundleCli();
  // What `npm install` puts on PATH: an `ory-reconcile` executable (the completion script calls it by name).
  writeFileSync(
    join(bundled.dir, "ory-reconcile"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(bundled.dir, "dist", "cli", "main.js")}" "$@"\n`,
    { mode: 0o755 },
  );
});
afterAll(() => bundled.remove());

const flat = (text: string) => text.replace(/\s+/g, " ").trim();

/** What bash offers after the words typed so far (the last word is the one being completed). */
function complete(words: string[]): string[] {
  const script = `source <(ory-reconcile completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_ory-reconcile_yargs_completions
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync("bash", ["-c", script], {
    env: { PATH: `${bundled.dir}:${process.env.PATH}`, HOME: process.env.HOME },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

describe("completion", () => {
  it("completes commands and each command's flags in bash", () => {
    expect(complete(["ory-reconcile", "p"])).toEqual(["plan"]);
    expect(complete(["ory-reconcile", "plan", "--ou"])).toEqual(["--output", "--out"]);
    expect(complete(["ory-reconcile", "apply", "--max"])).toEqual(["--max-deletes"]);
    expect(complete(["ory-reconcile", "--no"])).toEqual([]);
  });

  it("prints bash's script by default and zsh's for `completion zsh` or a zsh $SHELL", () => {
    const bash = bundled.run(["completion"], { SHELL: "/bin/bash" });
    expect(bash).toMatchObject({ code: 0, stderr: "", fetches: 0 });
    expect(bash.stdout).toContain(
      "complete -o bashdefault -o default -F _ory-reconcile_yargs_completions ory-reconcile\n",
    );
    for (const [args, env] of [
      [["completion", "zsh"], { SHELL: "/bin/bash" }],
      [["completion"], { SHELL: "/usr/bin/zsh" }],
    ] as const) {
      const zsh = bundled.run([...args], env);
      expect(zsh).toMatchObject({ code: 0, stderr: "" });
      expect(zsh.stdout).toMatch(/^#compdef ory-reconcile\n/);
      expect(zsh.stdout).toContain("compdef _ory-reconcile_yargs_completions ory-reconcile\n");
    }
    expect(bundled.run(["completion", "bash"], { SHELL: "/usr/bin/zsh" }).stdout).toBe(bash.stdout);
  });
});

describe("--help in a pipe", () => {
  // (`completion --help` prints the script: yargs handles that command before help.)
  it.each([[["reconcile"]], [[]]])("wraps %j at word boundaries within 80 columns", (command) => {
    const help = bundled.run([...command, "--help"]);
    expect(help.code).toBe(0);
    for (const line of help.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(flat(help.stdout)).toBe(flat(bundled.run([...command, "--help"], { YARGS_DISABLE_WRAP: "1" }).stdout));
  });
});
