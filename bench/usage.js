// Preloaded into every Node process the benchmark measures (`node -r bench/usage.js …`): on exit, writes the
// process' own resource usage (max RSS, user and system CPU) as JSON to $BENCH_USAGE_FILE. Portable (no
// /usr/bin/time needed) and measures exactly the child, not the benchmark driver.
"use strict";
const { writeFileSync } = require("node:fs");

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.once("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKb: usage.maxRSS,
        userMs: usage.userCPUTime / 1000,
        systemMs: usage.systemCPUTime / 1000,
      }),
    );
  });
}
