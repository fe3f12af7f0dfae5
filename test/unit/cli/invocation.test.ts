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
    [["completion", "fish"], undefined],
    [["plan", "zsh"], undefined],
  ])("%j -> %j", (args, expected) => {
    expect(completionShell(args)).toEqual(expected);
  });
});
