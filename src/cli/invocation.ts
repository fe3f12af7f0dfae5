// The command line as the user meant it: the package installs the CLI as `ory-reconcile` and as `reconcile`.
import { basename } from "node:path";
import { UserError } from "./errors";

/**
 * The arguments for yargs when the CLI was started as `scriptPath` (process.argv[1]) with `args`: started as
 * `reconcile` (the second bin), the `reconcile` command is implied, so `reconcile manifests/` is
 * `ory-reconcile reconcile manifests/`; started as anything else, `args` unchanged.
 */
export function commandLine(scriptPath: string | undefined, args: string[]): string[] {
  const name = basename(scriptPath ?? "").replace(/\.c?js$/, "");
  return name === "reconcile" ? ["reconcile", ...args] : args;
}

/**
 * `completion bash` / `completion zsh`: yargs prints zsh's script when $SHELL or $ZSH_NAME names zsh, bash's
 * otherwise; a shell named on the command line wins. Returns the arguments without the shell's name and the $SHELL
 * to give yargs, or undefined for any other command line. Throws a UserError for another shell (`completion fish`):
 * yargs would print bash's script before it refused the argument, and `>> ~/.config/fish/…` would keep it.
 */
export function completionShell(args: string[]): { args: string[]; shell: string } | undefined {
  if (
    args[0] === "completion" &&
    args[1] !== undefined &&
    !args[1].startsWith("-") &&
    args[1] !== "bash" &&
    args[1] !== "zsh"
  ) {
    throw new UserError(
      `completion: no script for the shell ${JSON.stringify(args[1])}; bash and zsh are supported`,
      [],
      "ory-reconcile completion bash, or ory-reconcile completion zsh",
    );
  }
  if (args[0] !== "completion" || (args[1] !== "bash" && args[1] !== "zsh")) return undefined;
  return { args: [args[0], ...args.slice(2)], shell: `/bin/${args[1]}` };
}
