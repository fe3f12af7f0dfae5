// The command line as meant: the `reconcile` bin implies its command; `completion zsh` picks the shell.
import { commandLine, completionShell } from "../../../src/cli/invocation";

describe("commandLine", () => {
  it.each([
    ["/usr/lib/node_modules/.bin/reconcile", ["manifests/"], ["reconcile", "manifests/"]],
    ["/project/node_modules/.bin/reconcile", ["manifests/", "--prune"], ["reconcile", "manifests/", "--prune"]],
    ["/project/node_modules/.bin/ory-reconcile", ["plan", "manifests/"], ["plan", "manifests/"]],
    ["/repo/dist/cli/main.js", ["reconcile", "manifests/"], ["reconcile", "manifests/"]],
    [undefined, ["plan", "m"], ["plan", "m"]],
  ])("started as %s with %j runs %j", (script, args, expected) => {
    expect(commandLine(script, args)).toEqual(expected);
  });
});

describe("completionShell", () => {
  it.each([
    [["completion", "zsh"], { args: ["completion"], shell: "/bin/zsh" }],
    [["completion", "bash"], { args: ["completion"], shell: "/bin/bash" }],
    [["completion"], undefined],
    [["completion", "--help"], undefined],
    [["plan", "zsh"], undefined],
  ])("%j -> %j", (args, expected) => {
    expect(completionShell(args)).toEqual(expected);
  });

  it("refuses another shell (yargs would print bash's script first, then fail)", () => {
    expect(() => completionShell(["completion", "fish"])).toThrow(
      'completion: no script for the shell "fish"; bash and zsh are supported',
    );
  });
});
