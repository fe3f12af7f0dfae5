// How the CLI writes for a person or a CI log: colour (ANSI codes) and --quiet, decided once per run by main.

/** The output style of one run. */
export interface OutputStyle {
  /** ANSI colour codes in the text plan. */
  color: boolean;
  /** `--quiet`: only errors and the final summary line (`Plan: …`, `Apply complete: …`); no progress. */
  quiet: boolean;
}

/**
 * The style for flags `--color`/`--no-color` and `--quiet`: colour only when stdout is a terminal and neither
 * `--no-color` nor a non-empty `NO_COLOR` (https://no-color.org) says otherwise; `--color` asks for it anyway
 * (the flag wins over the environment).
 */
export function outputStyle(
  flags: { color?: boolean; quiet?: boolean },
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): OutputStyle {
  const color = flags.color ?? (isTTY && !env.NO_COLOR);
  return { color, quiet: flags.quiet === true };
}

/** The style of this run: set by main before a command runs, read by the commands. */
export const style: OutputStyle = { color: false, quiet: false };

/**
 * What `--quiet` keeps of a text plan: its `Error:` lines (with their indented hints) and its last line, the
 * `Plan: …` summary.
 */
export function quietPlanText(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  const kept: string[] = [];
  let inError = false;
  lines.forEach((line, i) => {
    inError = line.startsWith("Error: ") || (inError && line.startsWith("  "));
    if (inError || i === lines.length - 1) kept.push(line);
  });
  return kept.join("\n") + "\n";
}
