// Benchmark options: sizes, runs, backends; `--quick` shrinks everything for a CI smoke test.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { defaultServer, KRATOS_SERVERS } from "../src/dev/kratos";
import type { Variant } from "./data";
import type { Backend } from "./report";

export type Scenario = "seed" | "reads" | "large" | "pulumi";
export const SCENARIOS: Scenario[] = ["seed", "reads", "large", "pulumi"];

export interface Config {
  quick: boolean;
  /** Runs per measured variant (median, min, max over them). */
  runs: number;
  /** Identities of scenarios a–c. */
  n: number;
  /** Identities of scenario d. */
  largeN: number;
  /** Identities of scenario e. */
  pulumiN: number;
  backends: Backend[];
  /**
   * Kratos servers (src/dev/kratos.ts `KRATOS_SERVERS`): every scenario that starts a Kratos runs once per server,
   * with that server's binary (the importer too). Default: the default server only ($KRATOS_VERSION, else v1.3.1).
   */
  servers: string[];
  /** Seeding variants of scenario a: `plain` (no password), `hashed` (bcrypt hash), `plaintext` (the server hashes). */
  variants: Variant[];
  /** Tools measured in scenario a: `ours`, `importer`, `raw` (default all; `--seed-tools ours,raw` skips the slow importer). */
  seedTools: SeedTool[];
  /** Extra seeding case with this delay added to every request (0: none). */
  wanMs: number;
  /** Backends on which d seeds `largeN` identities into a real Kratos (slow: see the README). */
  largeBackends: Backend[];
  scenarios: Scenario[];
  /** Scratch files (manifests, import files, batches). */
  workDir: string;
  out: string;
  /** With --profile: `node --cpu-prof` flags for the CLI runs, writing into `<results>/profiles`. */
  profileDir?: string;
  profileFlags(...labels: string[]): string[];
}

export type Log = (line: string) => void;

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T))
      throw new Error(`${flag}: unknown value "${item}" (expected ${allowed.join(", ")})`);
  return items as T[];
}

export const VARIANTS: Variant[] = ["plain", "hashed", "plaintext"];
export const SEED_TOOLS = ["ours", "importer", "raw"] as const;
export type SeedTool = (typeof SEED_TOOLS)[number];
export const DEFAULT_VARIANTS: Variant[] = ["plain", "hashed"];

export const USAGE = `Usage: npm run bench -- [--quick] [--runs N] [--n N] [--large-n N] [--pulumi-n N]
                       [--servers v1.3.1,v26.2.0,master] [--variants plain,hashed,plaintext] [--seed-tools ours,importer,raw]
                       [--backends sqlite,postgres] [--large-backends sqlite,postgres] [--wan-ms N]
                       [--only seed,reads,large,pulumi] [--out results.json] [--profile]`;

export function parseArgs(argv: string[], resultsDir: string, workDir: string): Config {
  const flags = new Map<string, string>();
  const bool = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick" || arg === "--profile" || arg === "--help") bool.add(arg.slice(2));
    else if (arg.startsWith("--") && arg.includes("="))
      flags.set(arg.slice(2, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
    else if (arg.startsWith("--") && i + 1 < argv.length) flags.set(arg.slice(2), argv[++i]);
    else throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
  }
  if (bool.has("help")) throw new Error(USAGE);
  const known = [
    "runs",
    "n",
    "large-n",
    "pulumi-n",
    "servers",
    "variants",
    "seed-tools",
    "backends",
    "large-backends",
    "wan-ms",
    "only",
    "out",
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const quick = bool.has("quick");
  const number = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new Error(`--${name} must be a whole number >= 1, got "${value}"`);
    return Number(value);
  };
  const backends = list(flags.get("backends") ?? "sqlite,postgres", ["sqlite", "postgres"] as const, "--backends");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const profileDir = bool.has("profile") ? join(resultsDir, "profiles", stamp) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return {
    quick,
    runs: number("runs", quick ? 1 : 3),
    n: number("n", quick ? 200 : 10_000),
    largeN: number("large-n", quick ? 2_000 : 100_000),
    pulumiN: number("pulumi-n", quick ? 20 : 1_000),
    backends,
    servers: list(flags.get("servers") ?? defaultServer(), KRATOS_SERVERS, "--servers"),
    variants: list(flags.get("variants") ?? DEFAULT_VARIANTS.join(","), VARIANTS, "--variants"),
    seedTools: list(flags.get("seed-tools") ?? SEED_TOOLS.join(","), SEED_TOOLS, "--seed-tools"),
    wanMs: flags.get("wan-ms") === "0" ? 0 : number("wan-ms", quick ? 0 : 20),
    largeBackends: list(flags.get("large-backends") ?? backends.join(","), backends, "--large-backends"),
    scenarios: list(flags.get("only") ?? SCENARIOS.join(","), SCENARIOS, "--only"),
    workDir,
    out: flags.get("out") ?? join(resultsDir, `bench-${quick ? "quick-" : ""}${stamp}.json`),
    profileDir,
    profileFlags: (...labels) =>
      profileDir
        ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${labels.join("-")}-${Date.now()}.cpuprofile`]
        : [],
  };
}
