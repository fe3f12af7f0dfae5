#!/usr/bin/env node
// The CLI entry: the only place that calls process.exit.
// `require`: the bundler then takes yargs' CommonJS build, whose help text wraps at word boundaries (its ESM build
// breaks words in the middle: "Krato\ns").
import yargs = require("yargs");
import { applyCommand } from "./apply";
import { connectedTo } from "./connect";
import { destroyCommand } from "./destroy";
import { reportError, UserError } from "./errors";
import { exportCommand } from "./export";
import { commandLine, completionShell } from "./invocation";
import { parseVars } from "./load";
import { planCommand } from "./plan";
import { outputStyle, style } from "./style";
import { validateCommand } from "./validate";

const endpoint = {
  type: "string",
  describe: "Admin API URL (Kratos admin or Ory Network project URL); default $ORY_ADMIN_URL",
} as const;
const insecureHttp = {
  type: "boolean",
  describe: "Allow sending ORY_API_KEY over plain HTTP to a host other than localhost",
} as const;
const output = { choices: ["text", "json"] as const, default: "text" as const, describe: "Output format" };
const adopt = {
  type: "boolean",
  default: false,
  describe:
    "Adopt unmanaged identities whose key matches, in every set (without it only sets with spec.adopt: true adopt; the others report an error)",
} as const;
const vars = {
  type: "string",
  array: true,
  describe: "Value for ${var:NAME} in manifests (repeatable; wins over $ORY_RECONCILE_VAR_NAME)",
} as const;
const planOutput = {
  choices: ["text", "json", "markdown"] as const,
  default: "text" as const,
  describe: "Output format (markdown: a summary table and per-identity details for a pull-request comment)",
};
const verbose = {
  type: "boolean",
  describe: "List every identity, also each copy of a generate entry (summarized in one line per action otherwise)",
} as const;
const prune = { type: "boolean", describe: "Delete identities managed by a set that it no longer declares" } as const;

/** A flag that takes a whole number >= min, written in digits (not "", "1e3" or "0x10"). */
function positiveInt(name: string, min = 0) {
  return (value: unknown) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(String(value).trim()) || n < min) {
      throw new UserError(
        `--${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`,
        [],
        `e.g. --${name} ${Math.max(min, 10)}`,
      );
    }
    return n;
  };
}

/** `--max-deletes N | all`: a cap, "all" (no cap), or undefined (not given: the default cap). */
function maxDeletes(value: unknown): number | "all" | undefined {
  if (value === undefined || String(value).trim() === "all") return value === undefined ? undefined : "all";
  const n = Number(value);
  if (!/^\d+$/.test(String(value).trim())) {
    throw new UserError(
      `--max-deletes must be a whole number >= 0 or "all", got ${JSON.stringify(value)}`,
      [],
      "e.g. --max-deletes 50, or --max-deletes all to lift the cap",
    );
  }
  return n;
}

const maxDeletesOption = {
  type: "string",
  describe:
    "Refuse before the first write when more deletes are planned (default: 20, or a tenth of what the sets manage when that is more; all: no cap)",
} as const;

function bcryptCost(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 4 || n > 31)
    throw new UserError(
      `--bcrypt-cost must be a whole number from 4 to 31, got ${JSON.stringify(value)}`,
      [],
      "e.g. --bcrypt-cost 10",
    );
  return n;
}

export async function main(argv: string[]): Promise<number> {
  // `completion zsh`: yargs reads the shell from $SHELL when it is created.
  let completion;
  try {
    completion = completionShell(argv);
  } catch (error) {
    return reportError(error, (text) => process.stderr.write(text));
  }
  if (completion) [argv, process.env.SHELL] = [completion.args, completion.shell];
  // Set from --color/--no-color/--quiet before a command runs (see the middleware below).
  let color = false;
  let code = 0;
  const run = (work: () => Promise<number> | number) => async () => {
    code = await work();
  };
  const parser = yargs(argv)
    .scriptName("ory-reconcile")
    .usage("$0 <command> [options]\n\nDeclarative identity management for Ory Kratos and Ory Network.")
    .command(
      "validate <paths..>",
      "Check manifests offline (no network)",
      (y) => y.positional("paths", { type: "string", array: true, demandOption: true }).option("var", vars),
      (a) => run(() => validateCommand(a.paths as string[], process.stdout, parseVars(a.var)))(),
    )
    .command(
      "plan <paths..>",
      "Show what apply would change",
      (y) =>
        y
          .positional("paths", { type: "string", array: true, demandOption: true })
          .option("endpoint", endpoint)
          .option("insecure-http", insecureHttp)
          .option("output", planOutput)
          .option("verbose", verbose)
          .option("show-unmanaged", {
            type: "boolean",
            describe: "Also show the live identities no set manages (count per schema, the first few)",
          })
          .option("out", { type: "string", describe: "Also write the JSON plan to this file (for apply --plan)" })
          .option("detailed-exitcode", { type: "boolean", describe: "Exit 2 when changes are pending, 0 when none" })
          .option("prune", prune)
          .option("adopt", adopt)
          .option("var", vars),
      (a) =>
        run(() =>
          planCommand(
            {
              paths: a.paths as string[],
              vars: parseVars(a.var),
              endpoint: a.endpoint,
              insecureHttp: a["insecure-http"],
              output: a.output,
              out: a.out,
              detailedExitcode: a["detailed-exitcode"],
              prune: a.prune,
              adopt: a.adopt,
              verbose: a.verbose,
              showUnmanaged: a["show-unmanaged"],
            },
            process.stdout,
            color,
          ),
        )(),
    )
    .command(
      ["apply <paths..>", "reconcile <paths..>"],
      "Make the live identities match the manifests: plan, then apply, in one step (`reconcile` is the same command, also installed as a `reconcile` bin)",
      (y) =>
        y
          .positional("paths", { type: "string", array: true, demandOption: true })
          .option("endpoint", endpoint)
          .option("insecure-http", insecureHttp)
          .option("plan", {
            type: "string",
            describe: "Apply this saved plan; refused if the live state changed since",
          })
          .option("prune", prune)
          .option("max-deletes", maxDeletesOption)
          .option("concurrency", {
            type: "string",
            describe:
              "Parallel writes: single-identity writes (default 8) and create batches (at most 2); 1 sends one request at a time",
          })
          .option("adopt", adopt)
          .option("prehash-passwords", {
            type: "boolean",
            describe:
              "Hash plaintext passwords locally with bcrypt before sending (larger batches; identical passwords share one hash)",
          })
          .option("bcrypt-cost", {
            type: "string",
            describe: "bcrypt cost for --prehash-passwords, 4..31 (default 10)",
          })
          .option("recovery-out", {
            type: "string",
            describe:
              "Write the recovery (invite) links and codes of created identities that declare recovery: to this file (JSON, mode 0600)",
          })
          .option("output", output)
          .option("verbose", verbose)
          .option("var", vars),
      (a) =>
        run(() =>
          applyCommand(
            {
              paths: a.paths as string[],
              vars: parseVars(a.var),
              endpoint: a.endpoint,
              insecureHttp: a["insecure-http"],
              plan: a.plan,
              prune: a.prune,
              maxDeletes: maxDeletes(a["max-deletes"]),
              concurrency: positiveInt("concurrency", 1)(a.concurrency),
              adopt: a.adopt,
              prehashPasswords: a["prehash-passwords"],
              bcryptCost: bcryptCost(a["bcrypt-cost"]),
              recoveryOut: a["recovery-out"],
              output: a.output,
              verbose: a.verbose,
            },
            process.stdout,
            process.stderr,
            color,
          ),
        )(),
    )
    .command(
      "export",
      "Write live identities as manifests (secrets are never exported)",
      (y) =>
        y
          .option("endpoint", endpoint)
          .option("insecure-http", insecureHttp)
          .option("set", { type: "string", array: true, describe: "Only identities managed by this set (repeatable)" })
          .option("key", { type: "string", default: "traits.email", describe: "Key path of the exported sets" })
          .option("unmanaged-set", {
            type: "string",
            default: "imported",
            describe: "Set name for identities no set manages",
          })
          .option("out", { type: "string", describe: "Directory for <set>.yaml files (default: stdout)" }),
      (a) =>
        run(() =>
          exportCommand(
            {
              endpoint: a.endpoint,
              insecureHttp: a["insecure-http"],
              set: a.set,
              key: a.key,
              out: a.out,
              unmanagedSet: a["unmanaged-set"],
            },
            process.stdout,
            process.stderr,
          ),
        )(),
    )
    .command(
      "destroy",
      "Delete every identity the named sets manage, and nothing else (no manifests needed)",
      (y) =>
        y
          .option("set", {
            type: "string",
            array: true,
            demandOption: true,
            describe: "A set whose identities are deleted (repeatable)",
          })
          .option("endpoint", endpoint)
          .option("insecure-http", insecureHttp)
          .option("max-deletes", maxDeletesOption)
          .option("concurrency", { type: "string", describe: "Parallel deletes (default 8)" })
          .option("key", {
            type: "string",
            default: "traits.email",
            describe: "Key path that names each identity in the plan",
          })
          .option("output", output),
      (a) =>
        run(() =>
          destroyCommand(
            {
              sets: (a.set as string[]).map(String),
              key: a.key,
              endpoint: a.endpoint,
              insecureHttp: a["insecure-http"],
              maxDeletes: maxDeletes(a["max-deletes"]),
              concurrency: positiveInt("concurrency", 1)(a.concurrency),
              output: a.output,
            },
            process.stdout,
            process.stderr,
            color,
          ),
        )(),
    )
    .completion(
      "completion",
      "Print a shell completion script: bash, or zsh with `completion zsh` (default: from $SHELL)",
    )
    .option("color", {
      type: "boolean",
      describe: "Colour the text plan (default: on a terminal, unless NO_COLOR is set); --no-color turns it off",
    })
    .option("quiet", { type: "boolean", describe: "Print only errors and the final summary line (CI logs)" })
    .middleware((a) => {
      Object.assign(style, outputStyle({ color: a.color, quiet: a.quiet }, process.env, Boolean(process.stdout.isTTY)));
      color = style.color;
    })
    .demandCommand(1, "name a command: validate, plan, apply, export or destroy")
    .strict()
    .help()
    // 80 columns in a pipe or a CI log, the terminal's width on a terminal.
    .wrap(process.stdout.isTTY ? process.stdout.columns : 80)
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UserError(message, [], "run `ory-reconcile --help` for usage");
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return reportError(error, (text) => process.stderr.write(text));
  }
  return code;
}

/**
 * Exits once everything written has left the process. A pipe that is full (a CI log reader lagging behind 2,000
 * result lines) makes writes asynchronous, and `process.exit` drops what is still queued: the summary line with it.
 */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/**
 * Node ends a process whose event loop is empty with exit code 0, even with `main` still pending: that happens when
 * a request can never settle (a proxy or port-forward that accepts the connection and closes it without an answer
 * leaves Node's fetch pending forever). A run that ends that way has failed and must not read as success.
 */
function failIfUnfinished(): void {
  const where = connectedTo ? ` at ${connectedTo}` : "";
  process.stderr.write(
    `Error: the server${where} closed the connection without answering, and the request can never complete\n  hint: check the endpoint and whatever forwards to it (a proxy, a port-forward): is the server behind it up?\n`,
  );
  process.exit(1);
}

if (require.main === module) {
  process.once("beforeExit", failIfUnfinished);
  main(commandLine(process.argv[1], process.argv.slice(2))).then(exitAfterFlush, (error) =>
    exitAfterFlush(reportError(error, (text) => process.stderr.write(text))),
  );
}
