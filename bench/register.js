// `node -r ./bench/register.js bench/run.ts`: runs the benchmark's TypeScript (and the src/ it imports) without a
// build step, by transpiling each .ts file on require with the project's own TypeScript (no type check here:
// `npm run typecheck` covers bench/). Only the benchmark driver runs this way: the CLI it measures is the built
// dist/cli/main.js, and the raw baselines are plain JavaScript.
const { readFileSync } = require("node:fs");
const ts = require("typescript");

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};

require.extensions[".ts"] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, "utf8"), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
