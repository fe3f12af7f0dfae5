// Copies non-TypeScript assets that the built package needs (the manifest JSON Schema) next to dist/.
const { cpSync, existsSync, chmodSync } = require("node:fs");
const { join } = require("node:path");
const root = join(__dirname, "..");
if (existsSync(join(root, "schema"))) cpSync(join(root, "schema"), join(root, "dist", "schema"), { recursive: true });
chmodSync(join(root, "dist", "cli", "main.js"), 0o755);
