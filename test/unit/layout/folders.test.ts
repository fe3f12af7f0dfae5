// The folder picture the code keeps: the pure core imports nothing with I/O and nothing outside itself; folders
// import each other without cycles; no product module imports the dev harness (src/dev is not shipped).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { preProcessFile } from "typescript";

const SRC = join(__dirname, "..", "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

/** `reconcile/core`, `reconcile/engine`, `ory`, `cli`, … for a file below src/; undefined outside it. */
function folderOf(file: string): string | undefined {
  const parts = relative(SRC, file).split("/");
  if (parts[0] === ".." || parts.length < 2) return undefined;
  return parts[0] === "reconcile" && parts.length > 2 ? `reconcile/${parts[1]}` : parts[0];
}

interface Import {
  file: string;
  spec: string;
  /** The folder a relative import lands in (undefined: outside src/ or a package). */
  folder?: string;
}

const imports: Import[] = sourceFiles(SRC).flatMap((file) =>
  preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map(({ fileName }) => ({
    file,
    spec: fileName,
    folder: fileName.startsWith(".")
      ? folderOf(normalize(join(dirname(file), fileName, fileName.endsWith(".ts") ? "" : "x")))
      : undefined,
  })),
);

/** Folder → the folders it imports. */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { file, folder } of imports) {
    const from = folderOf(file);
    if (!from || !folder || folder === from) continue;
    graph.set(from, (graph.get(from) ?? new Set()).add(folder));
  }
  return graph;
}

/** A cycle of folders as `a -> b -> a`, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string | undefined {
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]): string | undefined => {
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node].join(" -> ");
    if (state.get(node) === "done") return undefined;
    state.set(node, "open");
    for (const next of graph.get(node) ?? []) {
      const found = visit(next, [...path, node]);
      if (found) return found;
    }
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const found = visit(node, []);
    if (found) return found;
  }
  return undefined;
}

const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline|process)$|^@ory\/client|^@pulumi\//;

describe("folder layout", () => {
  it("the pure core imports only itself and packages without I/O", () => {
    const bad = imports
      .filter(({ file }) => folderOf(file) === "reconcile/core")
      .filter(({ spec, folder }) => (spec.startsWith(".") ? folder !== "reconcile/core" : IO_MODULES.test(spec)))
      .map(({ file, spec }) => `${relative(SRC, file)} imports ${spec}`);
    expect(bad).toEqual([]);
  });

  it("has no import cycle between folders", () => {
    const graph = folderGraph();
    expect(graph.get("reconcile/core")).toBeUndefined();
    expect(graph.get("ory")).toEqual(new Set(["reconcile/core"]));
    expect(findCycle(graph)).toBeUndefined();
  });

  it("finds a cycle when there is one (the check itself)", () => {
    expect(
      findCycle(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set(["a"])],
        ]),
      ),
    ).toBe("a -> b -> a");
    expect(
      findCycle(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set<string>()],
        ]),
      ),
    ).toBeUndefined();
  });

  it("no product module imports the dev harness", () => {
    const bad = imports
      .filter(({ file, folder }) => folderOf(file) !== "dev" && folder === "dev")
      .map(({ file, spec }) => `${relative(SRC, file)} imports ${spec}`);
    expect(bad).toEqual([]);
  });
});
